// A report asked about an alert, a director or a VRRP instance that exists nowhere is a typo, not
// "nothing happened": refused with the names that do exist — the config's when it names them,
// else those the database has recorded — as an unknown --service is (history/target-names.ts).
import { listed } from '../control/target-match.js';

export interface KnownNames {
  /** What the database has recorded under that name. */
  recorded: string[];
  /** What the config defines, when there is a config that could be read. */
  configured?: { file: string; names: string[] };
}

/** Throws `no alert named X in FILE (alerts: …)`, or `no alert named X has ever been recorded; recorded: …`. */
export function expectKnownName(what: { one: string; many: string }, name: string, known: KnownNames): void {
  if (known.recorded.includes(name) || known.configured?.names.includes(name)) return;
  if (known.configured) throw new Error(`no ${what.one} named ${name} in ${known.configured.file} (${what.many}: ${listed(known.configured.names) || 'none'})`);
  throw new Error(`no ${what.one} named ${name} has ever been recorded; recorded: ${listed(known.recorded) || 'none'}`);
}
