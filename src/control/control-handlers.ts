// What each control API request does to the running daemon: the supervisor's operator operations
// (disable, maintenance, acknowledge, check now), reload, and the live status.
import type { HistoryStore } from '../history/history-store.js';
import type { Logger } from '../plugin.js';
import type { ResultEvent, Supervisor } from '../supervisor.js';
import {
  API_PREFIX,
  byTargetId,
  type AckAnswer,
  type ChangeAnswer,
  type CheckNowAnswer,
  type DaemonInfo,
  type ReloadAnswer,
  type Selector,
  type StatusAnswer,
  type TargetStatus,
} from './control-api.js';
import { noTargetMatches } from './target-match.js';

export interface ControlContext {
  supervisor: Supervisor;
  history: HistoryStore;
  info: DaemonInfo;
  /** Why history is held in memory only, while it is (history-recovery.ts). */
  historyUnavailable?: () => string | undefined;
  reload(): Promise<ReloadAnswer>;
  log: Logger;
  now?: () => number;
}

export interface ControlRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface ControlResponse {
  status: number;
  body: unknown;
}

/** A request the daemon refuses, with the HTTP status and the reason for the operator. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Longest a check-now request waits for its results. */
const MAX_CHECK_WAIT_MS = 60_000;

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !value) throw new ControlError(400, `${name}: expected a non-empty string`);
  return value;
}

function selectorOf(source: Record<string, unknown>): Selector {
  const selector: Selector = { service: field(source, 'service'), group: field(source, 'group'), host: field(source, 'host') };
  return Object.fromEntries(Object.entries(selector).filter(([, value]) => value !== undefined)) as Selector;
}

