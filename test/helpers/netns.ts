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
