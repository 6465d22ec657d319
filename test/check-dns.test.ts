// The dns check against the real dnsmasq from Debian serving the test's own records, plus tiny
// fake servers for what a healthy server never does (wrong id, wrong question, silence).
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsCheck from '../checks/dns.js';
import { DNSMASQ, startDnsmasq, type Dnsmasq } from './helpers/dnsmasq.js';
import { makeTarget, runOnce } from './helpers/run-check.js';
import { freeTcpAndUdpPort, udpServersClosedAfterAll } from './helpers/servers.js';

const BIG_TXT = Array.from({ length: 40 }, (_, i) => `--txt-record=big.example.test,record ${i} padded to make the answer longer than 512 bytes`);
const RECORDS = [
  '--local=/example.test/',
  '--auth-zone=example.test',
  '--auth-server=ns1.example.test,127.0.0.1',
  '--auth-soa=2024010101,hostmaster.example.test',
  '--host-record=www.example.test,192.0.2.10,2001:db8::10',
  '--host-record=mail.example.test,192.0.2.25',
  '--mx-host=example.test,mail.example.test,10',
  '--srv-host=_sip._tcp.example.test,sip.example.test,5060,10,20',
  '--cname=alias.example.test,www.example.test',
  '--ptr-record=10.2.0.192.in-addr.arpa,www.example.test',
  '--txt-record=example.test,v=spf1 -all',
  ...BIG_TXT,
  '--edns-packet-max=4096', // so the EDNS query below gets the big answer in one datagram
];

let dns: Dnsmasq;
const skipReason = existsSync(DNSMASQ) ? undefined : `${DNSMASQ} not installed (dnsmasq-base)`;

beforeAll(async () => {
  if (!skipReason) dns = await startDnsmasq(RECORDS);
});
afterAll(async () => {
  await dns?.stop();
});

const server = () => makeTarget(dns.address, dns.port);
const ask = (options: Record<string, unknown>, timeoutMs?: number) => runOnce(dnsCheck, server(), options, timeoutMs);

const serveUdp = udpServersClosedAfterAll();

/** A fake DNS server on loopback: `respond` turns the decoded query into a reply (or undefined: silence). */
async function fakeDns(respond: (query: dnsPacket.DecodedPacket) => dnsPacket.Packet | undefined, seen: dnsPacket.DecodedPacket[] = []): Promise<number> {
  const fake = await serveUdp((msg) => {
    const query = dnsPacket.decode(msg);
    seen.push(query);
    const reply = respond(query);
    return reply && dnsPacket.encode(reply);
  });
  return fake.port;
}

