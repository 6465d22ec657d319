// `vigil import ldirectord`: an ldirectord.cf → `virtual_servers:` that keep the same IPVS table
// the same way. Each virtual= section becomes a virtual server (address, protocol, scheduler,
// persistence, forwarding, real servers and weights, fallback → sorry_server, quiescent → on_down,
// cleanstop), its checktype/service the check (ldirectord-checks.ts), checkinterval /
// checktimeout / failurecount its timing, emailalert a mail alert with placeholders to fill in.
import { splitCommandLine } from '../config/command-line.js';
import { parseHostEntry } from '../config/host-entry.js';
import { VirtualServiceBlocks, virtualServiceText } from './duplicate-virtual-services.js';
import { ImportBuilder, type ConfigPath, type ImportOptions, type ImportResult } from './import-result.js';
import { DurationWriter, parseSeconds, uniqueName } from './import-text.js';
import { IPVS_SCHEDULER_LIST, isIpvsScheduler } from './ipvs-schedulers.js';
import { translateLdirectordCheck } from './ldirectord-checks.js';
import { commonForwarding, endpointText, persistence, virtualServerName } from './lvs-naming.js';
import { parseLdirectordCf, words, type LdirectordSetting, type LdirectordVirtual } from './parse-ldirectord-cf.js';
import { ipAddress, portNumber } from './resolve-address.js';

const FORWARDING: Record<string, string> = { gate: 'dr', masq: 'nat', ipip: 'tunnel' };

/** ldirectord's default service for a virtual port (ld_port_to_service; it has none for 636: ldirectord has no ldaps). */
const PORT_SERVICES: Record<number, string> = {
  21: 'ftp', 25: 'smtp', 53: 'dns', 80: 'http', 110: 'pop', 119: 'nntp', 143: 'imap', 389: 'ldap', 443: 'https', 587: 'submission',
  993: 'imaps', 995: 'pops', 1521: 'oracle', 1812: 'radius', 3128: 'http_proxy', 3306: 'mysql', 5060: 'sip', 5432: 'pgsql',
};

/** Global settings a virtual section may override. */
const OVERRIDABLE = new Set(['checktimeout', 'negotiatetimeout', 'checkinterval', 'checkcount', 'failurecount', 'fallback', 'fallback6', 'fallbackcommand', 'quiescent', 'cleanstop', 'emailalert', 'emailalertfreq', 'emailalertstatus', 'smtp']);

const GLOBAL_ONLY: Record<string, string | undefined> = {
  emailalertfrom: undefined,
  readdquiescent: undefined,
  fork: undefined,
  autoreload: undefined,
  callback: 'Vigil runs no command when its config changes',
  logfile: 'Vigil logs to stdout/stderr (the journal under systemd); log.format: json for a collector',
  supervised: 'vigil run stays in the foreground (systemd supervises it)',
  execute: 'one Vigil config holds every virtual server; import each ldirectord config and merge them (include:)',
  maintenancedir: 'use vigil maintenance start SERVICE/HOST (alerts held) or vigil disable (checks stopped) instead of files in a directory',
};

const VIRTUAL_KEYS = new Set([
  'real', 'real6', 'request', 'receive', 'checktype', 'checkcommand', 'checkport', 'scheduler', 'persistent', 'schedflags', 'netmask', 'protocol',
  'ops', 'service', 'httpmethod', 'virtualhost', 'servicename', 'comment', 'monitorfile', 'login', 'passwd', 'database', 'secret', 'load',
  ...OVERRIDABLE,
]);

const NOT_TRANSLATED_VIRTUAL: Record<string, string> = {
  monitorfile: 'every check result is in the history database (vigil history, vigil timeline) and the log',
  login: 'only the mysql, pgsql, ldap and radius checks log in (and sip uses it as its address); for this service write a script check that does',
  passwd: 'only the mysql, pgsql, ldap and radius checks log in; for this service write a script check that does',
  database: 'only the mysql and pgsql checks use a database',
  secret: 'only the radius check (service=radius) uses a shared secret',
  load: 'Vigil has no load check',
};

const unquote = (text: string) => text.replace(/^"(.*)"$/, '$1');

