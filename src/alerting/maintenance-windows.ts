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
      this.tasks.push(task);
      const start = currentWindowStart(window, (date) => task.match(date), this.now());
      if (start !== undefined) this.open(window, start);
      void task.start();
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
