// Parses mon's mon.cf into a tree with line numbers: globals, hostgroups, watches → services →
// periods. Follows mon's own record rules (a blank line ends a hostgroup or a watch) and reports
// the traps those rules set, instead of silently reproducing them.

export interface MonDirective {
  key: string;
  args: string[];
  /** The text after the key, as written (alert arguments, period specs). */
  rest: string;
  line: number;
}

export interface MonPeriod {
  label?: string;
  /** Time::Period spec, e.g. `wd {Mon-Fri} hr {7am-10pm}`; empty = always. */
  spec: string;
  line: number;
  directives: MonDirective[];
}

export interface MonService {
  name: string;
  line: number;
  /** `VAR=value` lines: environment for monitor and alerts. */
  vars: Record<string, string>;
  directives: MonDirective[];
  periods: MonPeriod[];
}

export interface MonWatch {
  group: string;
  line: number;
  services: MonService[];
}

export interface MonProblem {
  line: number;
  message: string;
}

export interface MonConfig {
  globals: Map<string, { value: string; line: number }>;
  hostgroups: Map<string, { hosts: string[]; line: number }>;
  watches: MonWatch[];
  problems: MonProblem[];
}

const TOP_LEVEL = /^(hostgroup|watch)\b/;
const WATCH_KEYWORDS = new Set(['service', 'period', 'watch', 'hostgroup']);

/** Joins backslash-continued lines, keeping the first line's number. */
function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const line = i + 1;
    let current = raw[i]!;
    while (current.endsWith('\\') && i + 1 < raw.length) current = current.slice(0, -1) + ' ' + raw[++i]!.trim();
    out.push({ text: current, line });
  }
  return out;
}

function directive(text: string, line: number): MonDirective {
  const trimmed = text.trim();
  const match = /^(\S+)\s*(.*)$/.exec(trimmed)!;
  return { key: match[1]!.toLowerCase(), rest: match[2]!, args: match[2]!.split(/\s+/).filter(Boolean), line };
}

export function parseMonCf(text: string): MonConfig {
  const config: MonConfig = { globals: new Map(), hostgroups: new Map(), watches: [], problems: [] };
  let hostgroup: { name: string; hosts: string[]; line: number } | undefined;
  let watch: MonWatch | undefined;
  let service: MonService | undefined;
  let period: MonPeriod | undefined;
  /** Set when a blank line ended a watch: indented lines after it are the classic trap. */
  let endedWatch: MonWatch | undefined;

  for (const { text: raw, line } of logicalLines(text)) {
    const text = raw.replace(/^\s*#.*$/, '');
    if (!text.trim()) {
      if (raw.trim()) continue; // a comment line does not end a record
      if (watch) endedWatch = watch;
      hostgroup = undefined;
      watch = service = period = undefined;
      continue;
    }
    const indented = /^\s/.test(text);
    const first = text.trim().split(/\s+/)[0]!.toLowerCase();

    if (hostgroup && TOP_LEVEL.test(text.trim())) {
      // mon itself would read this line, and all up to the next blank line, as host names.
      config.problems.push({
        line,
        message: `a blank line is missing after the hostgroup line of ${hostgroup.name} (line ${hostgroup.line}): mon would read "${text.trim()}" and the lines after it as host names; imported as the ${first} it evidently is`,
      });
      hostgroup = undefined;
    }
    if (hostgroup) {
      const hosts = text.trim().split(/\s+/);
      hostgroup.hosts.push(...hosts);
      if (hosts.some((host) => WATCH_KEYWORDS.has(host.toLowerCase()))) {
        config.problems.push({ line, message: `hostgroup ${hostgroup.name} gets a host named "${hosts.find((h) => WATCH_KEYWORDS.has(h.toLowerCase()))}": is a blank line missing after the hostgroup line?` });
      }
      continue;
    }
    if (!indented && /^\S+\s*=/.test(text) && !watch) {
      const [, key, value] = /^(\S+?)\s*=\s*(.*)$/.exec(text.trim())!;
      config.globals.set(key!.toLowerCase(), { value: value!.trim(), line });
      continue;
    }
    if (first === 'hostgroup') {
      const [, name, ...hosts] = text.trim().split(/\s+/);
      if (!name) {
        config.problems.push({ line, message: 'hostgroup without a name' });
        continue;
      }
      hostgroup = { name, hosts, line };
      config.hostgroups.set(name, hostgroup);
      watch = service = period = undefined;
      continue;
    }
    if (first === 'watch') {
      const group = text.trim().split(/\s+/)[1];
      if (!group) {
        config.problems.push({ line, message: 'watch without a host group' });
        continue;
      }
      watch = { group, line, services: [] };
      config.watches.push(watch);
      service = period = undefined;
      endedWatch = undefined;
      continue;
    }
    if (!watch) {
      if (endedWatch && indented) {
        config.problems.push({ line, message: `"${text.trim()}" follows a blank line inside watch ${endedWatch.group} (line ${endedWatch.line}); mon ends a watch at a blank line and ignores this` });
      } else {
        config.problems.push({ line, message: `not understood outside a watch: "${text.trim()}"` });
      }
      continue;
    }
    if (first === 'service') {
      const name = text.trim().split(/\s+/)[1];
      if (!name) {
        config.problems.push({ line, message: 'service without a name' });
        continue;
      }
      service = { name, line, vars: {}, directives: [], periods: [] };
      watch.services.push(service);
      period = undefined;
      continue;
    }
    if (!service) {
      config.problems.push({ line, message: `"${text.trim()}" inside watch ${watch.group} before any service` });
      continue;
    }
    if (first === 'period') {
      const spec = text.trim().slice('period'.length).trim();
      const labelled = /^([A-Za-z0-9_]+):\s*(.*)$/.exec(spec);
      period = { label: labelled?.[1], spec: labelled ? labelled[2]! : spec, line, directives: [] };
      service.periods.push(period);
      continue;
    }
    const variable = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(text.trim());
    if (variable && !period) {
      service.vars[variable[1]!] = variable[2]!;
      continue;
    }
    (period ? period.directives : service.directives).push(directive(text, line));
  }
  return config;
}
