// Host group entries as operators write them: `10.0.0.1`, `10.0.0.1:8080`, `[2001:db8::1]:80`,
// `web1.example.com`, or `{ name, address, port, weight }`.
import { isIP } from 'node:net';
import type { HostEntry } from './schema.js';

export interface Host {
  name: string;
  address: string;
  port?: number;
  weight?: number;
}

/** The parsed host, or a string saying what is wrong with it. */
/** Why an address cannot be right, if it cannot: four dotted numbers are meant as IPv4, and as a host name would fail at every check. */
export function addressProblem(address: string): string | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address) && isIP(address) !== 4) return `${JSON.stringify(address)} is not an IPv4 address (each part is 0-255)`;
  return undefined;
}

export function parseHostEntry(entry: HostEntry): Host | string {
  if (typeof entry !== 'string') {
    const port = entry.port;
    return { name: entry.name ?? joinHostPort(entry.address, port), address: entry.address, port, weight: entry.weight };
  }
  const text = entry.trim();
  if (isIP(text) === 6) return { name: text, address: text };
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return `expected "address" or "address:port" (IPv6 as "[addr]:port"), got ${JSON.stringify(entry)}`;
  const address = match[1]!;
  if (bracketed && isIP(address) !== 6) return `${JSON.stringify(address)} in brackets is not an IPv6 address`;
  const problem = addressProblem(address);
  if (problem) return problem;
  if (match[2] === undefined) return { name: text, address };
  const port = Number(match[2]);
  if (!(port >= 1 && port <= 65535)) return `port must be 1-65535, got ${match[2]}`;
  return { name: text, address, port };
}

export function joinHostPort(address: string, port?: number): string {
  if (port === undefined) return address;
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
