// Logging: one readable line per event by default, or structured JSON (pino) with --log-format json.
import { fstatSync } from 'node:fs';
import { pino } from 'pino';
import { hexEscaped } from './control-characters.js';
import type { Logger } from './plugin.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };
/** sd-daemon(3) priority prefixes: journald files the line at this priority (journalctl -p warning). */
const JOURNAL_PRIORITY: Record<LogLevel, string> = { debug: '<7>', info: '<6>', warn: '<4>', error: '<3>' };

export interface LogOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
  /** Lines for journald: a priority prefix, no timestamp of our own (default: when stdout is the journal). */
  journald?: boolean;
}

/** True when stdout is connected to the journal: systemd names that stream in JOURNAL_STREAM (systemd.exec(5)). */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.JOURNAL_STREAM) return false;
  try {
    const { dev, ino } = fstatSync(1);
    return env.JOURNAL_STREAM === `${dev}:${ino}`;
  } catch {
    return false;
  }
}

export interface RootLogger extends Logger {
  child(fields: Record<string, unknown>): Logger;
  setLevel(level: LogLevel): void;
}

export function createLogger(options: LogOptions): RootLogger {
  return options.format === 'json' ? jsonLogger(options) : textLogger(options);
}

const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * A message as log text: messages carry probed servers' answers and control-socket users' words,
 * so control characters are written out (no terminal escapes) and a line break starts an indented
 * continuation (with its priority under journald), never a line that looks like an entry of its own.
 */
function logText(msg: string, continuation: string): string {
  if (!UNSAFE.test(msg)) return msg;
  return msg.replace(/(\r?\n)+$/, '').replace(/\r?\n|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => (c.endsWith('\n') ? continuation : hexEscaped(c)));
}

function textLogger(options: LogOptions): RootLogger {
  let minimum = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const journald = options.journald ?? (!options.write && stdoutIsJournal());
  const make = (prefix: string): Logger => {
    const at = (level: LogLevel) => (msg: string) => {
      if (RANK[level] < minimum) return;
      if (journald) write(`${JOURNAL_PRIORITY[level]}${LABEL[level]} ${prefix}${logText(msg, `\n${JOURNAL_PRIORITY[level]}    `)}\n`);
      else write(`${new Date().toISOString()} ${LABEL[level]} ${prefix}${logText(msg, '\n    ')}\n`);
    };
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  };
  return {
    ...make(''),
    child: (fields) => make(Object.values(fields).map((value) => `[${value}] `).join('')),
    setLevel: (level) => (minimum = RANK[level]),
  };
}

function jsonLogger(options: LogOptions): RootLogger {
  const stream = options.write ? { write: options.write } : pino.destination({ dest: 1, sync: true });
  const root = pino({ level: options.level, base: { name: 'vigil' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  const wrap = (logger: pino.Logger): Logger => ({
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
  });
  return {
    ...wrap(root),
    child: (fields) => wrap(root.child(fields)),
    setLevel: (level) => (root.level = level),
  };
}
