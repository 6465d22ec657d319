// The mysql and pgsql checks against the real servers (Debian's MariaDB and PostgreSQL, started
// by the test on 127.0.0.1): a login and a query that returns rows is up; a wrong password, an
// unknown database, a failing query, too few rows, a first row that does not match, a closed
// port and a server that never answers are down, each with the server's reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mysqlCheck from '../checks/mysql.js';
import pgsqlCheck from '../checks/pgsql.js';
import type { CheckPlugin } from '../src/plugin.js';
import { makeTestPki, type TestPki } from './helpers/certificates.js';
import { MONITOR_PASSWORD, MONITOR_USER, startMariadb, startPostgres, type DatabaseServer, type ServerTls } from './helpers/database-servers.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { closedPort, startSilentServer } from './helpers/servers.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigilAsync } from './helpers/vigil-process.js';

interface Case {
  check: CheckPlugin;
  start: (tls: ServerTls) => Promise<DatabaseServer>;
  /** A query that returns a million rows, 1 first. */
  millionRows: string;
  /** A query whose first row says whether this session is encrypted, and what it says either way. */
  sessionTls: { query: string; on: string; off: string };
  /** What the server says to a wrong password, an unknown database and a bad query. */
  deniedLogin: RegExp;
  unknownDatabase: RegExp;
  badQuery: RegExp;
}