interface Real {
  address: string;
  port?: number;
  forwarding: string;
  weight: number;
  request?: string;
  receive?: string;
  line: number;
}

interface Context {
  out: ImportBuilder;
  durations: DurationWriter;
  globals: Map<string, LdirectordSetting>;
  names: Set<string>;
  services: VirtualServiceBlocks;
  mailAlerts: Map<string, string>;
  mailNames: Set<string>;
}

function settingOf(virtual: LdirectordVirtual | undefined, ctx: Context, key: string): LdirectordSetting | undefined {
  const own = virtual?.settings.filter((s) => s.key === key).pop();
  if (own) return own;
  return OVERRIDABLE.has(key) || !virtual ? ctx.globals.get(key) : undefined;
}

/** `192.0.2.10:80` / `[2001:db8::1]:http` / `host:80` → address and port (resolved). */
async function endpoint(text: string, ipv6: boolean): Promise<{ address: string; port?: number } | string> {
  const match = /^(\[[0-9A-Fa-f:]+\]|[^:\s]+)(?::([A-Za-z0-9_-]+))?$/.exec(text.trim());
  if (!match) return `cannot read the address ${JSON.stringify(text)}`;
  const address = await ipAddress(match[1]!, ipv6);
  if (!address) return `cannot resolve ${match[1]} to an IP address`;
  if (match[2] === undefined) return { address };
  const port = portNumber(match[2]);
  if (port === undefined) return `unknown port ${match[2]}`;
  return { address, port };
}

