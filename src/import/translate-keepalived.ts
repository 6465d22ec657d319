// `vigil import keepalived`: the checker half of a keepalived.conf (its virtual_server blocks) →
// `virtual_servers:` that keep the same IPVS table the same way: lb_algo, lb_kind, persistence,
// real servers and weights, the checker (keepalived-checkers.ts) and its timing, sorry_server,
// quorum/hysteresis and their hooks, inhibit_on_failure, notify_up/notify_down, alpha. VRRP stays
// keepalived's job: its blocks are listed, with `vigil track` as the track_script to add.
import path from 'node:path';
import { isIP } from 'node:net';
import { VirtualServiceBlocks, virtualServiceText } from './duplicate-virtual-services.js';
import { ImportError } from './import-error.js';
import { ImportBuilder, type ConfigPath, type ImportOptions, type ImportResult } from './import-result.js';
import { DurationWriter } from './import-text.js';
import { IPVS_SCHEDULER_LIST, isIpvsScheduler } from './ipvs-schedulers.js';
import { CHECKER_TYPES, inherited, translateChecker, type CheckerTranslation, type Timing } from './keepalived-checkers.js';
import { commonForwarding, endpointText, persistence, virtualServerName } from './lvs-naming.js';
import { includeReader, parseKeepalivedConf, type KeepalivedNode } from './parse-keepalived-conf.js';

const FORWARDING: Record<string, string> = { NAT: 'nat', DR: 'dr', TUN: 'tunnel' };

const VRRP_BLOCKS = new Set([
  'vrrp_instance', 'vrrp_sync_group', 'vrrp_script', 'vrrp_track_process', 'track_process', 'static_ipaddress', 'static_routes', 'static_rules',
  'track_file', 'linkbeat_interfaces', 'garp_group', 'bfd_instance', 'net_namespace', 'instance',
]);