const CASES: Record<string, Case> = {
  mysql: {
    check: mysqlCheck as unknown as CheckPlugin,
    start: startMariadb,
    millionRows: 'SELECT seq FROM seq_1_to_1000000',
    sessionTls: { query: "SHOW SESSION STATUS LIKE 'Ssl_version'", on: '^Ssl_version\tTLSv1\.[23]$', off: '^Ssl_version\t$' },
    deniedLogin: /Access denied for user 'monitor'/,
    unknownDatabase: /Access denied for user 'monitor'@'%' to database 'nope'|Unknown database 'nope'/,
    badQuery: /You have an error in your SQL syntax/,
  },
  pgsql: {
    check: pgsqlCheck as unknown as CheckPlugin,
    start: startPostgres,
    millionRows: 'SELECT generate_series(1, 1000000)',
    sessionTls: { query: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()', on: '^true$', off: '^false$' },
    deniedLogin: /password authentication failed for user "monitor"/,
    unknownDatabase: /database "nope" does not exist/,
    badQuery: /syntax error at or near "SELEKT"/,
  },
};

const tmp = tempDir();
const pki: TestPki = makeTestPki(tmp.dir);
afterAll(() => tmp.cleanup());

for (const [type, { check, start, millionRows, sessionTls, deniedLogin, unknownDatabase, badQuery }] of Object.entries(CASES)) {
  describe(`${type} check`, () => {
    let server: DatabaseServer;
    beforeAll(async () => {
      // The server offers TLS; the monitoring user may log in with or without it.
      server = await start({ certFile: pki.serverCertFile, keyFile: pki.serverKeyFile });
    }, 60_000);
    afterAll(() => server?.stop());

    const target = () => makeTarget('127.0.0.1', server.port);
    const login = { user: MONITOR_USER, password: MONITOR_PASSWORD };
    const run = (options: Record<string, unknown>) => runOnce(check, target(), { ...login, ...options }, 5_000);

    it('is up when the login works and SELECT 1 returns a row', async () => {
      const result = await run({});
      expect(result, server.log()).toMatchObject({ status: 'up', message: `${type} 127.0.0.1:${server.port}: SELECT 1 returned 1 row`, detail: 'first row: 1' });
    });

    it("runs the query in the given database and matches the first row against expect", async () => {
      const up = await run({ database: 'app', query: 'SELECT status FROM health', expect: '^ok$' });
      expect(up).toMatchObject({ status: 'up', detail: 'first row: ok' });
      const down = await run({ database: 'app', query: 'SELECT status FROM health', expect: '^fine$' });
      expect(down).toMatchObject({ status: 'down' });
      expect(down.message).toContain('the first row "ok" does not match /^fine$/');
    });

    it('is down when the query returns fewer rows than min_rows (ldirectord: one)', async () => {
      const query = "SELECT status FROM health WHERE status = 'gone'";
      const none = await run({ database: 'app', query });
      expect(none).toMatchObject({ status: 'down' });
      expect(none.message).toContain('returned 0 rows, expected at least 1');
      expect(await run({ database: 'app', query, min_rows: 0 })).toMatchObject({ status: 'up' });
    });

    it('reads at most max_rows rows: a query that returns a million is cut short, not loaded', async () => {
      const result = await run({ database: 'app', query: millionRows, max_rows: 5 });
      expect(result).toMatchObject({ status: 'up', message: `${type} 127.0.0.1:${server.port}: ${millionRows} returned more than 5 rows`, detail: 'first row: 1' });
      expect(check.options.safeParse({ ...login, min_rows: 6, max_rows: 5 }).error?.issues[0]).toMatchObject({ path: ['min_rows'], message: 'is more than max_rows (5), the rows read at most' });
    });

    it('follows the data: a row the administrator changes turns the check down', async () => {
      const options = { database: 'app', query: "SELECT status FROM health WHERE status = 'ok'" };
      expect(await run(options)).toMatchObject({ status: 'up' });
      await server.admin("UPDATE health SET status = 'draining'");
      try {
        expect(await run(options)).toMatchObject({ status: 'down' });
      } finally {
        await server.admin("UPDATE health SET status = 'ok'");
      }
    });

    it("is down with the server's reason for a wrong password, an unknown database, a bad query", async () => {
      const denied = await run({ password: 'wrong' });
      expect(denied.status).toBe('down');
      expect(denied.message).toMatch(deniedLogin);
      const database = await run({ database: 'nope' });
      expect(database.status).toBe('down');
      expect(database.message).toMatch(unknownDatabase);
      const query = await run({ query: 'SELEKT 1' });
      expect(query.status).toBe('down');
      expect(query.message).toMatch(badQuery);
    });

    it('reads the password from password_file or password_env; one that cannot be read is unknown, not down', async () => {
      const file = tmp.write(`${type}-password`, `${MONITOR_PASSWORD}\n`);
      expect(await runOnce(check, target(), { user: MONITOR_USER, password_file: file }, 5_000)).toMatchObject({ status: 'up' });
      process.env.VIGIL_TEST_DB_PASSWORD = MONITOR_PASSWORD;
      try {
        expect(await runOnce(check, target(), { user: MONITOR_USER, password_env: 'VIGIL_TEST_DB_PASSWORD' }, 5_000)).toMatchObject({ status: 'up' });
      } finally {
        delete process.env.VIGIL_TEST_DB_PASSWORD;
      }
      expect(await runOnce(check, target(), { user: MONITOR_USER, password_env: 'VIGIL_TEST_DB_PASSWORD' }, 5_000)).toEqual({
        status: 'unknown',
        message: 'password_env: environment variable VIGIL_TEST_DB_PASSWORD is not set',
        latencyMs: expect.any(Number),
      });
    });

    it('with tls: true the session is encrypted (the server says so), the certificate checked against tls_ca', async () => {
      const { query, on, off } = sessionTls;
      const encrypted = await run({ query, expect: on, tls: true, tls_ca: pki.caFile });
      expect(encrypted).toMatchObject({ status: 'up', message: `${type} 127.0.0.1:${server.port} over TLS: ${query} returned 1 row` });
      expect(await run({ query, expect: off })).toMatchObject({ status: 'up' });
    });

    it("with tls: true a certificate that is not trusted, or not for the name, is down; tls_verify: false accepts it", async () => {
      const untrusted = await run({ tls: true });
      expect(untrusted.status).toBe('down');
      expect(untrusted.message).toMatch(/over TLS: TLS failure: unable to verify the first certificate \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|HANDSHAKE_SSL_ERROR)\)$/);
      expect(await run({ tls: true, tls_verify: false })).toMatchObject({ status: 'up' });
      // The certificate is for www.example.test and 127.0.0.1.
      expect(await run({ tls: true, tls_ca: pki.caFile, tls_server_name: 'www.example.test' })).toMatchObject({ status: 'up' });
      const otherName = await run({ tls: true, tls_ca: pki.caFile, tls_server_name: 'db.example.test' });
      expect(otherName.status).toBe('down');
      expect(otherName.message).toContain("Host: db.example.test. is not in the cert's altnames: DNS:www.example.test");
    });

    it(`vigil probe ${type}://user:password@host:port/database?query=… checks ad hoc`, async () => {
      const url = `${type}://${MONITOR_USER}:${MONITOR_PASSWORD}@127.0.0.1:${server.port}/app`;
      const up = await runVigilAsync(['probe', `${url}?query=${encodeURIComponent('SELECT status FROM health')}&expect=${encodeURIComponent('^ok$')}`]);
      expect(up.stdout).toMatch(new RegExp(`^UP\\s+${type}://\\S+\\s+[\\d.]+ms\\s+${type} 127\\.0\\.0\\.1:${server.port}: SELECT status FROM health returned 1 row$`, 'm'));
      expect(up.code).toBe(0);
      const denied = await runVigilAsync(['probe', url.replace(MONITOR_PASSWORD, 'wrong')]);
      expect(denied.stdout).toMatch(deniedLogin);
      expect(denied.code).toBe(2);
    });

    it('rejects two password sources in the options', () => {
      const parsed = check.options.safeParse({ user: MONITOR_USER, password: 'a', password_file: '/etc/x' });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]).toMatchObject({ path: ['password'], message: 'give one of password, password_file, not both' });
    });

    it('is down when nothing listens on the port', async () => {
      const port = await closedPort();
      const result = await runOnce(check, makeTarget('127.0.0.1', port), login, 5_000);
      expect(result.status).toBe('down');
      expect(result.message).toContain(`${type} 127.0.0.1:${port}: connection refused`);
    });

    it('is down, saying what it waited for, when the server accepts and never answers', async () => {
      const silent = await startSilentServer();
      try {
        const result = await runOnce(check, makeTarget('127.0.0.1', silent.port), login, 1_000);
        expect(result.status).toBe('down');
        expect(result.message).toBe(`${type} 127.0.0.1:${silent.port}: no answer within 900ms while logging in`);
        await expect.poll(silent.openConnections, { timeout: 2_000 }).toBe(0); // the check dropped its connection
      } finally {
        await silent.close();
      }
    });
    if (type === 'pgsql') {
      it('several statements: the last one answers', async () => {
        expect(await run({ query: 'SELECT 1; SELECT 2, 3' })).toMatchObject({ status: 'up', detail: 'first row: 2\t3' });
      });
    }
    if (type === 'mysql') {
      it('a user the server admits only over TLS is down without tls and up with it', async () => {
        const tlsOnly = { user: `${MONITOR_USER}_tls`, password: MONITOR_PASSWORD };
        const plain = await runOnce(check, target(), tlsOnly, 5_000);
        expect(plain.status).toBe('down');
        expect(plain.message).toMatch(/Access denied for user 'monitor_tls'/);
        expect(await runOnce(check, target(), { ...tlsOnly, tls: true, tls_ca: pki.caFile }, 5_000)).toMatchObject({ status: 'up' });
      });
    }
  });
}
