// What the SQL checks (mysql, pgsql) share: ldirectord's negotiate check for databases — log in
// (login, passwd, database), run a query (request), and call the server up when it returned at
// least one row. Each check only adapts its driver to SqlConnection; a plugin for another database
// can do the same.
import type { ConnectionOptions } from 'node:tls';
import { z } from 'zod';
import { describeError } from '../describe-error.js';
import { joinHostPort } from '../config/host-entry.js';
import type { CheckContext, CheckResult, Target } from '../plugin.js';
import { answerDeadline } from './answer-deadline.js';
import { ReadBudget } from './read-budget.js';
import { excerpt } from './hex.js';
import { addressFromUrl, optionsFromQuery, portFromUrl } from './url.js';
import { checkPort } from './check-port.js';
import { portOption, regexOption } from './option-schemas.js';
import { passwordOptionsShape, passwordSourcesProblem, readPassword } from './password.js';
import { tlsConnectOptions, tlsOptionsShape } from './tls-options.js';

/** A database product a SQL check logs in to: its name in messages, and the port its servers listen on. */
export interface SqlProduct {
  name: string;
  defaultPort: number;
  /** What its servers are called in prose ("MySQL"); `name` when absent. */
  title?: string;
}

/**
 * Most bytes a SQL check reads from one server. A login takes a few kilobytes and the query's
 * answer stops at max_rows; 4 MiB holds a thousand rows of 4 KiB. A port that streams something
 * else (not a database, or not this one) costs this much memory at most, not all it sends.
 */
export const SQL_READ_BUDGET_BYTES = 4 * 1024 * 1024;

/** The options of a SQL check for this product. */
export function sqlCheckOptions(product: SqlProduct) {
  return z
    .strictObject({
      port: portOption().optional().describe(`Port to check, over the host entry's (default: the host entry's, else ${product.defaultPort})`),
      user: z.string().min(1).describe('User to log in as (ldirectord login)'),
      password: z.string().optional().describe('The password itself (ldirectord passwd); password_file or password_env keep it out of the config'),
      ...passwordOptionsShape,
      database: z.string().min(1).optional().describe('Database to connect to (ldirectord database)'),
      query: z.string().min(1).default('SELECT 1').describe('Query to run (ldirectord request)'),
      min_rows: z.int().min(0).default(1).describe('Fewest rows the query must return (ldirectord: one)'),
      max_rows: z
        .int()
        .min(1)
        .default(1_000)
        .describe('Rows read at most: past them the connection is dropped, so a query that returns a whole table costs no more'),
      expect: regexOption().optional().describe("The first row's values, joined by tabs, must match this regular expression"),
      tls: z.boolean().default(false).describe('Require TLS (the server must offer it); the certificate is verified as tls_verify says'),
      ...tlsOptionsShape,
    })
    .superRefine((opts, ctx) => {
      const problem = passwordSourcesProblem(opts);
      if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
      if (opts.min_rows > opts.max_rows) ctx.addIssue({ code: 'custom', path: ['min_rows'], message: `is more than max_rows (${opts.max_rows}), the rows read at most` });
    });
}

export type SqlCheckOptions = z.output<ReturnType<typeof sqlCheckOptions>>;

/** Where and as whom a SQL check logs in. */
export interface SqlLogin {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
  /** Set when TLS is required: node:tls options (verification, CA, client certificate, name to check). */
  tls?: ConnectionOptions;
}

export interface QueryRows {
  rows: unknown[][];
  /** The query returned more rows than were read. */
  more: boolean;
}

/**
 * One connection of a database driver, as a SQL check uses it. The driver's socket goes through
 * the `budget` runSqlCheck passes (`budget.watch(socket)`), which drops it past SQL_READ_BUDGET_BYTES.
 */
export interface SqlConnection {
  /** Connects and logs in. */
  open(): Promise<void>;
  /**
   * Runs the query; each row as an array of its column values (of the last result, for several
   * statements). Past `maxRows` rows it stops reading (`more`): the connection is dropped after.
   */
  query(sql: string, maxRows: number): Promise<QueryRows>;
  /** Drops the connection at once, also while open() or query() is pending. */
  destroy(): void;
}

/**
 * Logs in, runs the query and judges the rows. The check says which step was not answered in
 * time ("no answer within 1.8s while logging in") rather than leaving it to the runner's timeout.
 */
export async function runSqlCheck(
  product: SqlProduct,
  target: Target,
  opts: SqlCheckOptions,
  ctx: CheckContext,
  connect: (login: SqlLogin, budget: ReadBudget) => SqlConnection,
): Promise<CheckResult> {
  const port = checkPort(target, opts.port, product.defaultPort);
  const where = `${product.name} ${joinHostPort(target.address, port)}${opts.tls ? ' over TLS' : ''}`;
  const login: SqlLogin = { host: target.address, port, user: opts.user, database: opts.database };
  try {
    login.password = readPassword(opts);
    if (opts.tls) login.tls = await tlsConnectOptions(opts, target.address);
  } catch (err) {
    return { status: 'unknown', message: describeError(err) }; // our configuration, not the server
  }
  const budget = new ReadBudget(SQL_READ_BUDGET_BYTES);
  const connection = connect(login, budget);
  let step = 'logging in';
  const deadline = answerDeadline(ctx, () => step);
  const removeOnAbort = ctx.onAbort(() => connection.destroy());
  try {
    await Promise.race([connection.open(), deadline.expired]);
    step = `running ${excerpt(opts.query, 60)}`;
    const result = await Promise.race([connection.query(opts.query, opts.max_rows), deadline.expired]);
    return judgeRows(result, opts, where);
  } catch (err) {
    if (budget.exceeded) return { status: 'down', message: `${where}: sent more than ${budget.limitBytes} bytes while ${step}${step === 'logging in' ? `: not a ${product.title ?? product.name} server?` : ''}` };
    return { status: 'down', message: `${where}: ${describeError(err)}` };
  } finally {
    deadline.cancel();
    removeOnAbort();
    connection.destroy();
  }
}

/**
 * `vigil probe mysql://user:password@host:port/database?query=SELECT 1`: the URL's parts as a
 * target and options (user and password percent-decoded; the rest of the options in the query).
 */
export function sqlTargetFromUrl(url: URL): { address: string; port?: number; options: Record<string, unknown> } {
  const options: Record<string, unknown> = {};
  if (url.username) options.user = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database) options.database = database;
  return { address: addressFromUrl(url), port: portFromUrl(url), options: { ...options, ...optionsFromQuery(url) } };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Up when the query returned at least min_rows rows and, with `expect`, the first row matches it. */
export function judgeRows({ rows, more }: QueryRows, opts: Pick<SqlCheckOptions, 'query' | 'min_rows' | 'expect'>, where: string): CheckResult {
  const query = excerpt(opts.query, 60);
  const count = `${more ? 'more than ' : ''}${rows.length} row${rows.length === 1 ? '' : 's'}`;
  if (rows.length < opts.min_rows) return { status: 'down', message: `${where}: ${query} returned ${count}, expected at least ${opts.min_rows}` };
  const first = rows[0] ? rows[0].map(cellText).join('\t') : undefined;
  const detail = first === undefined ? undefined : `first row: ${first}`;
  if (opts.expect !== undefined && (first === undefined || !new RegExp(opts.expect).test(first))) {
    return { status: 'down', message: `${where}: ${query} returned ${count}; the first row ${first === undefined ? 'is missing' : `"${excerpt(first, 60)}" does not match /${opts.expect}/`}`, detail };
  }
  return { status: 'up', message: `${where}: ${query} returned ${count}`, detail };
}
