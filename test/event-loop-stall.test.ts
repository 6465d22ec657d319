// A check answered while the daemon's event loop was held up (a long GC, a reload applying a large
// config) is not a timeout. Each server below answers, then holds the loop past the check's
// deadline; when the loop runs again the answer and the deadline are due together, and the answer
// must win. (With plain timers the deadline ran first: these checks came back "timed out".)
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import httpCheck from '../checks/http.js';
import tcpCheck from '../checks/tcp.js';
import udpCheck from '../checks/udp.js';
import { parse } from 'yaml';
import { parseYaml } from '../src/config/parse-yaml.js';
import { makeTarget, runOnce } from './helpers/run-check.js';

const TIMEOUT_MS = 500;

/** Blocks the event loop, as a long synchronous task does. */
function holdEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

/** Sends the answer 10 ms from now, after holding the loop from 5 ms for longer than the timeout. */
function answerThenStall(send: () => void): void {
  setTimeout(() => holdEventLoop(TIMEOUT_MS + 300), 5);
  setTimeout(send, 10);
}

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function listening(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

describe('a check answered during an event-loop stall', () => {
  it('http: up (the runner deadline lets the answer be read first)', async () => {
    const server = http.createServer((_request, response) => answerThenStall(() => response.end('ok')));
    const port = await listening(server);
    const result = await runOnce(httpCheck, makeTarget('127.0.0.1', port), {}, TIMEOUT_MS);
    expect(result).toMatchObject({ status: 'up', message: `HTTP 200 from http://127.0.0.1:${port}/` });
  });

  it('tcp banner: up (the wait for the banner lets it be read first)', async () => {
    const server = net.createServer((socket) => answerThenStall(() => socket.write('220 mail.example.test ESMTP ready\r\n')));
    const port = await listening(server);
    const result = await runOnce(tcpCheck, makeTarget('127.0.0.1', port), { banner: 'smtp' }, TIMEOUT_MS);
    expect(result).toMatchObject({ status: 'up', message: `connected to 127.0.0.1:${port}: banner "220 mail.example.test ESMTP ready"` });
  });

  it('udp: up (the wait for the reply lets it be read first)', async () => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (_message, from) => answerThenStall(() => socket.send('PONG', from.port, from.address)));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    closers.push(() => socket.close());
    const result = await runOnce(udpCheck, makeTarget('127.0.0.1', socket.address().port), { payload: 'PING', expect_exact: 'PONG' }, TIMEOUT_MS);
    expect(result.status).toBe('up');
  });

  it('udp with no reply at all is still down once the wait is over', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    closers.push(() => socket.close());
    const result = await runOnce(udpCheck, makeTarget('127.0.0.1', socket.address().port), { payload: 'PING' }, 300);
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/^no reply from 127.0.0.1:\d+ within 270ms$/) });
  });
});

describe('reading a large config', () => {
  it('on the reload worker thread: the event loop keeps turning meanwhile, and the value is the yaml library\'s', async () => {
    const hosts = Array.from({ length: 5_000 }, (_, i) => `    - { name: h${i}, address: 127.0.${i >> 8}.${i & 255}, port: 80 }`);
    const text = `hostgroups:\n  pool:\n${hosts.join('\n')}\nservices:\n  web: { group: pool, check: { type: http } }\n`;
    // The compiled module (global-setup builds dist/): its thread runs the compiled thread module.
    const { YamlWorker } = (await import(new URL('../dist/src/config/yaml-worker.js', import.meta.url).href)) as typeof import('../src/config/yaml-worker.js');
    const fallbacks: string[] = [];
    const worker = new YamlWorker((reason) => fallbacks.push(reason));
    let turns = 0;
    let reading = true;
    const countTurn = () => {
      turns++;
      if (reading) setImmediate(countTurn);
    };
    try {
      setImmediate(countTurn);
      const { value, syntaxErrors } = await worker.read(text);
      reading = false;
      expect(fallbacks).toEqual([]);
      expect(turns).toBeGreaterThan(5);
      expect(syntaxErrors).toEqual([]);
      expect(value).toEqual(parse(text));
      expect((value as { hostgroups: { pool: unknown[] } }).hostgroups.pool[4_999]).toEqual({ name: 'h4999', address: '127.0.19.135', port: 80 });
    } finally {
      reading = false;
      await worker.close();
    }
  });

  it('reports duplicate keys, syntax errors and a second document at their offsets', () => {
    const duplicate = parseYaml('a: 1\nb: 2\na: 3\n');
    expect(duplicate.doc.errors.map((error) => [error.code, duplicate.lineCounter.linePos(error.pos[0]).line])).toEqual([['DUPLICATE_KEY', 3]]);
    const broken = parseYaml('services:\n  web: [1, 2\n');
    expect(broken.doc.errors.length).toBeGreaterThan(0);
    const two = parseYaml('a: 1\n---\nb: 2\n');
    expect(two.doc.errors.map((error) => [error.code, two.lineCounter.linePos(error.pos[0]).line])).toEqual([['MULTIPLE_DOCS', 2]]);
    expect(parseYaml('').doc.toJS()).toBeNull();
  });
});
