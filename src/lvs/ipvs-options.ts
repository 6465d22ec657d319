// The LVS settings of a virtual service, one schema for both places they are written: the
// `ipvs` alert's options and a `virtual_servers:` entry (which expands into that alert).
import { isIP } from 'node:net';
import { z } from 'zod';
import { commandSchema } from '../config/command-line.js';
import { durationSchema, TIMER_MIN_MS } from '../config/duration.js';
import { parseEndpoint, parseServiceKey, type Forwarding } from './ipvs-table.js';

/** The names LVS users know for each forwarding method (ipvsadm, ldirectord, keepalived). */
export const FORWARDING_ALIASES: Record<string, Forwarding> = {
  dr: 'dr', gate: 'dr', gatewaying: 'dr', direct: 'dr', route: 'dr',
  nat: 'nat', masq: 'nat', masquerade: 'nat', masquerading: 'nat',
  tunnel: 'tunnel', tun: 'tunnel', ipip: 'tunnel',
};

export const forwardingSchema = z
  .enum(Object.keys(FORWARDING_ALIASES) as [string, ...string[]])
  .transform((name) => FORWARDING_ALIASES[name]!)
  .meta({ description: 'dr (gate, ipvsadm -g, the default), nat (masq, -m) or tunnel (ipip, -i)' });

const weightSchema = z.int().min(0).max(2147483647);

const endpointText = (what: string) =>
  z.string().superRefine((text, ctx) => {
    const endpoint = parseEndpoint(text);
    if (!endpoint) ctx.addIssue({ code: 'custom', message: `expected an IP address with an optional port (10.0.0.9, 10.0.0.9:80, [2001:db8::9]:80) for the ${what}, got ${JSON.stringify(text)}` });
  });

export const sorryServerSchema = z
  .union([
    endpointText('sorry server'),
    z.strictObject({
      address: z.string().refine((address) => isIP(address) !== 0, { error: 'expected an IP address' }),
      port: z.int().min(0).max(65535).optional(),
      weight: weightSchema.optional(),
      forwarding: forwardingSchema.optional(),
    }),
  ])
  .transform((value) => {
    if (typeof value !== 'string') return value;
    const endpoint = parseEndpoint(value)!;
    return { address: endpoint.address, port: endpoint.port };
  })
  .meta({ description: 'Stands in while quorum is lost (keepalived sorry_server, ldirectord fallback): "addr[:port]" or {address, port, weight, forwarding}' });

export const panicGuardSchema = z
  .strictObject({
    policy: z
      .enum(['keep', 'sorry', 'off'])
      .optional()
      .meta({ description: 'keep: hold the last `keep` servers in; sorry: let the sorry server take over; off: no guard (default: sorry with a sorry_server, else keep)' }),
    keep: z.int().min(1).default(1).meta({ description: 'Servers held in the pool by the keep policy' }),
    window: durationSchema().optional().meta({ description: 'All servers failing within this window is one event (default: one detection window: interval + fall × fast_interval + timeout)' }),
  })
  .meta({ description: 'When every real server fails within one window (more likely the director’s own network), do not empty the pool' });

/** The schedulers the kernel's IPVS has (`ip_vs_<name>` modules); ipvsadm accepts any name and the kernel refuses the rest. */
export const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;

/** ipvsadm's range for `-p`: 1 s to 31 days. */
const PERSISTENCE_MAX_MS = 31 * 86_400_000;

/** Settings the `lvs:` section may set for every virtual server. */
export const lvsDefaultsShape = {
  ipvsadm: z.string().optional().meta({ description: 'The ipvsadm binary (default /sbin/ipvsadm, else /usr/sbin/ipvsadm)' }),
  dry_run: z.boolean().optional().meta({ description: 'Log the ipvsadm commands instead of running them (the table is still read)' }),
  cleanstop: z.boolean().optional().meta({ description: 'On a clean stop remove the real servers (and the service, if Vigil created it) — ldirectord cleanstop' }),
  resync_interval: durationSchema({ minMs: 100, maxMs: 86_400_000 }).optional().meta({ description: 'How often the table is read back and drift repaired (default 10s)' }),
  command_timeout: durationSchema({ minMs: TIMER_MIN_MS, maxMs: 3_600_000 }).optional().meta({ description: 'Longest an ipvsadm call may take (default 5s)' }),
};

