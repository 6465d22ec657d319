// MySQL / MariaDB check (ldirectord `service = mysql`): log in as `user`, run `query` (default
// SELECT 1) and be up when it returns at least one row. Access denied, an unknown database, a
// failing query or a server that stops answering is down, with the server's own words.
import net from 'node:net';
import tls, { type TLSSocket } from 'node:tls';
import mysql from 'mysql2';
import { defineCheck, runSqlCheck, sqlCheckOptions, sqlTargetFromUrl, type QueryRows, type ReadBudget, type SqlConnection, type SqlLogin, type SqlProduct } from 'vigil/plugin';

/** mysql2's callback API: it hands back the connection at once, so it can be dropped mid-handshake. */
function mysqlConnection({ tls: tlsOptions, ...login }: SqlLogin, timeoutMs: number, budget: ReadBudget): SqlConnection {
  // Our own socket: what it reads is counted (budget), and destroy() closes it. mysql2's own
  // destroy() only half-closes its socket (end()), which a server that never answers never
  // finishes: one socket leaked per check.
  const socket = budget.watch(net.connect({ host: login.host, port: login.port, noDelay: true }));
  const connection = mysql.createConnection({
    ...login,
    stream: socket,
    // mysql2 checks the certificate's name only against a host name, never an address, and cannot
    // be told another name: it verifies the chain, and open() checks the name as node:tls would.
    ssl: tlsOptions && { ca: tlsOptions.ca as string, cert: tlsOptions.cert as string, key: tlsOptions.key as string, rejectUnauthorized: tlsOptions.rejectUnauthorized, verifyIdentity: false },
    connectTimeout: timeoutMs,
    // No prepared statements here; the default (16,000) allocates half a megabyte per connection.
    maxPreparedStatements: 1,
    rowsAsArray: true,
    // Values as the server sent them: nothing to convert for a health check.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  // A dropped connection also emits 'error'; the pending call has already reported it.
  connection.on('error', () => undefined);
  return {
    open: async () => {
      await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(err) : resolve())));
      if (tlsOptions?.rejectUnauthorized) {
        const name = tlsOptions.servername ?? login.host;
        // mysql2's connection.stream: the socket, the TLS one once the handshake upgraded it.
        const certificate = (connection as unknown as { stream: TLSSocket }).stream.getPeerCertificate();
        const mismatch = tls.checkServerIdentity(name, certificate);
        if (mismatch) throw mismatch;
      }
    },
    query: (sql, maxRows) =>
      new Promise<QueryRows>((resolve, reject) => {
        const rows: unknown[][] = [];
        const query = connection.query(sql);
        query.on('error', reject);
        query.on('fields', () => (rows.length = 0)); // a new result set: the last one is the answer
        query.on('result', (row: unknown) => {
          // A statement without a result set (DO 1, SET …) gives a summary object, not a row.
          if (!Array.isArray(row)) return;
          if (rows.length === maxRows) return resolve({ rows, more: true }); // the check drops the connection
          rows.push(row);
        });
        query.on('end', () => resolve({ rows, more: false }));
      }),
    destroy: () => {
      connection.destroy();
      // The TLS socket, once the handshake upgraded the connection; then the plain one under it.
      (connection as unknown as { stream?: net.Socket }).stream?.destroy();
      socket.destroy();
    },
  };
}

const MYSQL: SqlProduct = { name: 'mysql', title: 'MySQL', defaultPort: 3306 };

export default defineCheck({
  type: 'mysql',
  description: 'UP when the MySQL/MariaDB server accepts the login and the query returns at least min_rows rows',
  schemes: ['mysql'],
  fromUrl: sqlTargetFromUrl,
  options: sqlCheckOptions(MYSQL),
  run: (target, opts, ctx) => runSqlCheck(MYSQL, target, opts, ctx, (login, budget) => mysqlConnection(login, ctx.timeoutMs, budget)),
});
