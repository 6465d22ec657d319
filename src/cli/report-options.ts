// The options the history reports share: which database, which targets, which window.
import { Command, InvalidArgumentError, Option } from './commander.js';
import type { Grouping } from '../history/grouping.js';
import type { TargetFilter } from '../history/outage-query.js';
import { configOption } from './config-option.js';
import { parseTimeArgument } from './parse-time.js';

export interface ReportOptions {
  config: string;
  db?: string;
  service?: string;
  host?: string;
  group?: string;
  since: string;
  until: string;
  utc?: boolean;
  json?: boolean;
}

/** A report command with the database, target filters and window options (`--since` defaulting to `since`). */
export function reportCommand(name: string, since: { default: string; examples: string }): Command {
  return new Command(name)
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('-s, --service <name>', 'only this service')
    .option('--host <host>', 'only this host')
    .option('-g, --group <name>', 'only this host group')
    .option('--since <time>', `start of the window: ${since.examples}`, since.default)
    .option('--until <time>', 'end of the window', 'now');
}

export const HEADINGS: Record<Grouping, string> = { target: 'TARGET', service: 'SERVICE', host: 'HOST', group: 'GROUP' };

export function byOption(): Option {
  return new Option('--by <what>', 'one row per target, service, host or group').choices(['target', 'service', 'host', 'group']).default('target');
}

/** The window asked for, checked: `--until` after `--since`. */
export function reportWindow(options: ReportOptions, now: number): { since: number; until: number } {
  const since = parseTimeArgument(options.since, now);
  const until = parseTimeArgument(options.until, now);
  expectOrdered(options, since, until);
  return { since, until };
}

/** `--until` after `--since`, when both are given: an inverted window is a mistake, not "nothing". */
export function expectOrdered(options: { since?: string; until?: string }, since: number | undefined, until: number | undefined): void {
  if (since !== undefined && until !== undefined && until <= since) throw new Error(`--until (${options.until}) must be after --since (${options.since})`);
}

/** The target filters asked for. */
export function reportTargets(options: Pick<ReportOptions, 'service' | 'host' | 'group'>): TargetFilter {
  return { service: options.service, host: options.host, group: options.group };
}

export function worstOption(what: string): Option {
  return new Option('--worst <N>', `only the ${what}, worst first`).argParser((text) => {
    const count = Number(text);
    if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('expected a number of rows, 1 or more');
    return count;
  });
}

const byName = (a: { name: string }, b: { name: string }) => a.name < b.name;

/** Availability reports: lower availability, then more downtime, then by name; nothing counted last. */
export function lessAvailable(a: { name: string; availability: number | null; downtimeMs: number }, b: typeof a): boolean {
  const availabilityA = a.availability ?? Infinity;
  const availabilityB = b.availability ?? Infinity;
  if (availabilityA !== availabilityB) return availabilityA < availabilityB;
  if (a.downtimeMs !== b.downtimeMs) return a.downtimeMs > b.downtimeMs;
  return byName(a, b);
}

/** Check reports: a larger share of failed checks, then more failures, then by name; no checks last. */
export function moreFailing(a: { name: string; failureRatio: number | null; failures: number }, b: typeof a): boolean {
  const ratioA = a.failureRatio ?? -1;
  const ratioB = b.failureRatio ?? -1;
  if (ratioA !== ratioB) return ratioA > ratioB;
  if (a.failures !== b.failures) return a.failures > b.failures;
  return byName(a, b);
}

/**
 * The `count` worst rows, worst first, by `isWorse`. One pass keeping the worst so far: most of
 * ten thousand rows are turned away by one comparison, where sorting them all cost ~40 ms.
 */
export function worstRows<R>(rows: R[], count: number, isWorse: (a: R, b: R) => boolean): R[] {
  const worst: R[] = [];
  for (const row of rows) {
    if (worst.length === count && !isWorse(row, worst[count - 1]!)) continue;
    let at = worst.length;
    while (at > 0 && isWorse(row, worst[at - 1]!)) at--;
    worst.splice(at, 0, row);
    if (worst.length > count) worst.pop();
  }
  return worst;
}
