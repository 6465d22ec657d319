// The mysql and pgsql checks against servers that are not databases: one that accepts and never
// answers must not cost a socket per check, one that streams bytes must not cost a byte per byte.
// No database server needed: the hostile servers are in test/helpers/hostile-servers.ts.
import { describe, expect, it } from 'vitest';
import mysqlCheck from '../checks/mysql.js';
import pgsqlCheck from '../checks/pgsql.js';
import { SQL_READ_BUDGET_BYTES, type CheckPlugin } from '../src/plugin.js';
import { startStreamingServer, startWedgedServer } from './helpers/hostile-servers.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { runVigilAsync } from './helpers/vigil-process.js';

const CHECKS: Record<string, { check: CheckPlugin; title: string }> = {
  mysql: { check: mysqlCheck as unknown as CheckPlugin, title: 'MySQL' },
  pgsql: { check: pgsqlCheck as unknown as CheckPlugin, title: 'PostgreSQL' },
};
const login = { user: 'monitor', password: 'secret' };
/** What loopback's socket buffers can hold on both sides beyond what the client read. */
const SOCKET_BUFFERS = 16 * 1024 * 1024;

for (const [type, { check, title }] of Object.entries(CHECKS)) {
  describe(`${type} check against a server that is not a database`, () => {
    it('one that accepts and never answers: every check closes its connection (none left half-open)', async () => {
      const server = await startWedgedServer();
      try {
        for (let i = 0; i < 20; i++) {
          const result = await runOnce(check, makeTarget('127.0.0.1', server.port), login, 300);
          expect(result.status).toBe('down'); // "no answer within …", or the driver's own "timeout expired" when a loaded machine runs its timer first
        }
        expect(server.accepted()).toBe(20);
        await expect.poll(server.openConnections, { timeout: 5_000 }).toBe(0);
      } finally {
        await server.close();
      }
    });

    it(`one that streams bytes: down, "not a ${title} server?", after reading a bounded amount`, async () => {
      const server = await startStreamingServer();
      try {
        const result = await runOnce(check, makeTarget('127.0.0.1', server.port), login, 10_000);
        expect(result).toMatchObject({
          status: 'down',
          message: `${type} 127.0.0.1:${server.port}: sent more than ${SQL_READ_BUDGET_BYTES} bytes while logging in: not a ${title} server?`,
        });
        await expect.poll(() => server.sentPerConnection.length).toBe(1);
        expect(server.sentPerConnection[0]).toBeLessThan(SQL_READ_BUDGET_BYTES + SOCKET_BUFFERS);
      } finally {
        await server.close();
      }
    });

    it(`vigil probe ${type}://… against one that never answers prints DOWN and exits`, async () => {
      const server = await startWedgedServer();
      try {
        const probe = await runVigilAsync(['probe', `${type}://u:p@127.0.0.1:${server.port}/db`, '--timeout', '500ms']);
        expect(probe.stdout).toMatch(/^DOWN\s/m);
        expect(probe.code).toBe(2);
      } finally {
        await server.close();
      }
    });
  });
}
