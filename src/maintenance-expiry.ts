// Ends maintenance that was started with an end time (`vigil maintenance start --for 2h`, a cron
// maintenance window) when that time comes, including maintenance restored after a restart whose
// end passed while the daemon was stopped. One timer, set for the earliest end; the supervisor
// owns it, so every way of starting maintenance ends the same way.
import type { Logger } from './plugin.js';
import type { Supervisor, TargetFlags } from './supervisor.js';
import { MAX_TIMER_MS } from './timer-limit.js';

export class MaintenanceExpiry {
  private timer: NodeJS.Timeout | undefined;
  private armSoon: NodeJS.Immediate | undefined;
  /** A command may change many targets at once: look once, after it. */
  private readonly onFlags = (event: { flags: TargetFlags }) => {
    if (event.flags.maintenance?.until === undefined || this.armSoon) return;
    this.armSoon = setImmediate(() => {
      this.armSoon = undefined;
      this.arm();
    });
  };

  constructor(
    private readonly supervisor: Supervisor,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    supervisor.on('flags', this.onFlags);
  }

  /** Ends what is due now and sets the timer for the next end. Call after each plan is applied. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    const due = new Map<string, string[]>(); // by reason, for a readable log line
    let next = Infinity;
    for (const { target, flags } of this.supervisor.states()) {
      const until = flags.maintenance?.until;
      if (until === undefined) continue;
      if (until > now) {
        next = Math.min(next, until);
        continue;
      }
      const reason = flags.maintenance!.reason ?? '';
      due.set(reason, [...(due.get(reason) ?? []), target.id]);
    }
    for (const [reason, ids] of due) {
      const ended = this.supervisor.setMaintenance(ids, undefined);
      const why = reason ? ` (${reason})` : '';
      if (ended.length) this.log.info(`maintenance ended as planned${why}: ${ended.join(', ')}`, { event: 'maintenance-end', targets: ended, reason });
    }
    if (next === Infinity) return;
    this.timer = setTimeout(() => this.arm(), Math.min(MAX_TIMER_MS, next - now));
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    if (this.armSoon) clearImmediate(this.armSoon);
    this.supervisor.off('flags', this.onFlags);
  }
}
