// `virtual_servers:` — LVS virtual services as their users think of them (keepalived's
// virtual_server, ldirectord's virtual=): address, scheduler, persistence, forwarding, real
// servers with weights (and, where one differs, its own check), the check to run on them, and what
// DOWN means. Each one expands into a
// service (the checks) plus an `ipvs` alert routed from it (the table); see src/lvs/.
import { isIP } from 'node:net';
import { z } from 'zod';
import { checkLvsSettings, lvsDefaultsShape, lvsSettingsShape } from '../lvs/ipvs-options.js';
import { parseEndpoint } from '../lvs/ipvs-table.js';
import { checkRef } from './check-ref.js';
import { commandSchema } from './command-line.js';
import { checkTimingShape } from './timing-shape.js';

const hookShape = {
  notify_up: commandSchema().optional().meta({ description: 'Run when a real server comes up (keepalived notify_up: the command and its own arguments, nothing appended)' }),
  notify_down: commandSchema().optional().meta({ description: 'Run when a real server goes down (keepalived notify_down)' }),
};

const realServerTextSchema = z.string().superRefine((text, ctx) => {
  if (!parseEndpoint(text)) ctx.addIssue({ code: 'custom', message: `expected "address" or "address:port" with an IP address (ipvsadm stores numbers), got ${JSON.stringify(text)}` });
});

export const realServerObjectSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:[\]-]*$/).optional().meta({ description: 'Name shown in logs and history (default: address[:port])' }),
  address: z.string().refine((address) => isIP(address) !== 0, { error: 'expected an IP address (ipvsadm stores numbers)' }),
  port: z.int().min(0).max(65535).optional(),
  weight: z.int().min(0).max(2147483647).optional().meta({ description: 'Real-server weight (default 1)' }),
  check: checkRef('This real server’s own check, instead of the virtual server’s (keepalived: a real server with checkers of its own)').optional(),
  // Its own timing, key by key, instead of the virtual server's (keepalived: a checker's delay_loop,
  // connect_timeout, retry, delay_before_retry).
  ...checkTimingShape,
  ...hookShape,
});

/** `address[:port]`, or an object with a name, weight, hooks or a check of its own. */
export const realServerSchema = z.union([realServerTextSchema, realServerObjectSchema]);

export function virtualServerSchema<S extends z.ZodRawShape>(serviceShape: S) {
  return z
    .strictObject({
      virtual: z.string().optional().meta({ description: 'Virtual address and port: 192.0.2.10:80, [2001:db8::10]:80 (ldirectord virtual=)' }),
      protocol: z.enum(['tcp', 'udp', 'sctp']).optional().meta({ description: 'Protocol of `virtual` (default tcp)' }),
      fwmark: z.int().min(1).max(4294967295).optional().meta({ description: 'A firewall-mark service instead of `virtual` (ipvsadm -f)' }),
      real_servers: z.array(realServerSchema).min(1, { error: 'a virtual server needs at least one real server' }),
      ...lvsSettingsShape,
      ...hookShape,
      ...serviceShape,
    })
    .superRefine((input, ctx) => {
      const value = input as Parameters<typeof checkLvsSettings>[0] & { virtual?: string; protocol?: string; fwmark?: number };
      checkLvsSettings(value, ctx);
      if (value.fwmark !== undefined && value.virtual !== undefined) ctx.addIssue({ code: 'custom', path: ['fwmark'], message: 'give either virtual (address:port) or fwmark, not both' });
      if (value.fwmark !== undefined && value.protocol !== undefined) ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'a fwmark service has no protocol' });
      if (value.fwmark === undefined && value.virtual === undefined) ctx.addIssue({ code: 'custom', path: ['virtual'], message: 'is required (address:port), unless fwmark is given' });
      if (value.virtual !== undefined) {
        const endpoint = parseEndpoint(value.virtual);
        if (!endpoint) ctx.addIssue({ code: 'custom', path: ['virtual'], message: `expected an IP address and port (192.0.2.10:80, [2001:db8::10]:80), got ${JSON.stringify(value.virtual)}` });
        else if (endpoint.port === undefined) ctx.addIssue({ code: 'custom', path: ['virtual'], message: 'needs a port (use port 0 with persistent for all ports)' });
        else if (endpoint.port === 0 && !value.persistent) ctx.addIssue({ code: 'custom', path: ['virtual'], message: 'port 0 (all ports) needs persistent, as ipvsadm says: Zero port specified for non-persistent service' });
      }
    });
}

export const lvsSectionSchema = z
  .strictObject(lvsDefaultsShape)
  .prefault({})
  .meta({ description: 'Defaults for every virtual server: ipvsadm path, dry_run, cleanstop, resync_interval, command_timeout' });
