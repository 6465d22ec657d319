// PostgreSQL check (ldirectord `service = pgsql`): log in as `user`, run `query` (default
// SELECT 1) and be up when it returns at least one row. A refused login, an unknown database, a
// failing query, or a server that is starting up or shutting down is down, with the server's words.
import net from 'node:net';
import pg from 'pg';
import { defineCheck, runSqlCheck, sqlCheckOptions, sqlTargetFromUrl, type QueryRows, type ReadBudget, type SqlConnection, type SqlLogin, type SqlProduct } from 'vigil/plugin';

function pgsqlConnection({ tls, ...login }: SqlLogin, timeoutMs: number, budget: ReadBudget): SqlConnection {
  // Our own socket (pg connects it): dropping it ends a login or a query still waiting, and what
  // it reads is counted (budget). Once TLS is up, pg reads through a TLS socket over this one.
  const socket = budget.watch(new net.Socket());
  // Without a database, libpq's default is one named after the user; `postgres` is in every cluster.
  // `ssl` takes node:tls options: pg asks the server for TLS and checks its certificate with them.
  const client = new pg.Client({ ...login, database: login.database ?? 'postgres', ssl: tls ?? false, stream: () => socket, connectionTimeoutMillis: timeoutMs, application_name: 'vigil' });
  // A dropped connection also emits 'error'; the pending call has already reported it.
  client.on('error', () => undefined);
  return {
    open: async () => {
      await client.connect();
    },
    query: (sql, maxRows) =>
      new Promise<QueryRows>((resolve, reject) => {
        // Rows as they arrive, so reading can stop at maxRows.
        const config: pg.QueryArrayConfig = { text: sql, rowMode: 'array' };
        const query = new pg.Query(config);
        const rows: unknown[][] = [];
        let current: unknown;
        query.on('row', (row: unknown[], result: unknown) => {
          if (result !== current) (current = result), (rows.length = 0); // several statements: the last one's rows
          if (rows.length === maxRows) return resolve({ rows, more: true }); // the check drops the connection
          rows.push(row);
        });
        query.on('end', () => resolve({ rows, more: false }));
        query.on('error', reject);
        client.query(query);
      }),
    destroy: () => socket.destroy(),
  };
}

const PGSQL: SqlProduct = { name: 'pgsql', title: 'PostgreSQL', defaultPort: 5432 };

export default defineCheck({
  type: 'pgsql',
  description: 'UP when the PostgreSQL server accepts the login and the query returns at least min_rows rows',
  schemes: ['pgsql', 'postgres', 'postgresql'],
  fromUrl: sqlTargetFromUrl,
  options: sqlCheckOptions(PGSQL),
  run: (target, opts, ctx) => runSqlCheck(PGSQL, target, opts, ctx, (login, budget) => pgsqlConnection(login, ctx.timeoutMs, budget)),
});
