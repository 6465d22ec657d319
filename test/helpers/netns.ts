// Network namespaces for tests that need a network of their own (keepalived's VRRP, ICMP errors
// from a router): `ip` as a real process, and why namespaces cannot be made here, if they cannot.
import { spawnSync } from 'node:child_process';

/** Runs `ip` with these arguments; never throws. */
export function ip(args: string[]): { ok: boolean; out: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: result.status === 0, out: `${result.stdout}${result.stderr}` };
}

/** Runs `ip` with these arguments; throws with its output when it fails. */
export function mustIp(args: string[]): void {
  const result = ip(args);
  if (!result.ok) throw new Error(`ip ${args.join(' ')}: ${result.out}`);
}

/** Why network namespaces cannot be created here (not root, no `ip netns`), or undefined when they can. */
export function netnsUnavailable(probeName: string): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  if (!ip(['netns', 'add', probeName]).ok) return 'cannot create network namespaces here (ip netns add failed)';
  ip(['netns', 'del', probeName]);
  return undefined;
}

/**
 * Two network namespaces joined by a veth pair, each end named after its namespace, with an
 * address (`10.0.0.1/24`) and loopback up. Returns what removes them; it is safe to call after a
 * failure half-way.
 */
export function linkedNamespaces(a: { ns: string; address: string }, b: { ns: string; address: string }): () => void {
  const remove = () => {
    ip(['netns', 'del', a.ns]);
    ip(['netns', 'del', b.ns]);
    ip(['link', 'del', a.ns]); // only if it never moved into its namespace
  };
  try {
    mustIp(['netns', 'add', a.ns]);
    mustIp(['netns', 'add', b.ns]);
    mustIp(['link', 'add', a.ns, 'type', 'veth', 'peer', 'name', b.ns]);
    for (const end of [a, b]) {
      mustIp(['link', 'set', end.ns, 'netns', end.ns]);
      mustIp(['-n', end.ns, 'addr', 'add', end.address, 'dev', end.ns]);
      mustIp(['-n', end.ns, 'link', 'set', 'lo', 'up']);
      mustIp(['-n', end.ns, 'link', 'set', end.ns, 'up']);
    }
  } catch (err) {
    remove();
    throw err;
  }
  return remove;
}