describe.skipIf(skipReason)('dns check against dnsmasq', () => {
  it('A and AAAA records, with the answers in the message', async () => {
    const a = await ask({ name: 'www.example.test', query_type: 'A', expect_answers: '192.0.2.10', min_answers: 1 });
    expect(a).toMatchObject({ status: 'up', message: `www.example.test A @${dns.address}:${dns.port}: NOERROR, 1 answers: 192.0.2.10` });
    expect(a.detail).toMatch(/^www\.example\.test\. \d+ IN A 192\.0\.2\.10$/);
    expect((await ask({ name: 'www.example.test', query_type: 'AAAA', expect_answers: ['2001:db8::10'] })).status).toBe('up');
  });

  it('MX, SRV, NS, SOA, TXT, CNAME and PTR in their zone-file form', async () => {
    expect((await ask({ name: 'example.test', query_type: 'MX', expect_answers: '10 mail.example.test' })).status).toBe('up');
    expect((await ask({ name: '_sip._tcp.example.test', query_type: 'SRV', expect_answers: '10 20 5060 sip.example.test.' })).status).toBe('up');
    expect((await ask({ name: 'example.test', query_type: 'NS', expect_answers: 'ns1.example.test' })).status).toBe('up');
    const soa = await ask({ name: 'example.test', query_type: 'SOA', expect_answer_match: '^example\\.test\\. \\d+ IN SOA ns1\\.example\\.test\\. hostmaster\\.example\\.test\\. 2024010101 ' });
    expect(soa.status).toBe('up');
    expect((await ask({ name: 'example.test', query_type: 'TXT', expect_answers: 'v=spf1 -all' })).status).toBe('up');
    const alias = await ask({ name: 'alias.example.test', query_type: 'A', expect_answers: ['www.example.test', '192.0.2.10'], min_answers: 2 });
    expect(alias).toMatchObject({ status: 'up' });
    expect(alias.detail).toMatch(/^alias\.example\.test\. \d+ IN CNAME www\.example\.test\.\nwww\.example\.test\. \d+ IN A 192\.0\.2\.10$/);
    // An address as the name of a PTR query is turned into its in-addr.arpa name.
    const ptr = await ask({ name: '192.0.2.10', query_type: 'PTR', expect_answers: 'www.example.test' });
    expect(ptr).toMatchObject({ status: 'up', message: expect.stringMatching(/^10\.2\.0\.192\.in-addr\.arpa PTR /) });
  });

  it('class CH: dnsmasq answers version.bind', async () => {
    const result = await ask({ name: 'version.bind', query_type: 'TXT', query_class: 'CH', expect_answer_match: 'dnsmasq-\\d' });
    expect(result).toMatchObject({ status: 'up', message: expect.stringMatching(/"dnsmasq-2\.\d+"/) });
  });

  it('NXDOMAIN is down unless expected', async () => {
    expect(await ask({ name: 'missing.example.test', query_type: 'A' })).toMatchObject({
      status: 'down',
      message: `missing.example.test A @${dns.address}:${dns.port}: rcode NXDOMAIN, expected NOERROR`,
    });
    expect((await ask({ name: 'missing.example.test', query_type: 'A', expect_rcode: ['NXDOMAIN'] })).status).toBe('up');
  });

  it('the keepalived defaults (". SOA") on a server without the root zone: REFUSED is down', async () => {
    expect(await ask({})).toMatchObject({ status: 'down', message: expect.stringMatching(/^\. SOA @.*: rcode REFUSED, expected NOERROR$/) });
  });

  it('answers that are not what is expected: down, with the answers in the detail', async () => {
    const wrong = await ask({ name: 'www.example.test', query_type: 'A', expect_answers: '192.0.2.99' });
    expect(wrong).toMatchObject({ status: 'down', message: expect.stringMatching(/: no answer "192\.0\.2\.99"$/), detail: expect.stringMatching(/ IN A 192\.0\.2\.10$/) });
    expect((await ask({ name: 'www.example.test', query_type: 'A', min_answers: 2 })).message).toMatch(/: 1 answers, expected at least 2$/);
    expect((await ask({ name: 'www.example.test', query_type: 'A', expect_answer_match: 'IN A 10\\.' })).message).toMatch(/: no answer matches \/IN A 10\\\.\/$/);
  });

  it('a truncated UDP answer is retried over TCP', async () => {
    const result = await ask({ name: 'big.example.test', query_type: 'TXT', min_answers: 40 });
    expect(result).toMatchObject({ status: 'up', message: expect.stringMatching(/^big\.example\.test TXT @.* \(truncated over UDP, retried over TCP\): NOERROR, 40 answers/) });
    // With EDNS and a large buffer the answer fits in one datagram: no retry.
    const edns = await ask({ name: 'big.example.test', query_type: 'TXT', min_answers: 40, edns_buffer_size: 4096 });
    expect(edns).toMatchObject({ status: 'up', message: expect.not.stringMatching(/retried/) });
    expect((await ask({ name: 'big.example.test', query_type: 'TXT', min_answers: 40, transport: 'tcp' })).status).toBe('up');
  });

  it('a closed DNS port: ICMP port unreachable', async () => {
    await dns.stop();
    try {
      expect(await ask({ name: 'www.example.test', query_type: 'A' })).toMatchObject({ status: 'down', message: expect.stringMatching(/: port unreachable \(ICMP\)$/) });
      expect(await ask({ name: 'www.example.test', query_type: 'A', transport: 'tcp' })).toMatchObject({ status: 'down', message: expect.stringMatching(/: connection refused/) });
    } finally {
      dns = await startDnsmasq(RECORDS);
    }
  });
});

