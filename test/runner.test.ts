// The runner's promise: whatever a check does, it costs one result, in bounded time.
import { afterAll, describe, expect, it } from 'vitest';
import http from '../checks/http.js';
import tcp from '../checks/tcp.js';
import { createLogger } from '../src/log.js';
import { defineCheck, z, type Target } from '../src/plugin.js';
import { runCheck } from '../src/runner.js';
import { closedPort, startHttpServer, startTcpServer } from './helpers/servers.js';

const log = createLogger({ format: 'text', level: 'error', write: () => undefined });
const target = (port: number, address = '127.0.0.1'): Target => ({ id: `t/${address}:${port}`, service: 't', group: 'g', name: `${address}:${port}`, address, port });
const run = (plugin: Parameters<typeof runCheck>[0], port: number, options: Record<string, unknown>, timeoutMs = 2_000) =>
  runCheck(plugin, target(port), plugin.options.parse(options) as Record<string, unknown>, { timeoutMs, log });

const servers: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => Promise.all(servers.map((server) => server.stop())));

describe('tcp check against real servers', () => {
  it('UP when the port accepts', async () => {
    const server = await startTcpServer();
    servers.push(server);
    expect(await run(tcp, server.port, {})).toMatchObject({ status: 'up' });
  });

  it('DOWN with "connection refused" when nothing listens', async () => {
    const result = await run(tcp, await closedPort(), {});
    expect(result.status).toBe('down');
    expect(result.message).toMatch(/connection refused/);
  });
});

describe('http check against real servers', () => {
  it('UP on an expected status, with latency measured', async () => {
    const server = await startHttpServer({ status: 200 });
    servers.push(server);
    const result = await run(http, server.port, { path: '/health' });
    expect(result).toMatchObject({ status: 'up', message: expect.stringMatching(/HTTP 200/) });
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', url: '/health' });
  });

  it('DOWN on a status outside the expected set', async () => {
    const server = await startHttpServer({ status: 503 });
    servers.push(server);
    const result = await run(http, server.port, { expect_status: '200-299' });
    expect(result.status).toBe('down');
    expect(result.message).toMatch(/status 503 not in "200-299"/);
  });

  it('DOWN with "connection refused" when the server is gone', async () => {
    const result = await run(http, await closedPort(), {});
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/connection refused/) });
  });

  it('a server that never answers is cut at the timeout and recorded as a failure', async () => {
    const server = await startHttpServer({ hang: true });
    servers.push(server);
    const result = await run(http, server.port, {}, 300);
    expect(result).toMatchObject({ status: 'down', message: 'timed out after 300ms' });
  });
});

describe('misbehaving plugins', () => {
  it('a plugin that throws gives an unknown result with its message', async () => {
    const thrower = defineCheck({ type: 'thrower', options: z.object({}), run: async () => { throw new Error('boom: redis client not ready'); } });
    expect(await run(thrower, 1, {})).toMatchObject({ status: 'unknown', message: 'check failed: boom: redis client not ready' });
  });

  it('a plugin that ignores its AbortSignal is still cut at the timeout', async () => {
    const stuck = defineCheck({ type: 'stuck', options: z.object({}), run: () => new Promise(() => undefined) });
    expect(await run(stuck, 1, {}, 200)).toMatchObject({ status: 'down', message: 'timed out after 200ms' });
  });

  it('an invalid result is turned into an unknown one, and long text is bounded', async () => {
    const bad = defineCheck({ type: 'bad', options: z.object({}), run: async () => ({ status: 'great' }) as never });
    expect(await run(bad, 1, {})).toMatchObject({ status: 'unknown', message: expect.stringMatching(/invalid result/) });
    const chatty = defineCheck({ type: 'chatty', options: z.object({}), run: async () => ({ status: 'up', message: 'x'.repeat(10_000), detail: 'y'.repeat(100_000) }) });
    const result = await run(chatty, 1, {});
    expect(result.message!.length).toBeLessThanOrEqual(1_000);
    expect(result.detail!.length).toBeLessThanOrEqual(16_384);
  });
});
