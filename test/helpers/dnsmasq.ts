// The real dnsmasq from Debian as a DNS server for tests: its own records only (no upstream, no
// /etc/hosts), on an address of loopback only this test process uses, stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import { freeTcpAndUdpPort } from './servers.js';
import { waitFor } from './wait-for.js';

export const DNSMASQ = '/usr/sbin/dnsmasq';

export interface Dnsmasq {
  address: string;
  port: number;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

let instances = 0;

/** An address in 127.0.0.0/8 unique to this process and instance (Linux answers on all of 127/8). */
function uniqueLoopbackAddress(): string {
  instances++;
  return `127.53.${(process.pid % 250) + 1}.${instances}`;
}

function answers(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 200);
    socket.on('error', () => done(false));
    socket.on('message', () => done(true));
    socket.send(dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'ready.invalid' }] }), port, address);
  });
}

/** Starts dnsmasq serving the records given as its own options (`--host-record=…`, `--txt-record=…`). */
export async function startDnsmasq(records: string[]): Promise<Dnsmasq> {
  if (!existsSync(DNSMASQ)) throw new Error(`${DNSMASQ} is not installed (Debian package dnsmasq-base; see test/install-system-packages.sh)`);
  const address = uniqueLoopbackAddress();
  const port = await freeTcpAndUdpPort(address);
  const args = [
    '--no-daemon',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    '--pid-file=',
    '--bind-interfaces',
    `--listen-address=${address}`,
    `--port=${port}`,
    '--log-facility=-',
    ...records,
  ];
  const child: ChildProcess = spawn(DNSMASQ, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited (${child.exitCode}): ${output}`);
      return answers(address, port);
    }, `dnsmasq answering on ${address}:${port}`, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    port,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
