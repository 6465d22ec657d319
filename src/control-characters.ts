// Control characters written out, one way for everything Vigil prints: the tables, `vigil probe`
// and the text log carry probed servers' answers and control-socket users' words, which must not
// drive a terminal or forge a line.

/** A control character as its code: `\x1b`. */
export function hexEscaped(c: string): string {
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** A control character as text for a table cell: `\n`, `\r`, `\t` by name, the others by code. */
export function writtenOut(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return hexEscaped(c);
}
