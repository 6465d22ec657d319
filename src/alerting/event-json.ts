// Alert events as stored in the delivery queue (JSON), and back: dates travel as ISO strings.
import type { AlertEvent } from '../plugin.js';

export function eventsToJson(events: AlertEvent[]): string {
  return JSON.stringify(events);
}

const date = (value: unknown): Date | undefined => (typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined);

export function eventsFromJson(text: string): AlertEvent[] {
  const raw = JSON.parse(text) as Array<Record<string, unknown>>;
  return raw.map((event) => {
    const revived = { ...event, at: date(event.at)! } as unknown as AlertEvent;
    for (const key of ['firstFailureAt', 'lastFailureAt', 'lastSuccessAt'] as const) {
      if (event[key] !== undefined) revived[key] = date(event[key]);
    }
    const outage = event.outage as Record<string, unknown> | undefined;
    if (outage) {
      revived.outage = { ...(outage as unknown as NonNullable<AlertEvent['outage']>), startedAt: date(outage.startedAt)!, endedAt: date(outage.endedAt) };
      if (revived.outage.endedAt === undefined) delete revived.outage.endedAt;
    }
    return revived;
  });
}
