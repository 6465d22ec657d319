// Builds the AlertEvent a plugin receives from what the policy knows about the target.
import type { AlertEvent, AlertKind, TargetState } from '../plugin.js';
import type { ServicePlan } from '../plan.js';
import type { TargetFlags } from '../supervisor.js';
import type { TargetFacts } from './target-facts.js';

const date = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms));

export function buildAlertEvent(
  kind: AlertKind,
  from: TargetState,
  facts: TargetFacts,
  service: ServicePlan,
  now: number,
  extra: { flags?: Readonly<TargetFlags>; count?: number } = {},
): AlertEvent {
  const outage = facts.outage;
  const event: AlertEvent = {
    kind,
    target: facts.target,
    from,
    to: facts.state,
    at: new Date(now),
    result: facts.lastResult ?? { status: 'unknown', message: 'not checked yet' },
    groupHosts: service.hosts.map((host) => host.name),
  };
  if (outage) {
    event.outage = { id: outage.id, startedAt: new Date(outage.startedAt), cause: outage.cause };
    if (outage.endedAt !== undefined) event.outage.endedAt = new Date(outage.endedAt);
    if (outage.durationMs !== undefined) event.outage.durationMs = outage.durationMs;
  }
  if (service.description !== undefined) event.description = service.description;
  if (facts.firstFailureAt !== undefined) event.firstFailureAt = date(facts.firstFailureAt);
  if (facts.lastFailureAt !== undefined) event.lastFailureAt = date(facts.lastFailureAt);
  if (facts.lastSuccessAt !== undefined) event.lastSuccessAt = date(facts.lastSuccessAt);
  if (facts.lastFailure) event.lastFailure = facts.lastFailure;
  const ack = extra.flags?.acknowledged;
  if (ack) event.acknowledged = ack.by === undefined ? { comment: ack.comment } : { by: ack.by, comment: ack.comment };
  if (extra.count !== undefined) event.count = extra.count;
  return event;
}
