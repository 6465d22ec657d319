// The pure LVS parts: the -S -n parser and command builder, pool planning (quorum with
// hysteresis, sorry server, panic guard, quiesce/remove) and the reconcile diff.
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../src/config/command-line.js';
import { commands, parseSave, parseServiceKey, type VirtualServiceKey } from '../src/lvs/ipvs-table.js';
import { nextQuorum, planPool, type PoolMember, type PoolPolicy } from '../src/lvs/pool.js';
import { applyToTable, planChanges } from '../src/lvs/reconcile.js';

const key: VirtualServiceKey = { protocol: 'tcp', address: '192.0.2.10', port: 80 };

describe('ipvs table', () => {
  it('parses the reference -S -n output', () => {
    const services = parseSave(`-A -t 192.0.2.200:80 -s wrr
-a -t 192.0.2.200:80 -r 127.77.0.1:8080 -m -w 3
-a -t 192.0.2.200:80 -r 127.77.0.3:80 -g -w 1
-A -u 192.0.2.203:53 -s rr -o
-A -f 7 -s sh -p 600 -M 255.255.255.0 -b sh-fallback,sh-port
-a -f 7 -r 127.77.0.9:0 -i -w 2
-A -t [2001:db8::1]:443 -s wlc
-a -t [2001:db8::1]:443 -r [2001:db8::5]:443 -m -w 1
`);
    expect(services).toEqual([
      { key: { protocol: 'tcp', address: '192.0.2.200', port: 80 }, scheduler: 'wrr', destinations: [
        { address: '127.77.0.1', port: 8080, forwarding: 'nat', weight: 3 },
        { address: '127.77.0.3', port: 80, forwarding: 'dr', weight: 1 },
      ] },
      { key: { protocol: 'udp', address: '192.0.2.203', port: 53 }, scheduler: 'rr', onePacket: true, destinations: [] },
      { key: { protocol: 'fwmark', fwmark: 7 }, scheduler: 'sh', persistent: 600, netmask: '255.255.255.0', schedulerFlags: 'sh-fallback,sh-port', destinations: [
        { address: '127.77.0.9', port: 0, forwarding: 'tunnel', weight: 2 },
      ] },
      { key: { protocol: 'tcp', address: '2001:db8::1', port: 443 }, scheduler: 'wlc', destinations: [{ address: '2001:db8::5', port: 443, forwarding: 'nat', weight: 1 }] },
    ]);
  });

  it('says which line it cannot read', () => {
    expect(() => parseSave('-A -t 192.0.2.1:80 -s rr\n-a -t 192.0.2.9:80 -r 10.0.0.1:80 -m -w 1\n')).toThrow(/line 2: destination before its service/);
    expect(() => parseSave('-X -t 192.0.2.1:80\n')).toThrow(/line 1: expected -A or -a/);
  });

  it('builds argument arrays, never strings', () => {
    expect(commands.addService(key, { scheduler: 'wrr', persistent: 300, netmask: '255.255.255.0' })).toEqual(['-A', '-t', '192.0.2.10:80', '-s', 'wrr', '-p', '300', '-M', '255.255.255.0']);
    expect(commands.editDestination({ protocol: 'fwmark', fwmark: 7 }, { address: '10.0.0.1', port: 0, forwarding: 'dr', weight: 0 })).toEqual(['-e', '-f', '7', '-r', '10.0.0.1:0', '-g', '-w', '0']);
    expect(commands.deleteDestination({ protocol: 'udp', address: '2001:db8::1', port: 53 }, { address: '2001:db8::2', port: 53 })).toEqual(['-d', '-u', '[2001:db8::1]:53', '-r', '[2001:db8::2]:53']);
    expect(parseServiceKey('sctp 192.0.2.1')).toMatch(/expected an IP address with a port/);
    expect(parseServiceKey('fwmark 7')).toEqual({ protocol: 'fwmark', fwmark: 7 });
  });
});

const member = (id: string, live: boolean, extra: Partial<PoolMember> = {}): PoolMember => ({ id, address: `10.0.0.${id}`, port: 8080, weight: 1, live, ...extra });
const policy = (extra: Partial<PoolPolicy> = {}): PoolPolicy => ({
  key,
  forwarding: 'nat',
  onDown: 'quiesce',
  quorum: 1,
  hysteresis: 0,
  panic: { policy: 'off', keep: 1, windowMs: 1000 },
  ...extra,
});
const dests = (plan: ReturnType<typeof planPool>) => plan.destinations.map((d) => `${d.address}:${d.port}=${d.weight}`);

