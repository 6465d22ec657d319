// Outage ids handed out while the history was held in memory get the file's ids once it is written
// there (history-recovery.ts); alert events that carry one follow.
import type { AlertEvent } from '../plugin.js';

/** Memory's outage id → the file's. */
export type OutageRenumbering = ReadonlyMap<number, number>;

/** The events, with each outage's id as the file has it. */
export function withRenumberedOutages(events: AlertEvent[], ids: OutageRenumbering): AlertEvent[] {
  return events.map((event) => {
    const id = event.outage && ids.get(event.outage.id);
    return id === undefined ? event : { ...event, outage: { ...event.outage!, id } };
  });
}
