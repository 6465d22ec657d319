// What the pool of a virtual service should look like, from the members' states: which real
// servers are in and at what weight, whether quorum holds (with hysteresis), whether the sorry
// server stands in, and whether the panic guard holds the pool. Pure: no I/O, no clocks.
import { effectiveDestinationPort, type Forwarding, type IpvsDestination, type VirtualServiceKey } from './ipvs-table.js';

export interface PoolMember {
  /** The target id (`service/host`). */
  id: string;
  address: string;
  /** Port of the host entry, if any (the service's port otherwise). */
  port?: number;
  /** Configured weight. */
  weight: number;
  /** Weight the check reported (keepalived misc_dynamic); overrides `weight` while set. */
  dynamicWeight?: number;
  /** In the pool by the latest event (UP), or out (DOWN, or held out while flapping). */
  live: boolean;
  /** When it went out (ms), for the panic guard. */
  outSince?: number;
}

export interface SorryServer {
  address: string;
  port?: number;
  weight: number;
  forwarding: Forwarding;
}

export interface PanicGuard {
  /** keep: hold the last `keep` servers in; sorry: let the sorry server take over; off: no guard. */
  policy: 'keep' | 'sorry' | 'off';
  keep: number;
  /** Failures of every server within this window count as one event (the director's network). */
  windowMs: number;
}

export interface PoolPolicy {
  key: VirtualServiceKey;
  forwarding: Forwarding;
  /** quiesce: weight 0 (sessions drain); remove: delete the destination. */
  onDown: 'quiesce' | 'remove';
  sorry?: SorryServer;
  /** Minimum total weight of live servers. */
  quorum: number;
  hysteresis: number;
  panic: PanicGuard;
}

export interface PoolPlan {
  destinations: IpvsDestination[];
  /** Total weight of the live servers. */
  liveWeight: number;
  quorumUp: boolean;
  sorryActive: boolean;
  /** Set while the panic guard holds servers in: their ids. */
  panicKept?: string[];
}

export function memberWeight(member: PoolMember): number {
  return member.dynamicWeight ?? member.weight;
}

/**
 * Quorum with hysteresis (keepalived): lost when the live weight drops below quorum − hysteresis,
 * regained when it reaches quorum + hysteresis; in between the previous state stands.
 */
export function nextQuorum(liveWeight: number, quorum: number, hysteresis: number, previous: boolean | undefined): boolean {
  if (previous === undefined) return liveWeight >= quorum;
  if (previous) return liveWeight >= quorum - hysteresis;
  return liveWeight >= quorum + hysteresis;
}

/** The members the panic guard keeps in, or undefined when it does not apply. */
export function panicKept(members: PoolMember[], panic: PanicGuard): string[] | undefined {
  if (panic.policy !== 'keep' || members.length < 2 || members.some((member) => member.live)) return undefined;
  const times = members.map((member) => member.outSince);
  if (times.some((time) => time === undefined)) return undefined;
  const spread = Math.max(...(times as number[])) - Math.min(...(times as number[]));
  if (spread > panic.windowMs) return undefined;
  // The last to fail are the likeliest to be fine: keep those.
  return [...members]
    .sort((a, b) => b.outSince! - a.outSince!)
    .slice(0, Math.max(1, panic.keep))
    .map((member) => member.id);
}

export function planPool(members: PoolMember[], policy: PoolPolicy, previousQuorum: boolean | undefined): PoolPlan {
  const kept = panicKept(members, policy.panic);
  const inPool = (member: PoolMember) => member.live || (kept?.includes(member.id) ?? false);
  const liveWeight = members.filter((member) => member.live).reduce((sum, member) => sum + memberWeight(member), 0);
  // While the guard holds the pool, quorum stands where it was: the checker is in doubt, not the servers.
  const quorumUp = kept ? (previousQuorum ?? true) : nextQuorum(liveWeight, policy.quorum, policy.hysteresis, previousQuorum);
  const sorryActive = !!policy.sorry && !quorumUp && !kept;

  const destinations: IpvsDestination[] = [];
  for (const member of members) {
    const port = effectiveDestinationPort(policy.key, policy.forwarding, member.port);
    const base = { address: member.address, port, forwarding: policy.forwarding };
    if (inPool(member) && !sorryActive) destinations.push({ ...base, weight: member.live ? memberWeight(member) : member.weight });
    else if (policy.onDown === 'quiesce') destinations.push({ ...base, weight: 0 });
  }
  if (sorryActive) {
    const sorry = policy.sorry!;
    destinations.push({
      address: sorry.address,
      port: effectiveDestinationPort(policy.key, sorry.forwarding, sorry.port),
      forwarding: sorry.forwarding,
      weight: sorry.weight,
    });
  }
  return { destinations, liveWeight, quorumUp, sorryActive, panicKept: kept };
}
