// The public plugin API: `import { defineCheck, defineAlert, z } from 'vigil/plugin'`.
// Built-in checks (checks/) and alerts (alerts/) use exactly this module, as user plugins do.
import { z } from 'zod';

export { z };
export { describeError } from './describe-error.js';
export { parseDuration, formatDuration } from './config/duration.js';
export { runProcess, type ProcessOptions, type ProcessResult } from './run-process.js';
export { joinHostPort } from './config/host-entry.js';
// Helpers the built-in checks share; user plugins may use them too.
export {
  excerpt,
  findHexPattern,
  formatHexPattern,
  hexPatternMatchesAt,
  parseHex,
  parseHexPattern,
  type HexPatternByte,
} from './check-kit/hex.js';
export { commandOption, hexOption, hexPatternOption, ipAddressOption, oneOrMore, pathOption, portOption, regexOption } from './check-kit/option-schemas.js';
export { serverNameFor, tlsConnectOptions, tlsOptionsShape, type TlsOptions } from './check-kit/tls-options.js';
export { addressFromUrl, basicAuthorization, optionsFromQuery, portFromUrl } from './check-kit/url.js';
export { checkPort } from './check-kit/check-port.js';
export { exchangeDatagram, type DatagramOutcome, type DatagramRequest } from './check-kit/datagram.js';
export { sendEcho, type EchoOutcome, type EchoRequest } from './check-kit/icmp-echo.js';
export { exchangeHttp, type HttpExchangeRequest, type HttpExchangeResponse } from './check-kit/http-exchange.js';
export { answerBudgetMs, answerDeadline, answerTimeLeftMs } from './check-kit/answer-deadline.js';
export { setDeadline } from './deadline-timer.js';
export {
  passwordOptionsShape,
  passwordSourcesProblem,
  readPassword,
  readSecret,
  secretOptionsShape,
  secretSourcesProblem,
  type PasswordOptions,
  type SecretOptions,
} from './check-kit/password.js';
export {
  credentialHeaders,
  headerOptionsShape,
  headersFromEnv,
  holdsSecrets,
  isCredentialName,
  passwordInUrl,
  redactedUrl,
  tokenInUrl,
  type InlineSecret,
  type SecretFinder,
} from './check-kit/secrets-in-options.js';
export { ReadBudget } from './check-kit/read-budget.js';
export { judgeRows, runSqlCheck, SQL_READ_BUDGET_BYTES, sqlCheckOptions, sqlTargetFromUrl, type QueryRows, type SqlCheckOptions, type SqlConnection, type SqlLogin, type SqlProduct } from './check-kit/sql-check.js';
export { commandSchema, splitCommandLine } from './config/command-line.js';
/** LVS helpers: the ipvsadm table (parse `-S -n`, build commands), pool planning, reconciling. */
export * as lvs from './lvs/api.js';

/** What a single check concluded. `warning` counts as up for the state machine. */
export type CheckStatus = 'up' | 'warning' | 'down' | 'unknown';

/** The state the supervisor holds for a target. */
export type TargetState = 'unknown' | 'up' | 'down';

export interface Target {
  /** Stable identity: `service/host-name`. */
  id: string;
  service: string;
  group: string;
  /** The host's name as written in the host group (an address, or the `name` given). */
  name: string;
  /** The address to connect to. */
  address: string;
  /** Port given on the host entry (`10.0.0.1:8080`), if any; checks fall back to their option. */
  port?: number;
  /** Weight given on the host entry (LVS real-server weight), if any. */
  weight?: number;
}