/** Everything about a virtual service except its address and its real servers. */
export const lvsSettingsShape = {
  scheduler: z
    .enum(IPVS_SCHEDULERS)
    .optional()
    .meta({ description: 'ipvsadm -s (default wlc)' }),
  persistent: z
    .union([
      z.boolean(),
      durationSchema().refine((ms) => ms >= 1_000 && ms <= PERSISTENCE_MAX_MS, {
        error: 'persistence takes 1s to 31d (ipvsadm -p); for a service without persistence leave persistent out or set it to false',
      }),
    ])
    .optional()
    .meta({ description: 'Persistence (ipvsadm -p): true for 360s, or a duration from 1s to 31d such as 5m' }),
  netmask: z.string().optional().meta({ description: 'Persistence granularity netmask (ipvsadm -M), with persistent' }),
  scheduler_flags: z.string().optional().meta({ description: 'ipvsadm -b, e.g. sh-fallback,sh-port' }),
  ops: z.boolean().optional().meta({ description: 'One-packet scheduling (ipvsadm -o, UDP)' }),
  forwarding: forwardingSchema.optional(),
  on_down: z
    .enum(['quiesce', 'remove'])
    .optional()
    .meta({ description: "What DOWN does to a real server: quiesce (weight 0, sessions drain; ldirectord's default) or remove (ipvsadm -d)" }),
  sorry_server: sorryServerSchema.optional(),
  quorum: z.int().min(0).optional().meta({ description: 'Minimum total weight of live real servers (default 1); below it the sorry server stands in' }),
  hysteresis: z.int().min(0).optional().meta({ description: 'Quorum is lost below quorum − hysteresis and regained at quorum + hysteresis (default 0)' }),
  quorum_up: commandSchema().optional().meta({ description: 'Run when quorum is regained (keepalived quorum_up)' }),
  quorum_down: commandSchema().optional().meta({ description: 'Run when quorum is lost (keepalived quorum_down)' }),
  omega: z.boolean().optional().meta({ description: 'When Vigil stops, run quorum_down (if quorum was up) and notify_down for every real server still up (keepalived omega)' }),
  panic_guard: panicGuardSchema.optional(),
  create: z.boolean().optional().meta({ description: 'Create the virtual service when the table lacks it, and keep its scheduler/persistence as configured (default true)' }),
  ...lvsDefaultsShape,
};

type Settings = { [K in keyof typeof lvsSettingsShape]?: z.output<(typeof lvsSettingsShape)[K]> };

/** Rules across fields, for both schemas. */
export function checkLvsSettings(value: Settings, ctx: z.RefinementCtx): void {
  if (value.panic_guard?.policy === 'sorry' && !value.sorry_server) {
    ctx.addIssue({ code: 'custom', path: ['panic_guard', 'policy'], message: "policy 'sorry' needs a sorry_server" });
  }
  if (value.netmask !== undefined && !value.persistent) ctx.addIssue({ code: 'custom', path: ['netmask'], message: 'netmask only applies to a persistent service: set persistent too' });
  if (value.netmask !== undefined && isIP(value.netmask) !== 4 && !/^\d+$/.test(value.netmask)) {
    ctx.addIssue({ code: 'custom', path: ['netmask'], message: `expected a netmask such as 255.255.255.0, got ${JSON.stringify(value.netmask)}` });
  }
}

export const ipvsOptionsSchema = z
  .strictObject({
    service: z
      .string()
      .transform((text, ctx) => {
        const key = parseServiceKey(text);
        if (typeof key === 'string') {
          ctx.addIssue({ code: 'custom', message: key });
          return z.NEVER;
        }
        return key;
      })
      .meta({ description: 'The virtual service: "tcp 192.0.2.10:80", "udp [2001:db8::10]:53" or "fwmark 7"' }),
    ...lvsSettingsShape,
  })
  .superRefine(checkLvsSettings);

export type IpvsOptions = z.output<typeof ipvsOptionsSchema>;

/** Persistence in seconds as ipvsadm takes it (`true` = ipvsadm's default 360). */
export function persistenceSeconds(persistent: boolean | number | undefined): number | undefined {
  if (persistent === undefined || persistent === false) return undefined;
  if (persistent === true) return 360;
  return Math.max(1, Math.round(persistent / 1000));
}
