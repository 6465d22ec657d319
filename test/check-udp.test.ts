// The udp check against real UDP servers on loopback: payloads in text and hex, every way of
// judging the reply, ICMP port unreachable, and no reply (down, or accepted when declared).
import { beforeAll, describe, expect, it } from 'vitest';
import udpCheck from '../checks/udp.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { freeUdpPort, udpServersClosedAfterAll } from './helpers/servers.js';

/** UDP servers on 127.0.0.1 answering each datagram with `answer(datagram, from)` (undefined: silence). */
const serveUdp = udpServersClosedAfterAll();

const ports: Record<string, number> = {};
const received: Array<{ msg: Buffer; from: string }> = [];

beforeAll(async () => {
  ports.echo = (
    await serveUdp((msg, from) => {
      received.push({ msg, from: from.address });
      return `PONG ${msg.toString()}`;
    })
  ).port;
  // A made-up binary protocol: reply CA FE <counter> 07 to anything.
  let counter = 0;
  ports.binary = (await serveUdp(() => Buffer.from([0xca, 0xfe, counter++ & 0xff, 0x07]))).port;
  ports.silent = (await serveUdp(() => undefined)).port;
});

const local = (port: number) => makeTarget('127.0.0.1', port);

describe('udp check: replies', () => {
  it('sends a text payload; the reply can be exact, a prefix or match a regex', async () => {
    const up = await runOnce(udpCheck, local(ports.echo!), { payload: 'PING\n', expect_exact: 'PONG PING\n' });
    expect(up).toMatchObject({ status: 'up', message: `reply from 127.0.0.1:${ports.echo}: "PONG PING\\n" (10 bytes)` });
    expect(received.at(-1)!.msg.toString()).toBe('PING\n');
    expect((await runOnce(udpCheck, local(ports.echo!), { payload: 'x', expect_prefix: 'PONG' })).status).toBe('up');
    expect((await runOnce(udpCheck, local(ports.echo!), { payload: 'status', expect: '^PONG \\w+$' })).status).toBe('up');
  });

  it('a reply that does not match: down, showing what came back', async () => {
    expect(await runOnce(udpCheck, local(ports.echo!), { payload: 'PING', expect_exact: 'PONG' })).toMatchObject({
      status: 'down',
      message: `reply is not "PONG": got "PONG PING" (9 bytes) from 127.0.0.1:${ports.echo}`,
    });
    expect((await runOnce(udpCheck, local(ports.echo!), { payload: 'PING', expect: '^OK' })).message).toMatch(/^reply does not match \/\^OK\/: got "PONG PING"/);
    expect((await runOnce(udpCheck, local(ports.echo!), { payload: 'PING', expect_prefix: 'OK' })).message).toMatch(/^reply does not start with "OK"/);
  });

  it('hex payload and a hex reply pattern with wildcards (keepalived require_reply)', async () => {
    const up = await runOnce(udpCheck, local(ports.binary!), { payload_hex: '01 02', expect_hex: 'cafe XX 07' });
    expect(up).toMatchObject({ status: 'up', message: expect.stringMatching(/^reply from 127\.0\.0\.1:\d+: "ca fe [0-9a-f]{2} 07" \(4 bytes\)$/) });
    const down = await runOnce(udpCheck, local(ports.binary!), { payload_hex: '0102', expect_hex: 'ca fe x? 08' });
    expect(down).toMatchObject({ status: 'down', message: expect.stringMatching(/^reply does not start with hex ca fe xx 08: got "ca fe [0-9a-f]{2} 07"/) });
    // keepalived's free format: "Ab12f 3" is AB 12 0F 03.
    await runOnce(udpCheck, local(ports.echo!), { payload_hex: 'Ab12f 3' });
    expect(received.at(-1)!.msg).toEqual(Buffer.from([0xab, 0x12, 0x0f, 0x03]));
  });

  it('minimum and maximum reply length', async () => {
    expect((await runOnce(udpCheck, local(ports.binary!), { min_length: 4, max_length: 4 })).status).toBe('up');
    expect(await runOnce(udpCheck, local(ports.binary!), { min_length: 5 })).toMatchObject({ status: 'down', message: expect.stringMatching(/^reply of 4 bytes is shorter than min_length 5/) });
    expect(await runOnce(udpCheck, local(ports.binary!), { max_length: 3 })).toMatchObject({ status: 'down', message: expect.stringMatching(/^reply of 4 bytes is longer than max_length 3/) });
  });

  it('sends from a source address', async () => {
    expect((await runOnce(udpCheck, local(ports.echo!), { payload: 'hi', source_address: '127.0.0.4' })).status).toBe('up');
    expect(received.at(-1)!.from).toBe('127.0.0.4');
  });
});

describe('udp check: no reply and ICMP', () => {
  it('ICMP port unreachable is down at once, whatever no_reply_ok says', async () => {
    const port = await freeUdpPort();
    const expected = { status: 'down', message: `port unreachable: ICMP error from 127.0.0.1:${port}` };
    expect(await runOnce(udpCheck, local(port), { payload: 'PING' })).toMatchObject(expected);
    expect(await runOnce(udpCheck, local(port), { payload: 'PING', no_reply_ok: true })).toMatchObject(expected);
  });

  it('no reply is down by default, with how long it waited', async () => {
    expect(await runOnce(udpCheck, local(ports.silent!), { payload: 'PING' }, 300)).toMatchObject({ status: 'down', message: `no reply from 127.0.0.1:${ports.silent} within 270ms` });
    expect(await runOnce(udpCheck, local(ports.silent!), { payload: 'PING', reply_timeout: '100ms' })).toMatchObject({ status: 'down', message: expect.stringMatching(/within 100ms$/) });
  });

  it('no reply is up when declared acceptable', async () => {
    const result = await runOnce(udpCheck, local(ports.silent!), { payload: 'PING', no_reply_ok: true, reply_timeout: '100ms' });
    expect(result).toMatchObject({ status: 'up', message: expect.stringMatching(/^no reply from .* within 100ms \(no_reply_ok/) });
  });
});