export interface CheckResult {
  status: CheckStatus;
  /** One line for people: why it failed, or what was seen. */
  message?: string;
  /** More text (script output, response excerpt). */
  detail?: string;
  /** Filled in by the runner when the check does not measure it itself. */
  latencyMs?: number;
  /** A dynamic weight reported by the check (keepalived misc_dynamic). */
  weight?: number;
  /** Numbers the check measured (Nagios perfdata). */
  perf?: Record<string, number>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface CheckContext {
  /** Aborted when the check's timeout expires or the daemon stops: pass it to every I/O call. */
  readonly signal: AbortSignal;
  /**
   * Calls `listener` when the check is cut (timeout or stop); returns a function that removes it.
   * Cheaper than a listener on `signal` (which is only created when read): what checks that run
   * thousands of times a second use to close their socket.
   */
  onAbort(listener: (reason: Error) => void): () => void;
  timeoutMs: number;
  /** performance.now() when the check started: its timeout counts from here. */
  startedAt: number;
  log: Logger;
  /** The service's `description`, if it has one (mon passes it to monitors as MON_DESCRIPTION). */
  readonly description?: string;
  /** How this check's earlier runs went (for a group run: the group's), as mon tells its monitors. */
  readonly previous: PreviousRuns;
}

/** Earlier runs of one check job. Times are epoch milliseconds; undefined: not yet. */
export interface PreviousRuns {
  /** The last run's message (a group run: the hosts that failed, as mon's summary line). */
  lastSummary?: string;
  /** The last run's detail (a script's output). */
  lastOutput?: string;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  /** When the current run of failures began; undefined while the last run passed. */
  firstFailureAt?: number;
}

type AnyObjectSchema = z.ZodObject<z.ZodRawShape>;

export interface CheckDefinition<S extends AnyObjectSchema = AnyObjectSchema> {
  /** The name used as `check: { type: ... }` in the config. */
  type: string;
  description?: string;
  /** Options, validated at config load (unknown keys are errors); defaults apply. */
  options: S;
  /** Check one target. Return a result; throwing is recorded as an `unknown` result. */
  run(target: Target, options: z.output<S>, ctx: CheckContext): Promise<CheckResult>;
  /**
   * Optional: check every host of a group in one run (mon's monitor convention).
   * Used instead of `run` when the service sets `batch: true`. Returns a result per target id.
   */
  runGroup?(targets: Target[], options: z.output<S>, ctx: CheckContext): Promise<Map<string, CheckResult>>;
  /** Optional: turn an ad-hoc URL given to `vigil probe` (e.g. `tcp://host:port`) into a target. */
  fromUrl?(url: URL): { address: string; port?: number; options: Record<string, unknown> };
  /** URL schemes `fromUrl` understands. */
  schemes?: string[];
}

export interface CheckPlugin<S extends AnyObjectSchema = AnyObjectSchema> extends CheckDefinition<S> {
  kind: 'check';
}

export function defineCheck<S extends AnyObjectSchema>(definition: CheckDefinition<S>): CheckPlugin<S> {
  return { kind: 'check', ...definition };
}

/** Why an alert fires. */
export type AlertKind = 'down' | 'up' | 'repeat' | 'startup' | 'flapping' | 'test';

export interface AlertEvent {
  kind: AlertKind;
  target: Target;
  /**
   * The state before and after. For `repeat` and `flapping` both are the current state; for a
   * notice sent when flapping or maintenance ends, `from` is what the action was last told.
   */
  from: TargetState;
  to: TargetState;
  at: Date;
  /** The check result behind the event. */
  result: CheckResult;
  /** The outage this event belongs to, when there is one. */
  outage?: { id: number; startedAt: Date; endedAt?: Date; durationMs?: number; cause: string };
  /** Every host of the target's group (mon passes them all to an alert). */
  groupHosts: string[];
  /** The service's `description` from the config (mon's MON_DESCRIPTION). */
  description?: string;
  /** First and latest failed check of the current (or just ended) failing streak; latest success. */
  firstFailureAt?: Date;
  lastFailureAt?: Date;
  lastSuccessAt?: Date;
  /** The latest failing result: for an `up` event, what the outage looked like (mon gives it to up alerts). */
  lastFailure?: CheckResult;
  /** Set while an operator has acknowledged the outage. */
  acknowledged?: { by?: string; comment: string };
  /** Which alert of this outage this is for this route (1 for the first). */
  count?: number;
}

/** A target routed to an alert (its service lists the alert), with the state held for it now. */
export interface RoutedTarget {
  target: Target;
  state: TargetState;
  /** What UNKNOWN leans to until the first verdict (the service's `initial_state`). */
  initialState: 'up' | 'down';
  /** When the current state began (ms since epoch). */
  since: number;
  /** The weight the latest check result reported, if any (dynamic weights). */
  reportedWeight?: number;
  /** In maintenance: checked and recorded, but no action should fire for it. */
  maintenance: boolean;
}

/** An action a plugin took against the world, kept in the history (`vigil actions`). */
export interface ActionRecord {
  /** What it acted on: `tcp 192.0.2.10:80`, a target id, ... */
  subject: string;
  /** `command`, `drift`, `dry-run`, `hook`, ... */
  kind: string;
  /** The program and arguments run, if any. */
  command?: readonly string[];
  ok: boolean;
  exitCode?: number | null;
  message?: string;
}

/** A plugin's own verdict on what it manages, readable by `vigil track` (keepalived track_script). */
export interface PluginStatus {
  healthy: boolean;
  summary: string;
  detail?: Record<string, unknown>;
  /** Counts as failed when not reported again within this long (a dead daemon stops reporting). */
  staleAfterMs: number;
}

/** What the daemon offers an alert plugin in every hook. */
export interface AlertServices {
  /** The alert's name in the config. */
  name: string;
  log: Logger;
  /** The targets routed to this alert, with their current states. */
  targets(): RoutedTarget[];
  /** Records an action in the history. */
  record(action: ActionRecord): void;
  /** Publishes the plugin's health for `vigil track`; `undefined` withdraws it (alert removed). */
  reportStatus(status: PluginStatus | undefined): void;
}

export interface AlertContext extends AlertServices {
  /** Aborted at the alert's timeout or when the daemon stops. */
  signal: AbortSignal;
  timeoutMs: number;
  /** 1 for the first try; retries count up. */
  attempt: number;
  /** The alert's name in the config (`alerts: { <name>: ... }`). */
  alert?: string;
  /**
   * Stable across the retries of one delivery (a daemon restart included) and unique beyond this
   * history database: use it as an idempotency key.
   */
  deliveryId?: string;
  /**
   * Random, made once per history database. Outage ids start again at 1 in a new database (or on
   * another director): with an outage's id and start it names the outage uniquely (the mail alert
   * threads an outage's mails with it).
   */
  historyId?: string;
}

/**
 * How the alert policy treats an action (docs/alerts.md):
 * - `notify` (default): it tells people; `after`, `every`, `numalerts`, `period`, `startup` and
 *   dependencies apply.
 * - `state`: it mirrors each target's state (an LVS pool): every down/up goes out at once, in
 *   order, and a newer event replaces an older one still waiting; `after`, `every`, `numalerts`,
 *   `period` and `startup` are rejected on its routes and dependencies do not hold it back. A
 *   flapping target is sent `flapping` (take it out), then its state once it settles.
 */
export type AlertMode = 'notify' | 'state';

export interface AlertStopContext extends AlertServices {
  /** shutdown: the daemon stops; removed: a reload dropped the alert; replaced: a reload changed it (a new start follows). */
  reason: 'shutdown' | 'removed' | 'replaced';
}

/** One check result of a target routed to the alert (not delivered while the target is in maintenance). */
export interface ResultNotice {
  target: Target;
  result: CheckResult;
  at: Date;
}

export interface AlertDefinition<S extends AnyObjectSchema = AnyObjectSchema> {
  type: string;
  description?: string;
  options: S;
  /** See AlertMode; default `notify`. */
  mode?: AlertMode;
  /**
   * Whether the action fires while a target is in maintenance: `hold` (default) waits until the
   * maintenance ends and then sends what is still true; `deliver` fires as usual. A config can
   * override it per alert (`in_maintenance:`).
   */
  inMaintenance?: 'hold' | 'deliver';
  /** Called once when the daemon starts (or a reload adds or changes the alert). */
  start?(options: z.output<S>, ctx: AlertServices): Promise<void>;
  /** Deliver one event. Throw to fail the attempt (it is retried); must be idempotent. */
  fire(event: AlertEvent, options: z.output<S>, ctx: AlertContext): Promise<void>;
  /**
   * Optional: deliver several events as one (an alert with `digest: 10m` collects the events of
   * that window and calls this once). Throw to fail the attempt; must be idempotent.
   */
  fireDigest?(events: AlertEvent[], options: z.output<S>, ctx: AlertContext): Promise<void>;
  /** Optional: every check result of the routed targets (e.g. a reported weight). Keep it cheap. */
  observe?(notice: ResultNotice, options: z.output<S>, ctx: AlertServices): void | Promise<void>;
  /** Called once when the daemon stops (or a reload removes or changes the alert). */
  stop?(options: z.output<S>, ctx: AlertStopContext): Promise<void>;
}

export interface AlertPlugin<S extends AnyObjectSchema = AnyObjectSchema> extends AlertDefinition<S> {
  kind: 'alert';
}

export function defineAlert<S extends AnyObjectSchema>(definition: AlertDefinition<S>): AlertPlugin<S> {
  return { kind: 'alert', ...definition };
}

export { renderTemplate, templateFields, templateProblem, TEMPLATE_FIELDS } from './alerting/template.js';

/** A duration option in config form (`500ms`, `5s`, `2m`), validated and turned into milliseconds. */
export { durationSchema as duration } from './config/duration.js';
