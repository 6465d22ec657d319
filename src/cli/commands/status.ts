// `vigil status`: the live state of every target from the running daemon; without a daemon, says
// so and shows the last known state from the history database (exit code 3).
import { Command } from '../commander.js';
import { existsSync } from 'node:fs';
import { API_PREFIX, byTargetId, type DaemonInfo, type StatusAnswer, type TargetStatus } from '../../control/control-api.js';
import { DaemonUnreachable } from '../../control/control-client.js';
import { openReadOnlyDatabase } from '../../history/open-database.js';
import { lastRecordedCheckMinute, queryStoredStatus, type StoredStatus } from '../../history/status-query.js';
import { expectKnownTargets } from '../../history/target-names.js';
import { examples } from '../config-option.js';
import { addDaemonOptions, askDaemon, EXIT_DAEMON_UNREACHABLE, exitCodeOf, expectOk, reportFailure, type DaemonOptions } from '../daemon-client.js';
import { describeFlags } from '../format-flags.js';
import { formatAgo, formatLatency, formatShortDuration, formatTime, printLine, table } from '../format.js';
import { historyPathOf } from '../history-database.js';
import { addSelectorOptions, selectorsFrom, type SelectorOptions } from '../target-selector.js';

interface StatusOptions extends DaemonOptions, SelectorOptions {
  db?: string;
  utc?: boolean;
  json?: boolean;
}

function filterOf(target: string | undefined, options: SelectorOptions): SelectorOptions {
  const targets = target === undefined ? [] : [target];
  return targets.length || options.service || options.group || options.host ? selectorsFrom(targets, options)[0]! : {};
}

/** `500 targets: 497 up, 3 down`: what to look for before reading a long table. */
function stateCounts(targets: Array<{ state: string }>): string {
  const counts = new Map<string, number>();
  for (const { state } of targets) counts.set(state, (counts.get(state) ?? 0) + 1);
  const order = ['down', 'unknown', 'up'];
  const parts = [...counts].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([state, count]) => `${count} ${state}`);
  return `${targets.length} target${targets.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/**
 * One target in `vigil status --json`, live or from the database: every key always there, null
 * when not known or not set, so a script reads both the same way (`live` says which it is).
 */
export interface StatusJsonTarget extends Pick<StoredStatus, 'id' | 'service' | 'group' | 'host' | 'address' | 'port' | 'state' | 'since' | 'flags'> {
  /** Live only: from the database, null. */
  lastCheckAt: number | null;
  /** Live: the last check's result. From the database: the message of the last transition, status and latency null. */
  lastResult: { status: string | null; message: string | null; latencyMs: number | null } | null;
  /** From the database: whether the flags saved last had `flapping`. */
  flapping: boolean;
  outage: { id: number; startedAt: number; cause: string } | null;
}

export interface StatusJson {
  live: boolean;
  daemon: DaemonInfo | null;
  targets: StatusJsonTarget[];
}

/** What the daemon and the database both know of a target. */
function known(t: TargetStatus | StoredStatus) {
  return { id: t.id, service: t.service, group: t.group, host: t.host, address: t.address, port: t.port ?? null, state: t.state, since: t.since, flags: t.flags, outage: t.outage ?? null };
}

function fromLive(t: TargetStatus): StatusJsonTarget {
  const last = t.lastResult;
  return {
    ...known(t),
    lastCheckAt: t.lastCheckAt ?? null,
    lastResult: last ? { status: last.status, message: last.message ?? null, latencyMs: last.latencyMs ?? null } : null,
    flapping: t.flapping,
  };
}

function fromStored(t: StoredStatus): StatusJsonTarget {
  return {
    ...known(t),
    lastCheckAt: null,
    lastResult: t.lastMessage === null ? null : { status: null, message: t.lastMessage, latencyMs: null },
    flapping: t.flags.flapping !== undefined,
  };
}

/** The live table and the last known one: the same columns; what only the daemon knows is `-`. */
function printTargets({ live, targets }: StatusJson, options: StatusOptions, now: number): void {
  console.log(stateCounts(targets));
  printLine(
    table(
      ['TARGET', 'STATE', 'SINCE', 'FOR', 'CHECKED', 'LATENCY', 'FLAGS', 'MESSAGE'],
      targets.map((t) => [
        t.id,
        t.state.toUpperCase(),
        formatTime(t.since, options.utc),
        formatShortDuration(Math.max(0, now - t.since)),
        !live ? '-' : t.lastCheckAt === null ? 'never' : formatAgo(t.lastCheckAt, now),
        formatLatency(t.lastResult?.latencyMs),
        describeFlags(t.flags, options.utc),
        (t.outage ? `#${t.outage.id} ` : '') + (t.lastResult?.message ?? ''),
      ]),
    ),
  );
}

