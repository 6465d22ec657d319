// The control API's requests and answers, shared by the daemon (server) and the CLI (client).
// HTTP + JSON over a unix socket; every answer is JSON, errors are `{ error }` with a 4xx/5xx status.
//
//   GET  /v1/status[?service=&group=&host=]   live state of every (matching) target
//   POST /v1/disable      { selector, reason? }            stop checking (mon's disable)
//   POST /v1/enable       { selector }                     check again
//   POST /v1/ack          { selector | outage, comment, by? }  acknowledge the current outage
//   POST /v1/maintenance  { selector, action: start|stop, until?, reason? }
//   POST /v1/reload       {}                               re-read the config (as SIGHUP), with the result
//   POST /v1/check-now    { selector, wait? }              check now; with wait, answer with the results
import type { TargetState } from '../plugin.js';
import type { TargetFlags } from '../supervisor.js';

export const API_PREFIX = '/v1';

/** The order `status` lists targets in, live or from the database: 127.0.2.2 before 127.0.2.10. */
export const byTargetId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id, 'en', { numeric: true });

/** Which targets a command means: any combination; at least one must be given. */
export interface Selector {
  service?: string;
  group?: string;
  host?: string;
}

export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: number;
  configFile: string;
  historyPath: string;
  /** Why history is held in memory only (a full, read-only or failing disk at start), while it is. */
  historyUnavailable?: string;
}

export interface TargetStatus {
  id: string;
  service: string;
  group: string;
  host: string;
  address: string;
  port?: number;
  state: TargetState;
  since: number;
  lastCheckAt?: number;
  lastResult?: { status: string; message?: string; latencyMs?: number };
  flapping: boolean;
  flags: TargetFlags;
  outage?: { id: number; startedAt: number; cause: string };
}

export interface StatusAnswer {
  daemon: DaemonInfo;
  targets: TargetStatus[];
}

/** disable, enable, maintenance: which targets matched and which of them changed. */
export interface ChangeAnswer {
  matched: string[];
  changed: string[];
  /** maintenance start: those of `changed` that were in maintenance already and got a new end or reason. */
  updated?: string[];
  /** maintenance start: each matched target's maintenance after the command. */
  maintenance?: Record<string, { until?: number; reason?: string }>;
}

export interface AckAnswer {
  /** `replaced`: the acknowledgement of the same outage this one took the place of. */
  acknowledged: Array<{ target: string; outageId?: number; replaced?: { at: number; by?: string; comment: string } }>;
  /** Matched but not DOWN: nothing to acknowledge. */
  notDown: string[];
}

export interface ReloadAnswer {
  ok: boolean;
  changes: string[];
  errors: string[];
  /** Changed settings a reload cannot apply (read once, at start), one line each. */
  restartNeeded?: string[];
  /** What `vigil check-config` warns about in the config now running (secrets written inline), one line each. */
  warnings?: string[];
}

export interface CheckNowAnswer {
  scheduled: string[];
  results: Array<{ target: string; status: string; message?: string; latencyMs?: number; state: TargetState }>;
  /** Scheduled but no result within the wait (e.g. a check still running at its timeout). */
  pending: string[];
}

export interface ErrorAnswer {
  error: string;
}
