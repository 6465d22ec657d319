// Runs retention on its cron schedule (node-cron, in `time_zone` or local time), off the probe
// path; re-configured on reload.
import { schedule, type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.js';
import type { Logger } from '../plugin.js';
import type { HistoryStore } from './history-store.js';
import { Retention } from './retention.js';

type RetentionConfig = Config['history']['retention'];

export class RetentionSchedule {
  private task: ScheduledTask | undefined;
  private retention: Retention | undefined;
  private current = '';
  private config: RetentionConfig | undefined;

  constructor(
    private readonly history: Pick<HistoryStore, 'db'>,
    private readonly log: Logger,
  ) {}

  /** (Re)starts the job with this config; unchanged config keeps the running job. */
  configure(config: RetentionConfig): void {
    const key = JSON.stringify(config);
    if (key === this.current) return;
    this.current = key;
    this.config = config;
    void this.task?.destroy();
    void this.retention?.cancel();
    const { schedule: expression, time_zone: timezone, ...policy } = config;
    const retention = new Retention(this.history.db, policy, this.log);
    this.retention = retention;
    this.task = schedule(
      expression,
      async () => {
        await retention.run();
      },
      // Without a zone, node-cron reads the expression on the machine's local clock.
      { name: 'vigil-retention', noOverlap: true, timezone },
    );
  }

  /**
   * The history moved from memory to its file (history-recovery.ts): a run in progress stops before
   * its next step (the memory database closes), and the schedule goes on with the file.
   */
  databaseMoved(): void {
    if (!this.config) return;
    this.current = '';
    this.configure(this.config);
  }

  /** Runs now (e.g. at start or from a test); resolves when done. */
  runNow(now?: number) {
    return this.retention?.run(now);
  }

  /** Stops the schedule and any run in progress; resolves once nothing touches the database. */
  async stop(): Promise<void> {
    void this.task?.destroy();
    this.task = undefined;
    await this.retention?.cancel();
  }
}
