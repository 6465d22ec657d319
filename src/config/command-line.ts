// Commands written in the config, the way keepalived reads `notify_up "/path/script arg"`: a
// string split into words (quotes group, backslash escapes; no shell, no variables, no globs),
// or a list of words given as is. Either way the program is run with an argument array.
import { z } from 'zod';

/** Splits a command line into words; returns a string describing the problem when it cannot. */
export function splitCommandLine(text: string): string[] | string {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) return `unclosed ${quote} quote in ${JSON.stringify(text)}`;
  if (inWord) words.push(word);
  if (!words.length) return 'the command is empty';
  return words;
}

/** Zod type for a command option: a string (split like keepalived does) or a list of words. */
export function commandSchema() {
  return z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((value, ctx) => {
      if (Array.isArray(value)) return value;
      const words = splitCommandLine(value);
      if (typeof words === 'string') {
        ctx.addIssue({ code: 'custom', message: words });
        return z.NEVER;
      }
      return words;
    })
    .meta({ description: 'A command: "/path/prog arg1 arg2" (split into words, no shell) or a list of words' });
}