const SCHEDULER_FLAGS = ['flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

/** virtual_server keywords read here; the timing ones are read through the checkers. */
const VS_KEYWORDS = new Set([
  'real_server', 'lb_algo', 'lvs_sched', 'lb_kind', 'lvs_method', 'persistence_timeout', 'persistence_granularity', 'protocol', 'ops', 'quorum',
  'hysteresis', 'quorum_up', 'quorum_down', 'sorry_server', 'sorry_server_lvs_method', 'virtualhost', 'alpha', 'inhibit_on_failure', 'delay_loop',
  'connect_timeout', 'retry', 'nb_get_retry', 'delay_before_retry', 'warmup', 'smtp_alert', 'omega', ...SCHEDULER_FLAGS,
]);
const VS_REASONS: Record<string, string> = {
  ha_suspend: 'Vigil checks and keeps the table whether or not this director holds the VIP; vigil track tells VRRP how the pools are',
  sorry_server_inhibit: 'the sorry server is removed when quorum returns',
  persistence_engine: 'ipvsadm --pe is not set by Vigil',
  snmp_name: 'Vigil exports Prometheus metrics (metrics.listen), not SNMP',
  ip_family: 'the address family follows the real servers',
};
const RS_KEYWORDS = new Set(['weight', 'lvs_method', 'notify_up', 'notify_down', 'virtualhost', 'alpha', 'inhibit_on_failure', 'delay_loop', 'connect_timeout', 'retry', 'nb_get_retry', 'delay_before_retry', 'warmup', 'smtp_alert', ...CHECKER_TYPES]);
const RS_REASONS: Record<string, string> = {
  uthreshold: 'connection thresholds (ipvsadm -x) are not set by Vigil',
  lthreshold: 'connection thresholds (ipvsadm -y) are not set by Vigil',
  snmp_name: 'Vigil exports Prometheus metrics, not SNMP',
};

const TRACK_SNIPPET = [
  'vrrp_script vigil {',
  '    script "/usr/local/bin/vigil track --db /var/lib/vigil/history.db --quiet"',
  '    interval 2',
  '    fall 2',
  '    rise 2',
  '    weight -50',
  '}',
  '# and in each vrrp_instance: track_script { vigil }',
];

interface Context {
  out: ImportBuilder;
  durations: DurationWriter;
  names: Set<string>;
  services: VirtualServiceBlocks;
  ssl?: KeepalivedNode;
  mail?: string;
}

const argsText = (node: KeepalivedNode) => `${node.keyword}${node.args.length ? ` ${node.args.join(' ')}` : ''}`;
const lastChild = (node: KeepalivedNode, keyword: string) => node.children?.filter((c) => c.keyword === keyword).pop();
const enabled = (node: KeepalivedNode | undefined) => node !== undefined && !/^(off|no|false|0)$/i.test(node.args[0] ?? 'on');

function cite(ctx: Context, node: KeepalivedNode): string {
  return ctx.out.cite(node.line, node.file);
}

function untranslated(ctx: Context, node: KeepalivedNode, reason: string, text = argsText(node)): void {
  ctx.out.untranslated(node.line, text, reason, node.file);
}

/** A hook: the quoted command string; a user and group after it are not translated. */
function hook(ctx: Context, node: KeepalivedNode): string | undefined {
  if (node.args.length > 1) untranslated(ctx, node, 'Vigil runs hooks as its own user; the user/group after the command is dropped');
  return node.args[0];
}

/** global_defs notification_email + smtp_server → a mail alert (keepalived mails real server changes by default). */
function globalMail(ctx: Context, globalDefs: KeepalivedNode | undefined): void {
  if (!globalDefs) return;
  const emails = lastChild(globalDefs, 'notification_email');
  const server = lastChild(globalDefs, 'smtp_server');
  const alertsOff = [lastChild(globalDefs, 'smtp_alert'), lastChild(globalDefs, 'smtp_alert_checker')].some((node) => node && !enabled(node));
  const to = [...(emails?.args ?? []), ...(emails?.children?.map((c) => c.keyword) ?? [])];
  const known = new Set(['notification_email', 'notification_email_from', 'smtp_server', 'smtp_helo_name', 'smtp_connect_timeout', 'smtp_alert', 'smtp_alert_checker']);
  const others = (globalDefs.children ?? []).filter((node) => !known.has(node.keyword));
  if (others.length) untranslated(ctx, globalDefs, `keepalived's own settings (${others.map((n) => n.keyword).join(', ')}): keep them in the keepalived.conf that does VRRP`, 'global_defs');
  if (!to.length || !server || alertsOff) return;
  const [host, port] = server.args;
  const from = lastChild(globalDefs, 'notification_email_from');
  const helo = lastChild(globalDefs, 'smtp_helo_name');
  const name = 'keepalived-mail';
  const alert: Record<string, unknown> = { type: 'mail', host, port: Number(port ?? 25), security: 'none', from: from?.args[0] ?? 'keepalived@localhost', to };
  if (helo) alert.helo = helo.args[0];
  alert.subject = '[vigil] {{KIND}}: real server {{host}} of {{service}} is {{state}}';
  ctx.out.section('alerts')[name] = alert;
  ctx.out.comment(['alerts', name], `${cite(ctx, emails!)} notification_email, ${cite(ctx, server)} smtp_server: keepalived mails each real server change (SMTP without TLS, as keepalived sends it)`);
  if (!from) {
    ctx.out.placeholder(`alerts.${name}.from`, 'the sender address (keepalived used keepalived@<hostname>)');
    ctx.out.comment(['alerts', name, 'from'], 'PLACEHOLDER: the sender address', true);
  }
  ctx.mail = name;
}

interface RealServer {
  node: KeepalivedNode;
  address: string;
  port?: number;
  weight: number;
  forwarding?: string;
  /** One per checker (keepalived needs all of them to pass); the first gives the timing. */
  translations: CheckerTranslation[];
  checkers: KeepalivedNode[];
}

function readReal(node: KeepalivedNode, vs: KeepalivedNode, ctx: Context): RealServer | undefined {
  const [address, portText] = node.args;
  if (!address || isIP(address) === 0) {
    untranslated(ctx, node, 'a real server needs an IP address');
    return undefined;
  }
  const port = portText === undefined ? undefined : Number(portText);
  const weightNode = lastChild(node, 'weight');
  const checkers = (node.children ?? []).filter((c) => CHECKER_TYPES.includes(c.keyword));
  const translations = (checkers.length ? checkers : [undefined]).flatMap((checker) => translateChecker(checker, { address, port, virtualServer: vs, realServer: node, ssl: ctx.ssl }));
  for (const translation of translations) for (const item of translation.untranslated) untranslated(ctx, item.node, item.reason, item.text);
  for (const child of node.children ?? []) {
    if (RS_KEYWORDS.has(child.keyword)) continue;
    untranslated(ctx, child, RS_REASONS[child.keyword] ?? 'not a real_server option Vigil knows');
  }
  const method = lastChild(node, 'lvs_method') ?? lastChild(node, 'lb_kind');
  return {
    node,
    address,
    port,
    weight: weightNode ? Number(weightNode.args[0]) : 1,
    forwarding: method ? FORWARDING[method.args[0]!.toUpperCase()] : undefined,
    translations,
    checkers,
  };
}

function translateVirtualServer(vs: KeepalivedNode, ctx: Context): void {
  const { out, durations } = ctx;
  const head = argsText(vs);
  if (vs.args[0] === 'group') {
    untranslated(ctx, vs, 'a virtual_server group: write one virtual server per address of the group (Vigil has no groups of virtual services)');
    return;
  }
  const fwmark = vs.args[0] === 'fwmark' ? Number(vs.args[1]) : undefined;
  const address = fwmark === undefined ? vs.args[0] : undefined;
  const port = fwmark === undefined ? Number(vs.args[1] ?? 0) : undefined;
  if ((fwmark !== undefined && !(fwmark > 0)) || (address !== undefined && isIP(address) === 0)) {
    untranslated(ctx, vs, 'expected virtual_server IP [PORT] or virtual_server fwmark N');
    return;
  }
  const protocolNode = lastChild(vs, 'protocol');
  // keepalived 2.2 itself says "no protocol set - defaulting to UDP" (and keepalived -t fails).
  const protocol = (protocolNode?.args[0] ?? 'UDP').toLowerCase();
  if (!protocolNode && fwmark === undefined) {
    ctx.out.problem(vs.line, `${head} has no protocol: keepalived 2.2 defaults to UDP (keepalived -t reports it), so it is imported as udp; add protocol TCP if that is what was meant`, vs.file);
  }
  const realNodes = (vs.children ?? []).filter((c) => c.keyword === 'real_server');
  const ipv6 = lastChild(vs, 'ip_family')?.args[0] === 'inet6' || isIP(realNodes[0]?.args[0] ?? '') === 6;
  const serviceKey = fwmark !== undefined ? { fwmark, ipv6 } : { protocol, address: address!, port: port! };
  const earlier = ctx.services.earlierBlock(serviceKey, { line: vs.line, file: vs.file });
  if (earlier) {
    const service = virtualServiceText(serviceKey);
    const first = ctx.out.cite(earlier.line, earlier.file);
    ctx.out.problem(vs.line, `${head} is ${service} again (first at ${first}): keepalived -t accepts it, but both blocks would set up and change that one IPVS service; only the first is imported`, vs.file);
    const reals = realNodes.map((node) => node.args.join(' '));
    untranslated(ctx, vs, `a second virtual_server for ${service}: not imported, and its real servers (${reals.join(', ') || 'none'}) are not merged into the first; move the ones you want to ${first}`);
    return;
  }

  const reals = realNodes.map((node) => readReal(node, vs, ctx)).filter((r): r is RealServer => r !== undefined);
  if (!reals.length) {
    untranslated(ctx, vs, 'it has no real server');
    return;
  }
  const name = virtualServerName(fwmark !== undefined ? { fwmark } : { protocol, address: address!, port: port! }, ctx.names);
  const where: ConfigPath = ['virtual_servers', name];
  const entry: Record<string, unknown> = {};
  out.section('virtual_servers')[name] = entry;
  out.comment(where, `${cite(ctx, vs)} ${head}`);
  if (fwmark !== undefined) entry.fwmark = fwmark;
  else {
    entry.virtual = endpointText(address!, port);
    if (protocol !== 'tcp') entry.protocol = protocol;
  }

  const scheduler = lastChild(vs, 'lb_algo') ?? lastChild(vs, 'lvs_sched');
  if (!scheduler) {
    entry.scheduler = 'wlc';
    out.comment([...where, 'scheduler'], "keepalived's default", true);
  } else if (isIpvsScheduler(scheduler.args[0] ?? '')) entry.scheduler = scheduler.args[0];
  else {
    // keepalived 2.2 says "Invalid lvs_scheduler ... - ignoring" and sets up the service with wlc.
    out.problem(scheduler.line, `${argsText(scheduler)} is not an IPVS scheduler (${IPVS_SCHEDULER_LIST}): keepalived -t reports it and keepalived uses wlc instead; imported without scheduler, so Vigil's default, wlc`, scheduler.file);
  }
  const flags = SCHEDULER_FLAGS.filter((flag) => lastChild(vs, flag));
  if (flags.length) entry.scheduler_flags = flags.join(',');
  const persistenceNode = lastChild(vs, 'persistence_timeout');
  if (persistenceNode && persistenceNode.args[0] === undefined) entry.persistent = true;
  else if (persistenceNode && Number(persistenceNode.args[0]) > 0) entry.persistent = persistence(Number(persistenceNode.args[0]));
  else if (persistenceNode) {
    // keepalived sets persistence only for 1 to 2678400 seconds; 0 is not persistent.
    out.problem(persistenceNode.line, `${argsText(persistenceNode)}: keepalived -t reports it (outside 1 to 2678400) and keepalived ignores it, so ${head} is not persistent; imported that way`, persistenceNode.file);
  }
  const granularity = lastChild(vs, 'persistence_granularity');
  if (granularity && entry.persistent) entry.netmask = granularity.args[0];
  else if (granularity) untranslated(ctx, granularity, 'it only applies to a persistent service (persistence_timeout)');
  if (lastChild(vs, 'ops')) entry.ops = true;

  // Forwarding: the virtual server's (default NAT), or what most real servers override it with.
  const vsMethod = lastChild(vs, 'lb_kind') ?? lastChild(vs, 'lvs_method');
  const vsForwarding = FORWARDING[(vsMethod?.args[0] ?? 'NAT').toUpperCase()] ?? 'nat';
  const forwarding = commonForwarding(reals.map((real) => real.forwarding ?? vsForwarding));
  entry.forwarding = forwarding.method;
  if (!vsMethod) out.comment([...where, 'forwarding'], "keepalived's default lb_kind is NAT", true);
  for (const real of reals) {
    if ((real.forwarding ?? vsForwarding) !== forwarding.method) untranslated(ctx, lastChild(real.node, 'lvs_method') ?? real.node, `Vigil uses one forwarding method per virtual server; this real server gets ${forwarding.method}, as the others`);
  }

  const inhibit = reals.map((real) => enabled(inherited('inhibit_on_failure', real.node, vs)));
  entry.on_down = inhibit.filter(Boolean).length * 2 > inhibit.length ? 'quiesce' : 'remove';
  out.comment([...where, 'on_down'], entry.on_down === 'quiesce' ? 'inhibit_on_failure: weight 0 instead of removal' : "keepalived's default: a failed real server is removed", true);
  if (inhibit.some((value) => value !== (entry.on_down === 'quiesce'))) {
    out.behaviour(`${head}: inhibit_on_failure is set on some real servers only; Vigil applies on_down: ${entry.on_down as string} to all of them`, vs.line, vs.file);
  }

  const sorry = lastChild(vs, 'sorry_server');
  if (sorry) {
    const sorryMethod = lastChild(vs, 'sorry_server_lvs_method');
    const sorryPort = sorry.args[1] === undefined ? undefined : Number(sorry.args[1]);
    const sorryForwarding = sorryMethod ? FORWARDING[sorryMethod.args[0]!.toUpperCase()] : undefined;
    entry.sorry_server = sorryForwarding && sorryForwarding !== forwarding.method ? { address: sorry.args[0], port: sorryPort, forwarding: sorryForwarding } : endpointText(sorry.args[0]!, sorryPort);
    out.comment([...where, 'sorry_server'], `${cite(ctx, sorry)} sorry_server: replaces the real servers while quorum is lost`, true);
  }
  for (const keyword of ['quorum', 'hysteresis']) {
    const node = lastChild(vs, keyword);
    if (node) entry[keyword] = Number(node.args[0]);
  }
  for (const keyword of ['quorum_up', 'quorum_down']) {
    const node = lastChild(vs, keyword);
    const command = node && hook(ctx, node);
    if (command) entry[keyword] = command;
  }
  const omega = lastChild(vs, 'omega');
  if (omega && enabled(omega)) {
    entry.omega = true;
    out.comment([...where, 'omega'], `${cite(ctx, omega)} omega: quorum_down and notify_down run when Vigil stops`, true);
  }

  // The virtual server's check (or list of checks: every checker must pass) and timing are the
  // first real server's; a real server whose checkers differ gets its own check (below), and one
  // whose checker is timed otherwise its own interval, timeout, fall and fast_interval. warmup and
  // alpha stay the virtual server's.
  const canonicals = reals[0]!.translations;
  const canonical = canonicals[0]!;
  const summary = canonicals.map((t) => t.summary).join(' + ');
  // A checker's timing as the keys a virtual server or a real server takes.
  const timingKeys = (timing: Timing) => ({
    interval: durations.write(timing.intervalMs),
    timeout: durations.write(timing.timeoutMs),
    fall: timing.fall,
    fast_interval: durations.write(timing.fastIntervalMs),
  });
  const virtualTiming = timingKeys(canonical.timing);
  const ownTimings = new Map<RealServer, Record<string, unknown>>();
  for (const real of reals.slice(1)) {
    const mine = real.translations[0]!.timing;
    const theirs = canonical.timing;
    const keys = Object.entries(timingKeys(mine)).filter(([key, value]) => value !== virtualTiming[key as keyof typeof virtualTiming]);
    if (keys.length) ownTimings.set(real, Object.fromEntries(keys));
    if (mine.spreadMs !== theirs.spreadMs || mine.alpha !== theirs.alpha) {
      out.behaviour(`${head}: real_server ${real.node.args.join(' ')} starts as the virtual server's real servers do (warmup, alpha of ${reals[0]!.checkers[0]?.keyword ?? 'no checker'} of ${endpointText(reals[0]!.address, reals[0]!.port)}); its ${real.checkers[0]?.keyword ?? 'checker'} had its own`, real.node.line, real.node.file);
    }
  }
  for (const other of canonicals.slice(1)) {
    if (JSON.stringify(other.timing) !== JSON.stringify(canonical.timing)) {
      out.behaviour(`${head}: every check of the list runs at the first checker's timing (${reals[0]!.checkers[0]!.keyword}); ${other.summary} had its own`, vs.line, vs.file);
    }
  }
  // connect_port is where a checker connects, whatever port the real server has: the check's
  // `port`, which wins over the real server's. It is written only where it is not the real
  // server's own port. A real server whose checks (on their ports) are not what the virtual
  // server's would be on it gets its own.
  const onPort = (check: Record<string, unknown>, realPort: number | undefined) => {
    const { port, ...rest } = check;
    return port === undefined || port === realPort ? rest : { ...rest, port };
  };
  const checks = canonicals.map((t) => onPort(t.check, reals[0]!.port));
  const ownChecks = new Map<RealServer, Array<Record<string, unknown>>>();
  reals.forEach((real, index) => {
    if (index === 0) return;
    const wanted = real.translations.map(({ check }) => onPort(check, real.port));
    const given = checks.map((check) => onPort(check, real.port));
    if (JSON.stringify(wanted) !== JSON.stringify(given)) ownChecks.set(real, wanted);
  });

  // Real servers, without the destinations IPVS would store twice.
  const seen = new Set<string>();
  entry.real_servers = [];
  reals.forEach((real) => {
    const realPort = real.port;
    const destination = `${real.address}|${forwarding.method === 'nat' || fwmark !== undefined ? realPort : port}`;
    if (seen.has(destination)) {
      untranslated(ctx, real.node, `IPVS stores it as the same destination as an earlier real server (${forwarding.method} forwarding uses the virtual port)`);
      return;
    }
    seen.add(destination);
    const server: Record<string, unknown> = { address: real.address };
    if (realPort !== undefined && realPort !== 0) server.port = realPort;
    if (real.weight !== 1) server.weight = real.weight;
    const own = ownChecks.get(real);
    if (own) {
      server.check = own.length === 1 ? own[0] : own;
      const summaries = real.translations.map((t) => t.summary).join(' + ');
      out.comment([...where, 'real_servers', (entry.real_servers as unknown[]).length, 'check'], `${cite(ctx, real.checkers[0] ?? real.node)} its own checker${own.length > 1 ? 's' : ''}: ${summaries}`, true);
    }
    const timing = ownTimings.get(real);
    if (timing) {
      Object.assign(server, timing);
      out.comment([...where, 'real_servers', (entry.real_servers as unknown[]).length, Object.keys(timing)[0]!], `${cite(ctx, real.checkers[0] ?? real.node)} its checker's own timing`, true);
    }
    for (const keyword of ['notify_up', 'notify_down']) {
      const node = lastChild(real.node, keyword);
      const command = node && hook(ctx, node);
      if (command) server[keyword] = command;
    }
    const simple = Object.keys(server).every((key) => key === 'address' || key === 'port');
    (entry.real_servers as unknown[]).push(simple ? endpointText(real.address, server.port as number | undefined) : server);
  });

  const timing = canonical.timing;
  entry.interval = virtualTiming.interval;
  entry.timeout = virtualTiming.timeout;
  entry.rise = 1;
  entry.fall = virtualTiming.fall;
  out.comment([...where, 'fall'], `retry ${timing.fall - 1} (${reals[0]!.checkers[0]?.keyword ?? 'no checker'}): the first failure and ${timing.fall - 1} more`, true);
  entry.fast_interval = virtualTiming.fast_interval;
  out.comment([...where, 'fast_interval'], 'delay_before_retry', true);
  entry.spread = durations.write(timing.spreadMs);
  out.comment([...where, 'spread'], 'warmup: first checks spread over this window', true);
  if (timing.alpha) {
    entry.initial_state = 'down';
    out.comment([...where, 'initial_state'], 'alpha: real servers start down until a check passes', true);
  }
  const differences = canonicals.flatMap((t) => t.differences);
  entry.check = checks.length === 1 ? checks[0] : checks;
  out.comment([...where, 'check'], [checks.length === 1 ? summary : `every one must pass: ${summary}`, ...differences].join('\n'));
  for (const difference of differences) out.behaviour(`${head}: ${difference}`, vs.line, vs.file);
  if (ctx.mail && enabled(lastChild(vs, 'smtp_alert') ?? { keyword: 'smtp_alert', args: ['on'], line: 0, file: '' })) entry.alerts = [ctx.mail];

  for (const node of vs.children ?? []) {
    if (VS_KEYWORDS.has(node.keyword) || node.keyword === 'sorry_server_lvs_method') continue;
    untranslated(ctx, node, VS_REASONS[node.keyword] ?? 'not a virtual_server option Vigil knows');
  }
}

export async function translateKeepalived(text: string, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  let tree: KeepalivedNode[];
  try {
    tree = parseKeepalivedConf(text, file, includeReader(path.dirname(path.resolve(file))));
  } catch (err) {
    throw new ImportError(`cannot read a file ${file} includes: ${(err as Error).message}`);
  }
  const out = new ImportBuilder('keepalived', file);
  const ctx: Context = { out, durations: new DurationWriter(options.intervalScale ?? 1), names: new Set(), services: new VirtualServiceBlocks(), ssl: tree.find((n) => n.keyword === 'SSL') };
  out.section('history').path = '/var/lib/vigil/history.db';
  out.comment(['history'], 'Real server outages, every ipvsadm command run, VRRP state changes (vigil vrrp-notify) and alert attempts are written here.');
  out.section('lvs').cleanstop = true;
  out.comment(['lvs'], 'ipvsadm: /sbin/ipvsadm (else /usr/sbin/ipvsadm). keepalived talks to IPVS over netlink; Vigil drives ipvsadm, reading the table first and changing only what differs.');
  out.comment(['lvs', 'cleanstop'], 'keepalived removes its virtual servers when it stops; set false to keep serving while Vigil restarts', true);
  out.section('virtual_servers');
  out.section('alerts');
  globalMail(ctx, tree.find((n) => n.keyword === 'global_defs'));

  let vrrp = false;
  for (const node of tree) {
    if (node.keyword === 'virtual_server') translateVirtualServer(node, ctx);
    else if (node.keyword === 'global_defs' || node.keyword === 'SSL') continue;
    else if (VRRP_BLOCKS.has(node.keyword)) {
      vrrp = true;
      untranslated(ctx, node, "VRRP is not Vigil's job: keep keepalived for it, with a keepalived.conf that has no virtual_server blocks, and add vigil track as its track_script (see --check)");
    } else if (node.keyword === 'virtual_server_group') untranslated(ctx, node, 'Vigil has no groups of virtual services; the virtual_server that uses it is not imported');
    else untranslated(ctx, node, 'not a keepalived block Vigil knows');
  }
  if (Object.keys(out.section('virtual_servers')).length) {
    out.comment(['virtual_servers'], ['keepalived keeps doing VRRP (moving the VIPs); tell it how these pools are with vigil track:', ...TRACK_SNIPPET].join('\n'));
  }
  out.behaviour(`VRRP stays with keepalived${vrrp ? ' (this file has VRRP blocks)' : ''}: run it with a keepalived.conf without virtual_server blocks (its checker needs kernel IPVS and takes VRRP down with it when it cannot start), and add \`vigil track\` so the VIP moves when this director's pools are below quorum:\n${TRACK_SNIPPET.map((line) => `    ${line}`).join('\n')}`);
  out.behaviour('The panic guard: when every real server fails within one detection window, Vigil lets the sorry server in, or without one keeps the last server in the pool (panic_guard), where keepalived would empty the pool. Set panic_guard: { policy: off } for keepalived\'s behaviour.');
  out.behaviour("keepalived's checker logs transitions to syslog; Vigil writes them to its history database (vigil history, vigil actions) and its log.");
  for (const [key, value] of Object.entries(out.config)) {
    if (value && typeof value === 'object' && !Object.keys(value).length) delete out.config[key];
  }
  return out.finish();
}
