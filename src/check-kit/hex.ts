// Bytes written as hex, the way keepalived's UDP_CHECK takes them: free format, whitespace
// separates groups, each group is read two digits at a time and an odd last digit is one byte
// ("Ab12f 3" → AB 12 0F 03). In a pattern, X/x (or ?) in place of a digit matches any nibble.

/** One byte of a pattern: `mask` says which bits must equal `value`. */
export interface HexPatternByte {
  value: number;
  mask: number;
}

function nibble(char: string, wildcards: boolean): { value: number; mask: number } | undefined {
  if (wildcards && /^[xX?]$/.test(char)) return { value: 0, mask: 0 };
  const value = Number.parseInt(char, 16);
  return Number.isNaN(value) ? undefined : { value, mask: 0xf };
}

function parse(text: string, wildcards: boolean): HexPatternByte[] | string {
  const bytes: HexPatternByte[] = [];
  for (const group of text.trim().split(/\s+/).filter(Boolean)) {
    for (let i = 0; i < group.length; i += 2) {
      const pair = group.slice(i, i + 2);
      const digits = [...pair].map((char) => nibble(char, wildcards));
      const bad = digits.findIndex((digit) => !digit);
      if (bad >= 0) {
        const allowed = wildcards ? 'hex digits, X or ? as a wildcard' : 'hex digits';
        return `expected ${allowed}, got ${JSON.stringify(pair[bad])} in ${JSON.stringify(group)}`;
      }
      const [high, low] = digits.length === 2 ? digits : [{ value: 0, mask: 0xf }, digits[0]];
      bytes.push({ value: (high!.value << 4) | low!.value, mask: (high!.mask << 4) | low!.mask });
    }
  }
  if (!bytes.length) return 'expected at least one hex byte';
  return bytes;
}

/** `"0a 1b ff"` → a Buffer, or a string saying what is wrong. */
export function parseHex(text: string): Buffer | string {
  const bytes = parse(text, false);
  return typeof bytes === 'string' ? bytes : Buffer.from(bytes.map((byte) => byte.value));
}

/** `"01 XX ff"` → a pattern where `XX` matches any byte, or a string saying what is wrong. */
export function parseHexPattern(text: string): HexPatternByte[] | string {
  return parse(text, true);
}

/** True when `data` holds the pattern starting at `offset`. */
export function hexPatternMatchesAt(pattern: readonly HexPatternByte[], data: Uint8Array, offset = 0): boolean {
  if (data.length - offset < pattern.length) return false;
  return pattern.every((byte, i) => (data[offset + i]! & byte.mask) === byte.value);
}

/** Index of the first place `data` holds the pattern, or -1. */
export function findHexPattern(pattern: readonly HexPatternByte[], data: Uint8Array): number {
  for (let offset = 0; offset + pattern.length <= data.length; offset++) {
    if (hexPatternMatchesAt(pattern, data, offset)) return offset;
  }
  return -1;
}

/** The pattern written back as hex (`01 xx ff`), for messages. */
export function formatHexPattern(pattern: readonly HexPatternByte[]): string {
  const digit = (value: number, mask: number) => (mask ? value.toString(16) : 'x');
  return pattern.map((byte) => digit(byte.value >> 4, byte.mask >> 4) + digit(byte.value & 0xf, byte.mask & 0xf)).join(' ');
}

/** Data received from a server, shortened and made printable for a message. */
export function excerpt(data: Uint8Array | string, max = 120): string {
  const buffer = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const head = buffer.subarray(0, max);
  const text = head.toString('utf8');
  // Mostly binary: show hex; mostly text: show it with control characters escaped.
  const printable = text.replace(/[^\x20-\x7e\t\r\n\u00a0-\ufffc]/g, '').length;
  const shown = printable < text.length * 0.8 ? head.toString('hex').replace(/(..)(?!$)/g, '$1 ') : JSON.stringify(text).slice(1, -1);
  return buffer.length > max ? `${shown}… (${buffer.length} bytes)` : shown;
}