describe('dns check: replies a healthy server never sends', () => {
  it('a reply with another id is refused', async () => {
    const port = await fakeDns((query) => ({ ...query, type: 'response', id: (query.id! + 1) & 0xffff, flags: dnsPacket.RECURSION_DESIRED, answers: [] }));
    const result = await runOnce(dnsCheck, makeTarget('127.0.0.1', port), { name: 'www.example.test', query_type: 'A' });
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/: reply id \d+ does not match the query id \d+$/) });
  });

  it('a reply to another question is refused', async () => {
    const port = await fakeDns((query) => ({ type: 'response', id: query.id, questions: [{ type: 'A', name: 'evil.example.test' }], answers: [] }));
    const result = await runOnce(dnsCheck, makeTarget('127.0.0.1', port), { name: 'www.example.test', query_type: 'A' });
    expect(result).toMatchObject({ status: 'down', message: expect.stringMatching(/: the reply answers another question: evil\.example\.test IN A$/) });
  });

  it('recursion desired is set by default and can be turned off', async () => {
    const seen: dnsPacket.DecodedPacket[] = [];
    const port = await fakeDns((query) => ({ ...query, type: 'response', answers: [] }), seen);
    expect((await runOnce(dnsCheck, makeTarget('127.0.0.1', port), { name: 'a.test', query_type: 'A' })).status).toBe('up');
    expect(seen.at(-1)!.flag_rd).toBe(true);
    await runOnce(dnsCheck, makeTarget('127.0.0.1', port), { name: 'a.test', query_type: 'A', recursion_desired: false });
    expect(seen.at(-1)!.flag_rd).toBe(false);
  });

  it('a server that never answers: no reply, with how long it waited', async () => {
    const port = await fakeDns(() => undefined);
    const result = await runOnce(dnsCheck, makeTarget('127.0.0.1', port), { name: 'www.example.test', query_type: 'A' }, 300);
    expect(result).toMatchObject({ status: 'down', message: `www.example.test A @127.0.0.1:${port}: no reply within 270ms` });
  });

  it('a TCP server that accepts and never answers: no reply over TCP, said before the timeout, and the connection closed', async () => {
    // Truncated over UDP, then silence over TCP on the same port (the retry) — and TCP alone.
    const port = await freeTcpAndUdpPort();
    const open = new Set<net.Socket>();
    const tcp = net.createServer((socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.resume();
    });
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, from) => {
      const query = dnsPacket.decode(msg);
      udp.send(dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.TRUNCATED_RESPONSE, questions: query.questions }), from.port, from.address);
    });
    await new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
    try {
      const target = makeTarget('127.0.0.1', port);
      const retried = await runOnce(dnsCheck, target, { name: 'big.example.test', query_type: 'TXT' }, 300);
      expect(retried).toMatchObject({ status: 'down', message: `big.example.test TXT @127.0.0.1:${port}: truncated over UDP, no reply over TCP within 270ms` });
      const tcpOnly = await runOnce(dnsCheck, target, { name: 'big.example.test', query_type: 'TXT', transport: 'tcp' }, 300);
      expect(tcpOnly).toMatchObject({ status: 'down', message: `big.example.test TXT @127.0.0.1:${port}: no reply over TCP within 270ms` });
      await expect.poll(() => open.size).toBe(0);
    } finally {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => tcp.close(resolve));
      await new Promise<void>((resolve) => udp.close(() => resolve()));
    }
  });
});