/** A maintenance's end and reason, each only when it has one (the flags and the answer carry no undefined keys). */
function maintenanceTerms(until: number | undefined, reason: string | undefined): { until?: number; reason?: string } {
  return { ...(until !== undefined ? { until } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/** How a service turned off by `disabled: true` shows among the flags set from the shell. */
const CONFIG_DISABLED = 'disabled: true in the config';

export function createControlHandler(context: ControlContext): (request: ControlRequest) => Promise<ControlResponse> {
  const { supervisor, history } = context;
  const now = context.now ?? Date.now;

  /** The target ids a selector means; a selector that matches nothing is an error that says what exists. */
  function resolve(selector: Selector): string[] {
    if (!selector.service && !selector.group && !selector.host) throw new ControlError(400, 'name the targets: a service, a group and/or a host');
    const ids = supervisor.select(selector);
    if (ids.length) return ids;
    const states = supervisor.states();
    const known = { services: states.map((s) => s.target.service), groups: states.map((s) => s.target.group), hosts: states.map((s) => s.target.name) };
    throw new ControlError(404, noTargetMatches(selector, known));
  }

  function status(query: URLSearchParams): StatusAnswer {
    const selector = selectorOf(Object.fromEntries(query));
    const wanted = Object.keys(selector).length ? new Set(resolve(selector)) : undefined;
    const targets: TargetStatus[] = [];
    for (const { target, machine, flags, service } of supervisor.states()) {
      if (wanted && !wanted.has(target.id)) continue;
      const outage = history.openOutage(target.id);
      const last = machine.lastResult;
      targets.push({
        id: target.id,
        service: target.service,
        group: target.group,
        host: target.name,
        address: target.address,
        ...(target.port !== undefined ? { port: target.port } : {}),
        state: machine.state,
        since: machine.since,
        ...(machine.lastCheckAt !== undefined ? { lastCheckAt: machine.lastCheckAt } : {}),
        ...(last ? { lastResult: { status: last.status, message: last.message, latencyMs: last.latencyMs } } : {}),
        flapping: flags.flapping !== undefined,
        flags: service.disabled && !flags.disabled ? { ...structuredClone(flags), disabled: { at: context.info.startedAt, reason: CONFIG_DISABLED } } : structuredClone(flags),
        ...(outage ? { outage: { id: outage.id, startedAt: outage.startedAt, cause: outage.cause } } : {}),
      });
    }
    targets.sort(byTargetId);
    const historyUnavailable = context.historyUnavailable?.();
    return { daemon: historyUnavailable === undefined ? context.info : { ...context.info, historyUnavailable }, targets };
  }

  function disable(body: Record<string, unknown>, disabled: boolean): ChangeAnswer {
    const matched = resolve(selectorOf(body));
    // `disabled: true` in the config is not undone from the shell: it would come back at the next reload.
    const planned = supervisor.currentPlan!.targets;
    const offInConfig = disabled ? [] : matched.filter((id) => planned.get(id)?.service.disabled);
    if (offInConfig.length && offInConfig.length === matched.length) {
      const services = [...new Set(offInConfig.map((id) => planned.get(id)!.service.name))].join(', ');
      throw new ControlError(409, `${services}: ${CONFIG_DISABLED}; remove that and reload to check it again`);
    }
    const reason = disabled ? field(body, 'reason') : undefined;
    const changed = supervisor.setDisabled(matched, disabled, reason);
    if (changed.length) context.log.info(`${disabled ? 'disabled' : 'enabled'} by control command: ${changed.join(', ')}${reason ? ` (${reason})` : ''}`);
    return { matched, changed };
  }

  function maintenance(body: Record<string, unknown>): ChangeAnswer {
    const action = body.action;
    if (action !== 'start' && action !== 'stop') throw new ControlError(400, "action: expected 'start' or 'stop'");
    const matched = resolve(selectorOf(body));
    if (action === 'stop') {
      const changed = supervisor.setMaintenance(matched, undefined);
      if (changed.length) context.log.info(`maintenance stopped by control command: ${changed.join(', ')}`);
      return { matched, changed };
    }
    const forMs = body.forMs;
    if (forMs !== undefined && (typeof forMs !== 'number' || !Number.isFinite(forMs) || forMs <= 0)) throw new ControlError(400, 'forMs: expected a positive number of milliseconds');
    const reason = field(body, 'reason');
    const until = forMs === undefined ? undefined : now() + forMs;
    const describe = (m: { until?: number; reason?: string }) => `${m.until ? ` until ${new Date(m.until).toISOString()}` : ''}${m.reason ? ` (${m.reason})` : ''}`;
    // A repeat changes only what it says: without --for and --reason, nothing (not an open-ended
    // maintenance without its reason); with one, that one, keeping the other.
    const starting: string[] = [];
    const updated: string[] = [];
    for (const id of matched) {
      const current = supervisor.flagsOf(id)?.maintenance;
      if (!current) {
        starting.push(id);
        continue;
      }
      const next = { until: until ?? current.until, reason: reason ?? current.reason };
      if (next.until === current.until && next.reason === current.reason) continue;
      const kept = maintenanceTerms(next.until, next.reason);
      if (supervisor.setMaintenance([id], kept).length) updated.push(id);
      context.log.info(`maintenance of ${id} changed by control command: now${describe(kept) || ' open-ended'}`);
    }
    const started = supervisor.setMaintenance(starting, maintenanceTerms(until, reason));
    if (started.length) context.log.info(`maintenance started by control command: ${started.join(', ')}${describe({ until, reason })}`);
    const maintenance = Object.fromEntries(
      matched.map((id) => {
        const { until: end, reason: why } = supervisor.flagsOf(id)?.maintenance ?? {};
        return [id, maintenanceTerms(end, why)];
      }),
    );
    return { matched, changed: [...started, ...updated], updated, maintenance };
  }

  function acknowledge(body: Record<string, unknown>): AckAnswer {
    const comment = field(body, 'comment');
    if (!comment) throw new ControlError(400, 'comment: say why (e.g. "disk replaced, back at 14:00")');
    const by = field(body, 'by');
    let ids: string[];
    if (body.outage !== undefined) {
      const outageId = body.outage;
      if (typeof outageId !== 'number' || !Number.isInteger(outageId)) throw new ControlError(400, 'outage: expected an outage number');
      const owner = supervisor.states().find(({ target }) => history.openOutage(target.id)?.id === outageId);
      if (!owner) throw new ControlError(404, `outage #${outageId} is not open: only a current outage can be acknowledged (see vigil history --open)`);
      ids = [owner.target.id];
    } else {
      ids = resolve(selectorOf(body));
    }
    const answer: AckAnswer = { acknowledged: [], notDown: [] };
    for (const id of ids) {
      const previous = supervisor.flagsOf(id)?.acknowledged;
      if (!supervisor.acknowledge(id, { by, comment })) {
        answer.notDown.push(id);
        continue;
      }
      const outageId = supervisor.flagsOf(id)?.acknowledged?.outageId;
      // A second acknowledgement of the same outage takes the first one's place: the answer says whose.
      const replaced = previous && previous.outageId === outageId ? { at: previous.at, ...(previous.by ? { by: previous.by } : {}), comment: previous.comment } : undefined;
      answer.acknowledged.push({ target: id, outageId, ...(replaced ? { replaced } : {}) });
    }
    if (!answer.acknowledged.length) throw new ControlError(409, `nothing to acknowledge: ${answer.notDown.join(', ')} ${answer.notDown.length === 1 ? 'is' : 'are'} not DOWN`);
    context.log.info(`acknowledged by ${by ?? 'control command'}: ${answer.acknowledged.map((a) => a.target).join(', ')}: ${comment}`);
    return answer;
  }

  async function checkNow(body: Record<string, unknown>): Promise<CheckNowAnswer> {
    const matched = resolve(selectorOf(body));
    const wait = body.wait !== false;
    const waiting = new Set<string>();
    const results = new Map<string, ResultEvent>();
    let resolveAll: () => void = () => undefined;
    const allIn = new Promise<void>((done) => (resolveAll = done));
    const onResult = (event: ResultEvent) => {
      if (!waiting.delete(event.target.id)) return;
      results.set(event.target.id, event);
      if (!waiting.size) resolveAll();
    };
    const scheduled = matched.filter((id) => supervisor.checkNow(id));
    if (wait && scheduled.length) {
      for (const id of scheduled) waiting.add(id);
      const longest = Math.max(...supervisor.states().filter(({ target }) => waiting.has(target.id)).map(({ timing }) => timing.timeoutMs));
      supervisor.on('result', onResult);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allIn, new Promise((done) => (timer = setTimeout(done, Math.min(MAX_CHECK_WAIT_MS, longest + 2_000))))]);
      clearTimeout(timer);
      supervisor.off('result', onResult);
    }
    const stateOf = new Map(supervisor.states().map(({ target, machine }) => [target.id, machine.state]));
    return {
      scheduled,
      results: [...results.values()].map(({ target, result }) => ({
        target: target.id,
        status: result.status,
        message: result.message,
        latencyMs: result.latencyMs,
        state: stateOf.get(target.id) ?? 'unknown',
      })),
      pending: wait ? [...waiting] : [],
    };
  }

  return async (request) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new ControlError(400, 'expected a JSON object');
    const route = `${request.method} ${request.path}`;
    switch (route) {
      case `GET ${API_PREFIX}/status`:
        return { status: 200, body: status(request.query) };
      case `POST ${API_PREFIX}/disable`:
        return { status: 200, body: disable(body, true) };
      case `POST ${API_PREFIX}/enable`:
        return { status: 200, body: disable(body, false) };
      case `POST ${API_PREFIX}/maintenance`:
        return { status: 200, body: maintenance(body) };
      case `POST ${API_PREFIX}/ack`:
        return { status: 200, body: acknowledge(body) };
      case `POST ${API_PREFIX}/check-now`:
        return { status: 200, body: await checkNow(body) };
      case `POST ${API_PREFIX}/reload`: {
        const answer = await context.reload();
        return { status: answer.ok ? 200 : 422, body: answer };
      }
      default:
        throw new ControlError(404, `no such control command: ${route}`);
    }
  };
}
