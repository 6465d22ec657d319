// Turns zod's validation issues into messages an operator can act on:
// "unknown key 'intervall' (did you mean 'interval'?)", "expected a number, got "fast"".
import type { z } from 'zod';
import type { ConfigPath } from './config-error.js';
import { didYouMean } from './did-you-mean.js';

export interface RawIssue {
  path: ConfigPath;
  message: string;
  /** Point at the key itself rather than its value. */
  atKey?: boolean;
}

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

export function describeZodIssues(issues: readonly Issue[], schema: AnySchema, input: unknown, base: ConfigPath = []): RawIssue[] {
  return issues.flatMap((issue) => describeIssue(issue, schema, input, base));
}

function describeIssue(issue: Issue, schema: AnySchema, input: unknown, base: ConfigPath): RawIssue[] {
  const path = [...base, ...(issue.path as (string | number)[])];
  const value = valueAt(input, issue.path as (string | number)[]);
  const custom = issue.message && !/^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message) ? issue.message : undefined;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schema, issue.path as (string | number)[]);
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown key '${key}'${didYouMean(key, known)}${known.length ? `; expected one of: ${known.join(', ')}` : ''}`,
        atKey: true,
      }));
    }
    case 'invalid_type':
      if (value === undefined) return [{ path, message: `is required${custom ? ` (${custom})` : ''}`, atKey: true }];
      return [{ path, message: `${custom ?? `expected ${article(issue.expected)}`}, got ${show(value)}` }];
    case 'invalid_value': {
      const options = issue.values.map(String);
      return [{ path, message: `expected one of ${options.join(', ')}, got ${show(value)}${didYouMean(String(value), options)}` }];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      if (custom) return [{ path, message: custom }];
      if (issue.origin === 'array') return [{ path, message: `needs ${word} ${bound} item(s)` }];
      if (issue.origin === 'string') return [{ path, message: `must be ${word} ${bound} character(s) long` }];
      return [{ path, message: `must be ${word} ${bound}, got ${show(value)}` }];
    }
    case 'invalid_union': {
      // Report the alternative that got furthest: it is the one the author meant.
      const branches = issue.errors.filter((branch) => branch.length > 0);
      const best = branches.sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        return best.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] } as Issue, schema, input, base));
      }
      // One value or a list of them (oneOrMore): a wrong word is best answered with the words allowed.
      const choices = branches.find((branch) => branch.length === 1 && branch[0]!.code === 'invalid_value');
      if (!custom && choices) return describeIssue({ ...choices[0]!, path: issue.path } as Issue, schema, input, base);
      return [{ path, message: `${custom ?? 'unexpected value'}, got ${show(value)}` }];
    }
    default:
      return [{ path, message: custom ?? issue.message }];
  }
}

function depth(issues: readonly Issue[]): number {
  return Math.max(...issues.map((issue) => issue.path.length));
}

function article(type: string): string {
  const words: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping (key: value)',
    array: 'a list',
    record: 'a mapping (key: value)',
  };
  return words[type] ?? type;
}

function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let node = input;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** The keys a strict object at `path` inside `schema` accepts (walks wrappers, records, arrays, unions). */
export function knownKeys(schema: AnySchema, path: readonly (string | number)[]): string[] {
  const found = new Set<string>();
  const walk = (node: AnySchema, rest: readonly (string | number)[]): void => {
    const def = node._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'catch':
        return walk(def.innerType as AnySchema, rest);
      case 'pipe':
        return walk(def.in as AnySchema, rest);
      case 'union':
        return (def.options as AnySchema[]).forEach((option) => walk(option, rest));
      case 'array':
        return rest.length ? walk(def.element as AnySchema, rest.slice(1)) : undefined;
      case 'record':
        return rest.length ? walk(def.valueType as AnySchema, rest.slice(1)) : undefined;
      case 'object': {
        const shape = def.shape as Record<string, AnySchema>;
        if (!rest.length) return Object.keys(shape).forEach((key) => found.add(key));
        const child = shape[String(rest[0])];
        return child ? walk(child, rest.slice(1)) : undefined;
      }
    }
  };
  walk(schema, path);
  return [...found];
}