describe('pool planning', () => {
  it('quiesces (weight 0) or removes a server that is down', () => {
    const members = [member('1', true, { weight: 3 }), member('2', false)];
    expect(dests(planPool(members, policy(), undefined))).toEqual(['10.0.0.1:8080=3', '10.0.0.2:8080=0']);
    expect(dests(planPool(members, policy({ onDown: 'remove' }), undefined))).toEqual(['10.0.0.1:8080=3']);
  });

  it('uses the reported weight over the configured one, and the service port for DR', () => {
    const plan = planPool([member('1', true, { weight: 3, dynamicWeight: 7 })], policy({ forwarding: 'dr' }), undefined);
    expect(dests(plan)).toEqual(['10.0.0.1:80=7']);
  });

  it('quorum has hysteresis: lost below quorum − h, regained at quorum + h', () => {
    expect(nextQuorum(3, 4, 1, true)).toBe(true);
    expect(nextQuorum(2, 4, 1, true)).toBe(false);
    expect(nextQuorum(4, 4, 1, false)).toBe(false);
    expect(nextQuorum(5, 4, 1, false)).toBe(true);
    expect(nextQuorum(3, 4, 1, undefined)).toBe(false);
  });

  it('puts the sorry server in when quorum is lost, replacing the servers still up', () => {
    const sorry = { address: '10.0.0.99', port: 80, weight: 1, forwarding: 'nat' as const };
    const plan = planPool([member('1', true), member('2', false)], policy({ quorum: 2, sorry, onDown: 'remove' }), true);
    expect(plan).toMatchObject({ quorumUp: false, sorryActive: true, liveWeight: 1 });
    expect(dests(plan)).toEqual(['10.0.0.99:80=1']);
    expect(dests(planPool([member('1', true), member('2', true)], policy({ quorum: 2, sorry, onDown: 'remove' }), false))).toEqual(['10.0.0.1:8080=1', '10.0.0.2:8080=1']);
  });

  it('panic guard: all failing within the window keeps the last to fail; spread out failures do not', () => {
    const panic = { policy: 'keep' as const, keep: 1, windowMs: 1000 };
    const together = [member('1', false, { outSince: 10_000 }), member('2', false, { outSince: 10_600 }), member('3', false, { outSince: 10_300 })];
    const plan = planPool(together, policy({ panic, onDown: 'remove' }), true);
    expect(plan.panicKept).toEqual(['2']);
    expect(plan.quorumUp).toBe(true); // the checker is in doubt, quorum stands
    expect(dests(plan)).toEqual(['10.0.0.2:8080=1']);
    const apart = [member('1', false, { outSince: 1_000 }), member('2', false, { outSince: 10_600 })];
    expect(planPool(apart, policy({ panic, onDown: 'remove' }), true)).toMatchObject({ panicKept: undefined, destinations: [] });
    expect(planPool(together, policy({ panic: { ...panic, keep: 2 } }), true).panicKept).toEqual(['2', '3']);
  });
});

describe('reconcile', () => {
  const desired = { key, settings: { scheduler: 'wrr' }, destinations: [
    { address: '10.0.0.1', port: 80, forwarding: 'nat' as const, weight: 1 },
    { address: '10.0.0.2', port: 80, forwarding: 'nat' as const, weight: 0 },
  ] };
  const options = { createService: true, manageSettings: true, removeUnknown: true };

  it('changes nothing when the table already matches', () => {
    expect(planChanges({ key, scheduler: 'wrr', destinations: [...desired.destinations].reverse() }, desired, options)).toEqual([]);
  });

  it('creates what is missing, edits what differs, removes strangers — additions first', () => {
    const actual = { key, scheduler: 'wlc', destinations: [
      { address: '10.0.0.9', port: 80, forwarding: 'nat' as const, weight: 1 },
      { address: '10.0.0.2', port: 80, forwarding: 'nat' as const, weight: 4 },
    ] };
    const changes = planChanges(actual, desired, options);
    expect(changes.map((c) => c.args)).toEqual([
      ['-E', '-t', '192.0.2.10:80', '-s', 'wrr'],
      ['-a', '-t', '192.0.2.10:80', '-r', '10.0.0.1:80', '-m', '-w', '1'],
      ['-e', '-t', '192.0.2.10:80', '-r', '10.0.0.2:80', '-m', '-w', '0'],
      ['-d', '-t', '192.0.2.10:80', '-r', '10.0.0.9:80'],
    ]);
    expect(changes[2]!.description).toBe('quiesce 10.0.0.2:80 (weight 4 → 0)');
    expect(planChanges(applyToTable(actual, desired, changes), desired, options)).toEqual([]);
  });

  it('does not create the service when told not to', () => {
    expect(planChanges(undefined, desired, { ...options, createService: false })).toEqual([]);
  });
});

describe('commands in the config', () => {
  it('splits like keepalived: words, quotes, escapes; no shell', () => {
    expect(splitCommandLine('/usr/local/bin/notify "web 1" up \'$HOME\' a\\ b')).toEqual(['/usr/local/bin/notify', 'web 1', 'up', '$HOME', 'a b']);
    expect(splitCommandLine('x "open')).toMatch(/unclosed " quote/);
    expect(splitCommandLine('  ')).toBe('the command is empty');
  });
});
