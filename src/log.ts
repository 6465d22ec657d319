// Logging: one readable line per event by default, or structured JSON (pino) with --log-format json.
import { pino } from 'pino';
import type { Logger } from './plugin.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const LABEL: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };

export interface LogOptions {
  format: LogFormat;
  level: LogLevel;
  /** Where lines go (default: stdout). */
  write?: (line: string) => void;
}

export interface RootLogger extends Logger {
  child(fields: Record<string, unknown>): Logger;
  setLevel(level: LogLevel): void;
}

export function createLogger(options: LogOptions): RootLogger {
  return options.format === 'json' ? jsonLogger(options) : textLogger(options);
}

function textLogger(options: LogOptions): RootLogger {
  let minimum = RANK[options.level];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const make = (prefix: string): Logger => {
    const at = (level: LogLevel) => (msg: string) => {
      if (RANK[level] >= minimum) write(`${new Date().toISOString()} ${LABEL[level]} ${prefix}${msg}\n`);
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
