// What a delivery still queued for a target that moved (same name, another address or port: another
// machine) must no longer send. The move closed the old machine's outage and owes no up alert for it
// (alert-engine.ts), so a late alarm about the old machine could never be cleared.
import type { AlertEvent, AlertMode } from '../plugin.js';

/**
 * Whether a queued event of the target that moved tells only of the old machine:
 * - to an action that mirrors state (a pool, notify hooks), any event: the action was started again
 *   with the new machine, as with a target just added, and hears of it from its own checks;
 * - to people, its trouble (down, repeat, flapping), and the up of an outage whose down alert is
 *   dropped with it (they never heard of that outage). An up whose down went out still goes out: it
 *   clears what they were told. A startup alert stays too: it tells how things stood at the start.
 * `downDropped` says whether the down alert of an outage was dropped for this alert at this move.
 */
export function toldOfOldMachine(event: AlertEvent, mode: AlertMode | undefined, downDropped: (outageId: number) => boolean): boolean {
  if (mode === 'state') return true;
  if (event.kind === 'down' || event.kind === 'repeat' || event.kind === 'flapping') return true;
  return event.kind === 'up' && event.outage !== undefined && downDropped(event.outage.id);
}
