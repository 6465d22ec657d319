// Settings a reload compares outside the plan's diff: those read once, at start, which a reload
// cannot apply (it says so instead of ignoring them), and those it applies live that the diff
// does not show.
import type { Config } from './config/schema.js';
import { formatDuration } from './config/duration.js';

type Read = (config: Config) => string | number | boolean | undefined;

const START_ONLY: Array<[name: string, read: Read]> = [
  ['history.path', (c) => c.history.path],
  ['history.flush_interval', (c) => formatDuration(c.history.flush_interval)],
  ['history.max_queue', (c) => c.history.max_queue],
  ['control.enabled', (c) => c.control.enabled],
  ['control.socket', (c) => c.control.socket],
  ['log.format', (c) => c.log.format],
  ['log.level', (c) => c.log.level],
  ['metrics.listen', (c) => c.metrics.listen],
];

const LIVE: Array<[name: string, read: Read]> = [['scheduler.max_concurrent', (c) => c.scheduler.max_concurrent]];

const shown = (value: ReturnType<Read>) => (value === undefined ? 'off' : String(value));

function changed(settings: Array<[string, Read]>, running: Config, next: Config, say: string): string[] {
  const lines: string[] = [];
  for (const [name, read] of settings) {
    const before = read(running);
    const after = read(next);
    if (before !== after) lines.push(`${name} changed (${shown(before)} → ${shown(after)}): ${say}`);
  }
  return lines;
}

/** One line per changed setting that only a restart applies. */
export function settingsNeedingRestart(running: Config, next: Config): string[] {
  return changed(START_ONLY, running, next, 'takes effect at the next start');
}

/** One line per changed setting outside the plan's diff that the reload applied. */
export function settingsAppliedLive(running: Config, next: Config): string[] {
  return changed(LIVE, running, next, 'applied now');
}
