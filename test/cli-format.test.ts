// The CLI's tables show text that came from probed servers (check messages, causes) and from
// other users of the control socket (reasons, comments): none of it may drive the terminal.
import { describe, expect, it } from 'vitest';
import { table } from '../src/cli/format.js';

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
