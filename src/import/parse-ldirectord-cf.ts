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
  /** `virtual6=` (IPv6) rather than `virtual=`. */
  ipv6: boolean;
  line: number;
  settings: LdirectordSetting[];
}

export interface LdirectordConfig {
  globals: LdirectordSetting[];
  virtuals: LdirectordVirtual[];
  problems: Array<{ line: number; message: string }>;
}

/** ldirectord reads a section's lines only while they are indented by 4 or more spaces (a tab is 4). */
const sectionIndent = (indent: string) => indent.replace(/\t/g, '    ').length >= 4;

export function parseLdirectordCf(text: string): LdirectordConfig {
  const config: LdirectordConfig = { globals: [], virtuals: [], problems: [] };
  let virtual: LdirectordVirtual | undefined;
  /** A blank line seen inside the current virtual section: ldirectord ends the section there. */
  let blankInside: number | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const content = raw.replace(/(^|\s)#.*$/, '').trimEnd();
    if (!content.trim()) {
      if (!raw.trim() && virtual && blankInside === undefined) blankInside = line;
      return;
    }
    const match = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(content);
    if (!match) {
      config.problems.push({ line, message: `expected "key = value", got "${content.trim()}"` });
      return;
    }
    const [, indent, key, value] = match;
    const setting = { key: key!.toLowerCase(), value: value!.trim(), line };
    if ((setting.key === 'virtual' || setting.key === 'virtual6') && !indent) {
      virtual = { address: setting.value, ipv6: setting.key === 'virtual6', line, settings: [] };
      blankInside = undefined;
      config.virtuals.push(virtual);
    } else if (indent && virtual) {
      if (blankInside !== undefined) {
        config.problems.push({
          line,
          message: `"${content.trim()}" follows a blank line (line ${blankInside}) inside the ${virtual.ipv6 ? 'virtual6' : 'virtual'}=${virtual.address} section (line ${virtual.line}): ldirectord ends the section at the blank line and refuses this line (Unknown command); imported as part of the section`,
        });
        blankInside = undefined;
      } else if (!sectionIndent(indent)) {
        config.problems.push({ line, message: `"${content.trim()}" is indented by fewer than 4 spaces: ldirectord ends the ${virtual.address} section before it and refuses it (Unknown command); imported as part of the section` });
      }
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
