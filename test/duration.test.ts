import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/config/duration.js';

describe('durations', () => {
  it('reads the forms operators write', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
  });

  it('rejects bare numbers and unknown units, like mon', () => {
    expect(parseDuration('5')).toBeUndefined();
    expect(parseDuration('5 sec')).toBeUndefined();
    expect(parseDuration('fast')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  it('prints durations short and readable', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1_500)).toBe('1.5s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_600_000 * 26)).toBe('1d2h');
  });
});
