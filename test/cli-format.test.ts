// The CLI's tables: aligned columns, figures written as operators read them, and text that came
// from probed servers or other users of the control socket that may not drive the terminal.
import { describe, expect, it } from 'vitest';
import { formatPercent, formatShortDuration, table } from '../src/cli/format.js';

describe('table', () => {
  it('shows control characters in a cell escaped: no terminal escape sequence, no forged row', () => {
    const hostile = 'HTTP 500: \x1b]0;owned\x07\x1b[2J\rweb1  UP\nweb2  UP\x9b31m';
    const text = table(['TARGET', 'MESSAGE'], [['web/web1', hostile]]);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
    expect(text.split('\n')).toHaveLength(2);
    expect(text).toContain('HTTP 500: \\x1b]0;owned\\x07\\x1b[2J\\rweb1  UP\\nweb2  UP\\x9b31m');
  });

  it('leaves ordinary text, UTF-8 included, as it is', () => {
    expect(table(['A', 'B'], [['café', 'ok — 12ms']])).toBe('A     B\ncafé  ok — 12ms');
  });
});

describe('table layout', () => {
  it('pads every column but the last to its widest cell, two spaces apart, with no trailing blanks', () => {
    const text = table(['TARGET', 'OUTAGES', 'NOTE'], [['web/web1', '3', 'disk'], ['web/a-much-longer-name', '12345678', ''], ['x', '', 'z']]);
    expect(text.split('\n')).toEqual([
      'TARGET                  OUTAGES   NOTE',
      'web/web1                3         disk',
      'web/a-much-longer-name  12345678',
      'x                                 z',
    ]);
  });
});

describe('formatPercent', () => {
  it('truncates to thousandths of a percent, never rounding up to 100%, with no trailing zeros', () => {
    const cases: Array<[number | null, string]> = [
      [null, '-'], [1, '100%'], [0, '0%'], [0.5, '50%'], [0.99995, '99.995%'], [0.999999, '99.999%'],
      [0.999, '99.9%'], [0.9905, '99.05%'], [0.99005, '99.005%'], [0.1205, '12.05%'], [0.12345, '12.345%'],
      [0.0000123, '0.001%'], [0.000009, '0%'], [0.9990001, '99.9%'], [0.99901, '99.901%'], [0.9951909722222222, '99.519%'],
    ];
    for (const [ratio, text] of cases) expect(formatPercent(ratio), String(ratio)).toBe(text);
  });

  it('reads back as the truncated number for every thousandth of a percent', () => {
    for (let thousandths = 0; thousandths <= 100_000; thousandths++) {
      const ratio = (thousandths + 0.5) / 100_000;
      const text = formatPercent(Math.min(ratio, 1));
      const expected = Math.min(thousandths, 100_000) / 1_000;
      if (Number(text.slice(0, -1)) !== expected || /\.\d*0%$/.test(text)) expect(text, String(ratio)).toBe(`${expected}%`);
    }
  });
});

describe('formatShortDuration', () => {
  it('rounds to the two largest units', () => {
    const cases: Array<[number, string]> = [
      [0, '0ms'], [850, '850ms'], [999.4, '999ms'], [1_000, '1s'], [4_240, '4.2s'], [59_940, '59.9s'], [60_000, '1m'],
      [61_000, '1m1s'], [750_000, '12m30s'], [3_599_400, '59m59s'], [3_600_000, '1h'], [11_100_000, '3h5m'],
      [86_399_000, '23h59m'], [86_400_000, '1d'], [187_200_000, '2d4h'], [31_536_000_000, '365d'],
    ];
    for (const [ms, text] of cases) expect(formatShortDuration(ms), String(ms)).toBe(text);
  });

  it('gives each duration its own text, whatever was formatted before it (texts are made once and kept)', () => {
    // The largest unit in it, then the next one down if not zero.
    const units: Array<[number, string]> = [[86_400, 'd'], [3_600, 'h'], [60, 'm'], [1, 's']];
    const expected = (seconds: number) => {
      const first = units.findIndex(([size]) => seconds >= size);
      const [size, name] = units[first]!;
      const [nextSize, nextName] = units[first + 1] ?? [1, ''];
      const next = Math.floor((seconds % size) / nextSize);
      return `${Math.floor(seconds / size)}${name}${next && nextName ? `${next}${nextName}` : ''}`;
    };
    // Every second from a minute to two days, and every 61 s up to a year, in an order that jumps
    // between the ranges.
    const all = [...Array.from({ length: 2 * 86_400 - 60 }, (_, i) => 60 + i), ...Array.from({ length: 517_000 }, (_, i) => 2 * 86_400 + 61 * i)];
    for (let i = 0; i < all.length; i++) {
      const seconds = all[(i * 7_919) % all.length]!;
      const text = formatShortDuration(seconds * 1_000 + 499);
      if (text !== expected(seconds)) expect(text, `${seconds} s`).toBe(expected(seconds));
    }
  });
});
