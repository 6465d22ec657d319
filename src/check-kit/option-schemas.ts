// Zod option types that check plugins share, so a bad regex or hex string in a config is
// reported at load time with its file and line, not on the first check.
import { isIP } from 'node:net';
import { z } from 'zod';
import { parseHex, parseHexPattern } from './hex.js';

/**
 * The schemas made by pathOption and commandOption, so the config loader can find them in any
 * plugin's options; `command` ones leave a bare name alone (it is looked up in PATH).
 */
export const pathOptionSchemas = z.registry<{ command: boolean }>();

/**
 * A file or directory. Written relative, it is taken from the directory of the config file that
 * names it (as history.path and plugin_dirs are), not from wherever the daemon was started.
 */
export function pathOption(description: string) {
  const schema = z.string().min(1).describe(description);
  pathOptionSchemas.add(schema, { command: false });
  return schema;
}

/**
 * A program to run: a bare name is looked up in PATH when run; a path with a slash written
 * relative (`./monitors/http.monitor`) is taken from the config file's directory, as pathOption.
 */
export function commandOption(description: string) {
  const schema = z.string().min(1).describe(description);
  pathOptionSchemas.add(schema, { command: true });
  return schema;
}

/** A port number option. */
export function portOption() {
  return z.int().min(1).max(65535);
}

/** A JavaScript regular expression, checked when the config loads. */
export function regexOption() {
  return z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}` });
    }
  });
}

/** Bytes written as hex (`"0a 1b ff"`, keepalived's free format), checked when the config loads. */
export function hexOption() {
  return z.string().superRefine((text, ctx) => {
    const parsed = parseHex(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });
}

/** A hex pattern where X (or ?) stands for any nibble (`"01 XX ff"`), checked when the config loads. */
export function hexPatternOption() {
  return z.string().superRefine((text, ctx) => {
    const parsed = parseHexPattern(text);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });
}

/** An IPv4 or IPv6 address (e.g. a source address to bind to). */
export function ipAddressOption() {
  return z.string().refine((text) => isIP(text) !== 0, { error: (issue) => `expected an IP address, got ${JSON.stringify(issue.input)}` });
}

/** One value or a list of them (`expect_rcode: NOERROR` or `[NOERROR, NXDOMAIN]`); always a list after parsing. */
export function oneOrMore<T extends z.ZodType>(item: T) {
  return z.union([item, z.array(item)]).transform((value): Array<z.output<T>> => (Array.isArray(value) ? value : [value]));
}
