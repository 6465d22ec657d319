// Dependencies have a race that mon's `depend` has too: a switch dies, the servers behind it are
// checked every 10 s and the switch every minute, so the servers go DOWN and alert before the
// switch has failed a single check. Here a target that depends on others does not alert on a
// failure newer than its parents' last results: the parents are checked at once, and the alert
// waits for their answer (at most a parent's timeout and a second). A parent that fails then holds
// the alert as usual; one that answers UP lets it go.

/** Slack over a parent's check timeout before its answer is no longer waited for. */
const ANSWER_SLACK_MS = 1_000;

export interface ParentConfirmationHost {
  /** Runs a target's check as soon as possible; false when it cannot (unknown, not checked). */
  checkNow(id: string): boolean;
  /** The time of the target's latest result, if it has one. */
  lastResultAt(id: string): number | undefined;
  /** How long the target's check may take. */
  timeoutMs(id: string): number;
  /** Decides again for a target that was waiting. */
  reevaluate(id: string): void;
  now(): number;
}

interface Asked {
  /** When the check was asked for: it confirms failures up to then. */
  at: number;
  /** Until when its answer is waited for. */
  until: number;
  /** The dependents waiting for it. */
  waiting: Set<string>;
  timer: NodeJS.Timeout;
}

export class ParentConfirmation {
  /** Parents asked for a check and not answered since (kept after the wait ran out: not asked again for the same failures). */
  private readonly asked = new Map<string, Asked>();

  constructor(private readonly host: ParentConfirmationHost) {}

  /**
   * Whether `child`, failing since `failingSince`, waits for a parent to answer: true while a
   * parent has no result since then and its check, asked for now, may still come back.
   */
  waits(child: string, parents: string[], failingSince: number): boolean {
    const now = this.host.now();
    let waiting = false;
    for (const parent of parents) {
      if ((this.host.lastResultAt(parent) ?? -Infinity) >= failingSince) continue; // answered since
      let asked = this.asked.get(parent);
      if (!asked || asked.at < failingSince) asked = this.ask(parent, now, asked);
      if (!asked || now >= asked.until) continue; // cannot be checked, or gave no answer in time
      asked.waiting.add(child);
      waiting = true;
    }
    return waiting;
  }

  /** A parent's result came in: the dependents waiting for it decide again. */
  answered(parent: string): void {
    const asked = this.asked.get(parent);
    if (!asked) return;
    clearTimeout(asked.timer);
    this.asked.delete(parent);
    this.release(asked);
  }

  close(): void {
    for (const asked of this.asked.values()) clearTimeout(asked.timer);
    this.asked.clear();
  }

  private ask(parent: string, now: number, earlier: Asked | undefined): Asked | undefined {
    if (!this.host.checkNow(parent)) return earlier;
    if (earlier) clearTimeout(earlier.timer);
    const waitMs = this.host.timeoutMs(parent) + ANSWER_SLACK_MS;
    const asked: Asked = {
      at: now,
      until: now + waitMs,
      waiting: earlier?.waiting ?? new Set(),
      // No answer in time (the check could not start, or the parent went): its dependents stop waiting.
      timer: setTimeout(() => this.release(asked), waitMs).unref(),
    };
    this.asked.set(parent, asked);
    return asked;
  }

  private release(asked: Asked): void {
    const waiting = [...asked.waiting];
    asked.waiting.clear();
    for (const child of waiting) this.host.reevaluate(child);
  }
}
