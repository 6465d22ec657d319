// Parses ldirectord.cf: global `key = value` lines, then `virtual = VIP:port` sections whose
// settings are the indented lines below them (`real = ...`, `checktype = ...`, ...).

export interface LdirectordSetting {
  key: string;
  value: string;
  line: number;
}

export interface LdirectordVirtual {
  /** As written: `192.0.2.10:80`, `[2001:db8::1]:80` or a fwmark number. */
  address: string;
  line: number;
  settings: LdirectordSetting[];
}

export interface LdirectordConfig {
  globals: LdirectordSetting[];
  virtuals: LdirectordVirtual[];
  problems: Array<{ line: number; message: string }>;
}

export function parseLdirectordCf(text: string): LdirectordConfig {
  const config: LdirectordConfig = { globals: [], virtuals: [], problems: [] };
  let virtual: LdirectordVirtual | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (!content.trim()) return;
    const match = /^(\s*)([A-Za-z_]+)\s*=\s*(.*)$/.exec(content);
    if (!match) {
      config.problems.push({ line, message: `expected "key = value", got "${content.trim()}"` });
      return;
    }
    const [, indent, key, value] = match;
    const setting = { key: key!.toLowerCase(), value: value!.trim(), line };
    if (setting.key === 'virtual' && !indent) {
      virtual = { address: setting.value, line, settings: [] };
      config.virtuals.push(virtual);
    } else if (indent && virtual) {
      virtual.settings.push(setting);
    } else {
      virtual = undefined;
      config.globals.push(setting);
    }
  });
  return config;
}

/** Splits a value into words, keeping "quoted strings" whole (ldirectord's real= lines). */
export function words(value: string): string[] {
  return [...value.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}