function printLive(answer: StatusJson & { daemon: DaemonInfo }, options: StatusOptions, now: number): void {
  const { daemon } = answer;
  console.log(`vigil ${daemon.version}, pid ${daemon.pid}, up ${formatShortDuration(now - daemon.startedAt)}, config ${daemon.configFile}`);
  if (daemon.historyUnavailable) console.log(`history NOT recorded yet (held in memory, written to the database by itself once the disk is fixed; lost if vigil stops first): ${daemon.historyUnavailable}`);
  if (!answer.targets.length) return void console.log('no targets');
  printTargets(answer, options, now);
}

/** The first line without a daemon, in place of the live one: whose state this is, and how old. */
function lastKnownHeading(file: string, lastCheckMinute: number | null, options: StatusOptions, now: number): string {
  const checked =
    lastCheckMinute === null
      ? 'no check results recorded'
      : `last check results recorded in the minute from ${formatTime(lastCheckMinute, options.utc)} (${formatAgo(lastCheckMinute, now)})`;
  return `last known state from history ${file} (the daemon did not answer); ${checked}`;
}

export function statusCommand(): Command {
  const command = new Command('status').description('live state of every target from the running daemon (or the last known state from history)').argument('[target]', 'SERVICE or SERVICE/HOST');
  addSelectorOptions(command);
  return addDaemonOptions(command)
    .option('--db <file>', 'history database for the last known state (default: history.path from the config)')
    .option('--utc', 'print times in UTC instead of local time')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      examples(['vigil status', 'vigil status web-http', 'vigil status --host 10.0.0.12 --json', '# exit code 3: the daemon is not running (the last known state is printed)']),
    )
    .action(async (target: string | undefined, options: StatusOptions) => {
      const now = Date.now();
      let filter: SelectorOptions = {};
      let unreachable: DaemonUnreachable | undefined;
      try {
        filter = filterOf(target, options);
        // `--db` without a config to name the socket: the file alone answers, as without a daemon.
        if (options.db !== undefined && options.socket === undefined && !existsSync(options.config)) {
          throw new DaemonUnreachable('not-running', `no config at ${options.config} to find the daemon (give -c FILE or --socket PATH)`);
        }
        const query = new URLSearchParams(filter as Record<string, string>).toString();
        const answer = expectOk(await askDaemon<StatusAnswer>(options, 'GET', `${API_PREFIX}/status${query ? `?${query}` : ''}`, undefined, 10_000));
        const live = { live: true, daemon: answer.daemon, targets: answer.targets.map(fromLive) } satisfies StatusJson;
        if (options.json) printLine(JSON.stringify(live, null, 2));
        else printLive(live, options, Date.now()); // "ago" counted from the answer, not from before the request
        return;
      } catch (err) {
        if (!(err instanceof DaemonUnreachable)) return reportFailure('status', err);
        console.error(`vigil status: ${err.message}; last known state from the history database:`);
        unreachable = err;
      }
      try {
        const file = await historyPathOf(options);
        const db = openReadOnlyDatabase(file);
        try {
          expectKnownTargets(db, filter, { current: true });
        } catch (err) {
          return reportFailure('status', err); // a name that matches nothing, as the daemon would say: exit 1
        }
        const stored = queryStoredStatus(db, filter).map(fromStored).sort(byTargetId);
        const lastCheckMinute = lastRecordedCheckMinute(db);
        db.close();
        process.exitCode = unreachable ? exitCodeOf(unreachable) : EXIT_DAEMON_UNREACHABLE;
        if (options.json) return void printLine(JSON.stringify({ live: false, daemon: null, targets: stored } satisfies StatusJson, null, 2));
        console.log(lastKnownHeading(file, lastCheckMinute, options, now));
        if (!stored.length) return void console.log('no targets recorded');
        printTargets({ live: false, daemon: null, targets: stored }, options, now);
      } catch (err) {
        console.error(`vigil status: ${(err as Error).message}`);
        process.exitCode = EXIT_DAEMON_UNREACHABLE;
      }
    });
}
