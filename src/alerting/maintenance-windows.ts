// Recurring maintenance windows (`maintenance:` in the config): at each cron start, the window's
// targets go into maintenance until start + duration, through the same supervisor method the CLI
// uses. A daemon (re)started inside a window opens it at once. A target an operator already put
// in maintenance for longer keeps the operator's maintenance.
import { createTask, type ScheduledTask } from 'node-cron';
import { formatDuration } from '../config/duration.js';
import type { Logger } from '../plugin.js';
import type { Plan } from '../plan.js';
import type { TargetFlags } from '../supervisor.js';
import type { MaintenanceWindowPlan } from './alert-policy.js';

export interface MaintenanceHost {
  setMaintenance(ids: string[], maintenance: { until?: number; reason?: string } | undefined): string[];
  flagsOf(id: string): Readonly<TargetFlags> | undefined;
}

/** How far back to look for a window that already began: 6-field expressions have seconds. */
function stepOf(cron: string): number {
  return cron.trim().split(/\s+/).length === 6 ? 1_000 : 60_000;
}

/** The start of the occurrence of `window` that covers `now`, if one does. */
export function currentWindowStart(window: MaintenanceWindowPlan, matches: (date: Date) => boolean, now: number): number | undefined {
  const step = stepOf(window.cron);
  const latest = Math.floor(now / step) * step;
  for (let start = latest; start > now - window.durationMs; start -= step) {
    if (matches(new Date(start))) return start;
  }
  return undefined;
}

/** Minutes east of UTC at `at`, in `timeZone` (local time without one). */
export function offsetMinutes(at: number, timeZone: string | undefined): number {
  if (timeZone === undefined) return -new Date(at).getTimezoneOffset();
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /([+-])(\d\d):(\d\d)/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/**
 * A start in the local time the clocks skip when daylight saving starts (02:00-03:00 on the spring
 * change in Europe/Berlin: `0 2 * * Sun` on its last Sunday of March) never comes, so node-cron
 * never fires it. cron(8) runs such a job at the change; so do the windows. Returns the change's
 * instant when the clocks went forward in (from, to] and a skipped wall-clock time matches
 * (`wallMatches` reads the Date's UTC fields as the wall clock).
 */
export function skippedWindowStart(cron: string, wallMatches: (wall: Date) => boolean, offsetAt: (at: number) => number, from: number, to: number): number | undefined {
  const before = offsetAt(from);
  const after = offsetAt(to);
  if (after <= before) return undefined;
  let lo = from; // offset `before` here
  let hi = to; // and `after` here: halve down to the change's millisecond
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid) === before) lo = mid;
    else hi = mid;
  }
  const step = stepOf(cron);
  for (let wall = hi + before * 60_000; wall < hi + after * 60_000; wall += step) {
    if (wallMatches(new Date(wall))) return hi;
  }
  return undefined;
}

export class MaintenanceWindows {
  private tasks: ScheduledTask[] = [];
  private plan: Plan | undefined;

  constructor(
    private readonly host: MaintenanceHost,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  apply(plan: Plan): void {
    this.plan = plan;
    this.stopTasks();
    const cronLogger = {
      info: (message: string) => this.log.debug(`node-cron: ${message}`),
      warn: (message: string) => this.log.warn(`maintenance windows: ${message}`),
      error: (message: string | Error) => this.log.error(`maintenance windows: ${message instanceof Error ? message.message : message}`),
      debug: () => undefined,
    };
    for (const window of plan.maintenance) {
      const task = createTask(window.cron, (context) => this.open(window, context.date.getTime()), {
        name: `maintenance:${window.name}`,
        timezone: window.timeZone,
        logger: cronLogger,
        unref: true,
      });
      // The same expression read on the wall clock (UTC fields), and a minute's look for a change
      // of the clocks that skipped a start (skippedWindowStart); cheap, and unref'd like the task.
      const wallClock = createTask(window.cron, () => undefined, { timezone: 'UTC', logger: cronLogger });
      const skipped = (from: number, to: number) => skippedWindowStart(window.cron, (wall) => wallClock.match(wall), (at) => offsetMinutes(at, window.timeZone), from, to);
      const watch = createTask('* * * * *', (context) => {
        const at = context.date.getTime();
        const start = skipped(at - 60_000, at);
        if (start !== undefined) this.open(window, start);
      }, { name: `maintenance:${window.name}:clock-change`, logger: cronLogger, unref: true });
      this.tasks.push(task, wallClock, watch);
      const now = this.now();
      const start = currentWindowStart(window, (date) => task.match(date), now) ?? skipped(now - window.durationMs, now);
      if (start !== undefined) this.open(window, start);
      void task.start();
      void watch.start();
    }
  }

  stop(): void {
    this.stopTasks();
  }

  /** Target ids a window covers: every list it gives must match. */
  targetsOf(window: MaintenanceWindowPlan): string[] {
    if (!this.plan) return [];
    return [...this.plan.targets.values()]
      .filter(({ target }) =>
        (!window.services || window.services.includes(target.service)) &&
        (!window.groups || window.groups.includes(target.group)) &&
        (!window.hosts || window.hosts.includes(target.name) || window.hosts.includes(target.address)))
      .map(({ target }) => target.id);
  }

  private open(window: MaintenanceWindowPlan, start: number): void {
    const until = start + window.durationMs;
    if (until <= this.now()) return;
    const reason = `maintenance window ${window.name}${window.reason ? `: ${window.reason}` : ''}`;
    const ids = this.targetsOf(window).filter((id) => {
      const current = this.host.flagsOf(id)?.maintenance;
      if (!current) return true;
      if (current.reason === reason && current.until === until) return false; // already ours
      return current.until !== undefined && current.until < until; // a longer maintenance stays
    });
    if (!ids.length) return;
    this.host.setMaintenance(ids, { until, reason });
    this.log.info(`${reason}: ${ids.length} target(s) in maintenance for ${formatDuration(until - this.now())}`, {
      event: 'maintenance',
      window: window.name,
      targets: ids,
      until: new Date(until).toISOString(),
    });
    // Its end comes from the `until` given here, like any maintenance (src/maintenance-expiry.ts).
  }

  private stopTasks(): void {
    for (const task of this.tasks) void task.destroy();
    this.tasks = [];
  }
}