async function parseReals(setting: LdirectordSetting, ipv6: boolean, ctx: Context): Promise<Real[]> {
  const { out } = ctx;
  const match = /^(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?:->(\d+\.\d+\.\d+\.\d+|[A-Za-z0-9.-]+))?(?::(\d+|[A-Za-z0-9_-]+))?\s+(.*)$/.exec(setting.value);
  if (!match) {
    out.untranslated(setting.line, `real=${setting.value}`, 'cannot read it (ldirectord: invalid address for real server)');
    return [];
  }
  const [, first, last, portText, flags] = match;
  const [method, ...rest] = words(flags!).filter((word) => word !== ',');
  if (!method || !(method in FORWARDING)) {
    out.untranslated(setting.line, `real=${setting.value}`, 'the forwarding method must be gate, masq or ipip');
    return [];
  }
  let weight = 1;
  if (rest[0] !== undefined && /^\d+$/.test(rest[0])) weight = Number(rest.shift());
  let request: string | undefined;
  let receive: string | undefined;
  const quoted = /"(.*)"[, ]\s*"(.*)"/.exec(flags!);
  if (quoted) {
    request = quoted[1]!.startsWith('/') ? quoted[1] : `/${quoted[1]}`;
    receive = quoted[2];
    rest.splice(0, 2);
  }
  if (rest.some((word) => /^[lu]:\d+$/.test(word))) out.untranslated(setting.line, rest.filter((word) => /^[lu]:/.test(word)).join(' '), 'connection thresholds (ipvsadm -x/-y) are not set by Vigil');
  const port = portText === undefined ? undefined : portNumber(portText);
  if (portText !== undefined && port === undefined) {
    out.untranslated(setting.line, `real=${setting.value}`, `unknown port ${portText}`);
    return [];
  }
  const firstAddress = await ipAddress(first!, ipv6);
  if (!firstAddress) {
    out.untranslated(setting.line, `real=${setting.value}`, `cannot resolve ${first} to an IP address`);
    return [];
  }
  if (firstAddress !== first!.replace(/^\[(.*)\]$/, '$1')) out.behaviour(`real=${setting.value}: ${first} resolved to ${firstAddress} at import (ldirectord resolves it at every start)`, setting.line);
  const addresses = [firstAddress];
  if (last) {
    const lastAddress = await ipAddress(last, ipv6);
    const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    if (!lastAddress || ipv6 || toInt(lastAddress) < toInt(firstAddress) || toInt(lastAddress) - toInt(firstAddress) > 1024) {
      out.untranslated(setting.line, `real=${setting.value}`, 'the address range cannot be expanded (IPv4 only, first ≤ last, at most 1024 addresses)');
      return [];
    }
    for (let n = toInt(firstAddress) + 1; n <= toInt(lastAddress); n++) addresses.push([24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.'));
  }
  return addresses.map((address) => ({ address, port: port || undefined, forwarding: FORWARDING[method]!, weight, request, receive, line: setting.line }));
}

function mailAlert(virtual: LdirectordVirtual, ctx: Context): { name: string; every?: string } | undefined {
  const { out } = ctx;
  const setting = settingOf(virtual, ctx, 'emailalert');
  if (!setting) return undefined;
  const to = unquote(setting.value).split(',').map((address) => address.trim()).filter(Boolean);
  const smtp = settingOf(virtual, ctx, 'smtp');
  const from = ctx.globals.get('emailalertfrom');
  const key = JSON.stringify([to, smtp?.value, from?.value]);
  let name = ctx.mailAlerts.get(key);
  if (!name) {
    name = uniqueName('ldirectord-mail', ctx.mailNames);
    ctx.mailAlerts.set(key, name);
    // smtp=host or host:port (ldirectord hands it to Net::SMTP, which takes either).
    const relay = smtp ? parseHostEntry(unquote(smtp.value)) : undefined;
    out.section('alerts')[name] = {
      type: 'mail',
      host: relay === undefined ? 'localhost' : typeof relay === 'string' ? unquote(smtp!.value) : relay.address,
      port: typeof relay === 'object' ? (relay.port ?? 25) : 25,
      security: 'none',
      from: from ? unquote(from.value) : 'ldirectord@localhost',
      to,
      subject: '[vigil] {{KIND}}: real server {{host}} of {{service}} is {{state}}',
    };
    out.comment(['alerts', name], `${out.cite(setting.line)} emailalert=${setting.value}${smtp ? `; ${out.cite(smtp.line)} smtp=${smtp.value}` : ''}: mail on each real server change, as ldirectord sends it`);
    if (!smtp) {
      out.placeholder(`alerts.${name}.host`, 'the SMTP server (ldirectord mailed through the local mailer; localhost:25 without TLS assumes a local MTA). Set port/security/user and password_file for a relay that needs them');
      out.comment(['alerts', name, 'host'], 'PLACEHOLDER: a local MTA; change to your mail relay', true);
    }
    if (!from) {
      out.placeholder(`alerts.${name}.from`, 'the sender address (ldirectord left it to the mailer, usually root@this-host)');
      out.comment(['alerts', name, 'from'], 'PLACEHOLDER: the sender address', true);
    }
  }
  const status = settingOf(virtual, ctx, 'emailalertstatus');
  if (status && unquote(status.value) !== 'all') out.untranslated(status.line, `emailalertstatus=${status.value}`, 'Vigil mails every real server change; it has no daemon-state filter');
  out.behaviour("emailalert: Vigil mails real server changes (down, up), not ldirectord's own starting/running/stopping/reloading states", setting.line);
  const freq = settingOf(virtual, ctx, 'emailalertfreq');
  const seconds = freq ? Number(freq.value) : 0;
  return { name, every: seconds > 0 ? ctx.durations.write(seconds * 1000) : undefined };
}

async function translateVirtual(virtual: LdirectordVirtual, ctx: Context): Promise<void> {
  const { out, durations } = ctx;
  const get = (key: string) => settingOf(virtual, ctx, key);
  const value = (key: string) => {
    const setting = get(key);
    return setting ? unquote(setting.value) : undefined;
  };
  const head = `${virtual.ipv6 ? 'virtual6' : 'virtual'}=${virtual.address}`;

  // The virtual service.
  const fwmark = /^\d+$/.test(virtual.address) ? Number(virtual.address) : undefined;
  let address: string | undefined;
  let port: number | undefined;
  if (fwmark === undefined) {
    const parsed = await endpoint(virtual.address, virtual.ipv6);
    if (typeof parsed === 'string' || parsed.port === undefined) {
      out.untranslated(virtual.line, head, typeof parsed === 'string' ? parsed : 'a virtual service needs a port (or is a fwmark number)');
      return;
    }
    ({ address, port } = parsed);
  }
  const protocol = fwmark !== undefined ? 'fwm' : (value('protocol') ?? (port === 53 ? 'udp' : 'tcp'));
  const serviceKey = fwmark !== undefined ? { fwmark, ipv6: virtual.ipv6 } : { protocol, address: address!, port: port! };
  const earlier = ctx.services.earlierBlock(serviceKey, { line: virtual.line });
  if (earlier) {
    const service = virtualServiceText(serviceKey);
    out.problem(virtual.line, `${head} is ${service} again (first at line ${earlier.line}): ldirectord refuses this config ("duplicate virtual server"); only the first is imported`);
    const reals = virtual.settings.filter((s) => s.key === 'real' || s.key === 'real6').map((s) => s.value);
    out.untranslated(virtual.line, head, `a second section for ${service}: not imported, and its real servers (${reals.join('; ') || 'none'}) are not merged into the first; move the ones you want to line ${earlier.line}`);
    return;
  }
  const service = value('service') ?? (fwmark !== undefined ? 'none' : (PORT_SERVICES[port!] ?? 'none'));
  const checktype = value('checktype') ?? 'negotiate';
  if (checktype === 'off') {
    out.untranslated(virtual.line, `${head} with checktype=off`, 'ldirectord activates neither its real servers nor its fallback; not imported');
    return;
  }

  // Real servers.
  let reals: Real[] = [];
  for (const setting of virtual.settings.filter((s) => s.key === 'real' || s.key === 'real6')) reals.push(...(await parseReals(setting, virtual.ipv6, ctx)));
  if (!reals.length) {
    out.untranslated(virtual.line, head, 'it has no real server Vigil can use');
    return;
  }
  const forwarding = commonForwarding(reals.map((real) => real.forwarding));
  for (const real of reals) {
    if (real.forwarding !== forwarding.method) {
      out.untranslated(real.line, `real=… ${real.address} ${Object.keys(FORWARDING).find((k) => FORWARDING[k] === real.forwarding)}`, `Vigil uses one forwarding method per virtual server; this real server gets ${forwarding.method}, as the others`);
    }
  }
  // ldirectord (like IPVS) uses the virtual port for gate/ipip real servers of an address:port service.
  if (fwmark === undefined && forwarding.method !== 'nat') reals = reals.map((real) => ({ ...real, port }));
  // checkport is where every check goes, whatever the forwarding (ld_checkport): the check's
  // `port`, which wins over the real server's; not written when it is every real server's port.
  const checkport = get('checkport') ? Number(value('checkport')) : undefined;
  const checkPortOption = checkport !== undefined && reals.some((real) => real.port !== checkport) ? checkport : undefined;

  // Per-real request/receive: the virtual server's check uses the first real's pair; a real whose
  // pair differs (its own, or the virtual's request= when it has none) gets a check of its own.
  let defaultRequest = value('request') ?? '/';
  const defaultReceive = value('receive') ?? '';
  if (!defaultRequest.startsWith('/') && !/^https?:\/\//i.test(defaultRequest)) defaultRequest = `/${defaultRequest}`;
  const pairOf = (real: Real): [string, string] => (real.request !== undefined ? [real.request, real.receive ?? ''] : [defaultRequest, defaultReceive]);
  const first = reals.find((real) => real.request !== undefined);
  const [request, receive] = first ? pairOf(first) : [defaultRequest, defaultReceive];

  const checkTimeout = parseSeconds(value('checktimeout'));
  const negotiateTimeout = parseSeconds(value('negotiatetimeout'));
  const checkWith = (request: string, receive: string) =>
    translateLdirectordCheck({
      checktype,
      service,
      protocol: protocol as 'tcp' | 'udp' | 'fwm',
      request,
      receive,
      httpmethod: (value('httpmethod') ?? 'GET').toUpperCase(),
      virtualhost: value('virtualhost'),
      checkport: checkPortOption,
      checkcommand: value('checkcommand') ?? '/bin/true',
      checkcount: Number(value('checkcount') ?? 1) || 1,
      virtualServer: fwmark !== undefined ? String(fwmark) : address!,
      virtualPort: String(port ?? 0),
      realsHavePort: reals.every((real) => real.port !== undefined),
      checkTimeoutMs: checkTimeout ?? negotiateTimeout ?? 5000,
      negotiateTimeoutMs: negotiateTimeout ?? checkTimeout ?? 30_000,
      login: value('login'),
      passwd: value('passwd'),
      database: value('database'),
      secret: value('secret'),
    });
  const check = checkWith(request, receive);
  const ownChecks = new Map<Real, Record<string, unknown>>();
  if (typeof check !== 'string') {
    for (const real of reals) {
      const [ownRequest, ownReceive] = pairOf(real);
      if (ownRequest === request && ownReceive === receive) continue;
      const own = checkWith(ownRequest, ownReceive);
      if (typeof own === 'string') out.untranslated(real.line, `real=… ${real.address} "${ownRequest}", "${ownReceive}"`, `${own}; it is checked like the others (request ${request}, receive ${receive})`);
      else if (JSON.stringify(own.check) !== JSON.stringify(check.check)) ownChecks.set(real, own.check);
    }
  }
  if (typeof check === 'string') {
    out.untranslated(get('checktype')?.line ?? virtual.line, head, `${check}; not imported`);
    return;
  }

  const name = virtualServerName(fwmark !== undefined ? { fwmark } : { protocol, address: address!, port: port! }, ctx.names, value('servicename'));
  const where: ConfigPath = ['virtual_servers', name];
  const entry: Record<string, unknown> = {};
  out.section('virtual_servers')[name] = entry;
  out.comment(where, `${out.cite(virtual.line)} ${head}`);
  const description = [value('servicename'), value('comment')].filter(Boolean).join(': ');
  if (description) entry.description = description;
  if (fwmark !== undefined) entry.fwmark = fwmark;
  else {
    entry.virtual = endpointText(address!, port);
    if (protocol !== 'tcp') entry.protocol = protocol;
  }
  const scheduler = get('scheduler');
  if (!scheduler) {
    entry.scheduler = 'wrr';
    out.comment([...where, 'scheduler'], "ldirectord's default", true);
  } else if (isIpvsScheduler(unquote(scheduler.value))) entry.scheduler = unquote(scheduler.value);
  else {
    out.problem(scheduler.line, `scheduler=${scheduler.value} is not an IPVS scheduler (${IPVS_SCHEDULER_LIST}): ipvsadm cannot create ${head} with it; imported without scheduler, so Vigil's default, wlc`);
  }
  if (value('schedflags')) entry.scheduler_flags = value('schedflags');
  const persistent = get('persistent');
  if (persistent && Number(unquote(persistent.value)) > 0) entry.persistent = persistence(Number(unquote(persistent.value)));
  else if (persistent) {
    // ldirectord passes it on as ipvsadm -p 0, which ipvsadm refuses (1 to 2678400 seconds).
    out.problem(persistent.line, `persistent=${persistent.value}: ldirectord runs ipvsadm with -p ${unquote(persistent.value)}, which ipvsadm refuses (it takes 1 to 2678400 seconds), so ${head} is not set up; imported not persistent`);
  }
  const netmask = get('netmask');
  if (netmask && entry.persistent) entry.netmask = unquote(netmask.value);
  else if (netmask) out.untranslated(netmask.line, `netmask=${netmask.value}`, 'it only applies to a persistent service (ldirectord passes -M only with -p)');
  if (value('ops') === 'yes') entry.ops = true;
  entry.forwarding = forwarding.method;

  const quiescent = get('quiescent');
  entry.on_down = (quiescent ? unquote(quiescent.value) : 'yes') === 'yes' ? 'quiesce' : 'remove';
  out.comment([...where, 'on_down'], quiescent ? `${out.cite(quiescent.line)} quiescent=${quiescent.value}` : "quiescent=yes is ldirectord's default: kept", true);
  if (entry.on_down === 'quiesce') {
    out.behaviour(`${head}: quiescent=yes${quiescent ? '' : " (ldirectord's default)"} is kept: a failed real server stays in the table with weight 0 (on_down: quiesce), so clients with a persistence template keep reaching it until the template expires (echo 1 > /proc/sys/net/ipv4/vs/expire_quiescent_template ends that). Set on_down: remove to delete it instead`, virtual.line);
  }
  const cleanstop = get('cleanstop');
  entry.cleanstop = (cleanstop ? unquote(cleanstop.value) : 'yes') === 'yes';
  out.comment([...where, 'cleanstop'], cleanstop ? `${out.cite(cleanstop.line)} cleanstop=${cleanstop.value}` : "cleanstop=yes is ldirectord's default: a clean stop removes the real servers", true);
  if (entry.cleanstop) out.behaviour(`${head}: cleanstop=yes${cleanstop ? '' : " (ldirectord's default)"} is kept: stopping Vigil removes this virtual server's real servers (and the service it created); set cleanstop: false to keep serving while Vigil restarts`, virtual.line);

  const fallback = get(virtual.ipv6 ? 'fallback6' : 'fallback') ?? get('fallback');
  if (fallback) {
    const [target, method] = words(fallback.value);
    const parsed = await endpoint(target!, virtual.ipv6);
    if (typeof parsed === 'string') out.untranslated(fallback.line, `fallback=${fallback.value}`, parsed);
    else {
      const fallbackForwarding = FORWARDING[method ?? 'gate'] ?? 'dr';
      const sorryPort = parsed.port ?? port;
      entry.sorry_server = fallbackForwarding === forwarding.method ? endpointText(parsed.address, sorryPort) : { address: parsed.address, port: sorryPort, forwarding: fallbackForwarding };
      out.comment([...where, 'sorry_server'], `${out.cite(fallback.line)} fallback=${fallback.value}${method ? '' : " (ldirectord's default forwarding for a fallback is gate)"}: in while every real server is down`, true);
      if (entry.on_down === 'quiesce') out.behaviour(`${head}: when a real server is back, ldirectord quiesces the fallback (weight 0); Vigil removes it`, fallback.line);
    }
  }
  const fallbackCommand = get('fallbackcommand');
  if (fallbackCommand) {
    const command = splitCommandLine(unquote(fallbackCommand.value));
    if (typeof command === 'string') out.untranslated(fallbackCommand.line, `fallbackcommand=${fallbackCommand.value}`, command);
    else {
      const serviceArgs = [fwmark !== undefined ? String(fwmark) : endpointText(address!, port), protocol === 'fwm' ? 'fwm' : protocol];
      entry.quorum_down = [...command, 'start', ...serviceArgs];
      entry.quorum_up = [...command, 'stop', ...serviceArgs];
      out.comment([...where, 'quorum_down'], `${out.cite(fallbackCommand.line)} fallbackcommand: run with start when every real server is down, stop when one is back, as ldirectord runs it`);
    }
  }

  // Timing: checkinterval between checks, failurecount failures before down, up at the first success.
  const forking = unquote(ctx.globals.get('fork')?.value ?? 'no') === 'yes';
  const ownInterval = virtual.settings.find((s) => s.key === 'checkinterval');
  if (ownInterval && !forking) out.untranslated(ownInterval.line, `checkinterval=${ownInterval.value}`, 'ldirectord ignores a per-virtual checkinterval unless fork=yes; the global one is used, as ldirectord does');
  const interval = parseSeconds(forking ? value('checkinterval') : ctx.globals.get('checkinterval')?.value) ?? 10_000;
  entry.interval = durations.write(interval);
  entry.timeout = durations.write(check.timeoutMs);
  entry.rise = 1;
  entry.fall = Number(value('failurecount') ?? 1) || 1;
  if ((entry.fall as number) > 1) {
    entry.fast_interval = durations.write(interval);
    out.comment([...where, 'fast_interval'], 'ldirectord re-checks a failing server at checkinterval too; lower this to detect failures sooner', true);
  }
  entry.initial_state = 'down';
  out.comment([...where, 'initial_state'], 'ldirectord adds a real server (or raises its weight) after its first good check', true);

  entry.real_servers = reals.map((real, index) => {
    const own = ownChecks.get(real);
    if (real.weight === 1 && !own) return endpointText(real.address, real.port);
    const server: Record<string, unknown> = { address: real.address };
    if (real.port !== undefined) server.port = real.port;
    if (real.weight !== 1) server.weight = real.weight;
    if (own) {
      server.check = own;
      out.comment([...where, 'real_servers', index, 'check'], `${out.cite(real.line)} its own request/receive`, true);
    }
    return server;
  });
  entry.check = check.check;
  out.comment([...where, 'check'], [check.summary, ...check.differences].join('\n'));
  for (const difference of check.differences) out.behaviour(`${head}: ${difference}`, get('checktype')?.line ?? virtual.line);

  const mail = mailAlert(virtual, ctx);
  if (mail) entry.alerts = [mail.every ? { alert: mail.name, every: mail.every } : mail.name];

  for (const setting of virtual.settings) {
    if (check.usedKeys?.includes(setting.key)) continue;
    if (check.unusedKeys?.[setting.key]) out.untranslated(setting.line, `${setting.key}=${setting.value}`, check.unusedKeys[setting.key]!);
    if (NOT_TRANSLATED_VIRTUAL[setting.key]) out.untranslated(setting.line, `${setting.key}=${setting.value}`, NOT_TRANSLATED_VIRTUAL[setting.key]!);
    else if (!VIRTUAL_KEYS.has(setting.key)) out.untranslated(setting.line, `${setting.key}=${setting.value}`, 'not an ldirectord virtual setting (ldirectord rejects this config: Unknown command)');
  }
}

export async function translateLdirectord(text: string, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const parsed = parseLdirectordCf(text);
  const out = new ImportBuilder('ldirectord', file);
  for (const problem of parsed.problems) out.problem(problem.line, problem.message);
  const globals = new Map<string, LdirectordSetting>();
  for (const setting of parsed.globals) globals.set(setting.key, setting);
  const ctx: Context = { out, durations: new DurationWriter(options.intervalScale ?? 1), globals, names: new Set(), services: new VirtualServiceBlocks(), mailAlerts: new Map(), mailNames: new Set() };

  out.section('history').path = '/var/lib/vigil/history.db';
  out.comment(['history'], "Real server outages, every ipvsadm command run, and alert attempts are written here (vigil history, vigil actions). ldirectord's log file has no counterpart to configure.");
  const autoreload = globals.get('autoreload');
  if (autoreload && unquote(autoreload.value) === 'yes') {
    // ldirectord looks at its config file once per pass of its check loop: every checkinterval.
    out.config.auto_reload = ctx.durations.write(parseSeconds(globals.get('checkinterval')?.value) ?? 10_000);
    out.comment(['auto_reload'], `${out.cite(autoreload.line)} autoreload=yes: the config (and its includes) is reloaded when it changes, looked at this often`);
  }

  out.section('lvs');
  out.comment(['lvs'], 'ipvsadm: /sbin/ipvsadm (else /usr/sbin/ipvsadm) is used, as ldirectord does; set `ipvsadm:` for another path, `dry_run: true` to only log the commands.');
  out.section('lvs').resync_interval = '10s';
  out.comment(['lvs', 'resync_interval'], 'the table is read back this often and drift repaired (ldirectord re-adds only what its own checks change)', true);
  out.section('virtual_servers');
  out.section('alerts');

  for (const setting of parsed.globals) {
    if (OVERRIDABLE.has(setting.key) || setting.key === 'fallback6') continue;
    if (setting.key in GLOBAL_ONLY) {
      const reason = GLOBAL_ONLY[setting.key];
      if (reason) out.untranslated(setting.line, `${setting.key}=${setting.value}`, reason);
      else if (setting.key === 'readdquiescent' && unquote(setting.value) === 'no') {
        out.untranslated(setting.line, `${setting.key}=${setting.value}`, 'Vigil repairs drift: a real server removed by hand is added back (weight 0 while down); take one out with vigil disable or vigil maintenance instead');
      }
      continue;
    }
    out.untranslated(setting.line, `${setting.key}=${setting.value}`, 'not an ldirectord setting (ldirectord rejects this config: Unknown command)');
  }
  for (const virtual of parsed.virtuals) await translateVirtual(virtual, ctx);

  out.behaviour("The panic guard: when every real server fails within one detection window, Vigil lets the sorry server (fallback) in, or without one keeps the last server in the pool (panic_guard), where ldirectord would empty the pool. Set panic_guard: { policy: off } for ldirectord's behaviour.");
  for (const [key, value] of Object.entries(out.config)) {
    if (value && typeof value === 'object' && !Object.keys(value).length) delete out.config[key];
  }
  return out.finish();
}
