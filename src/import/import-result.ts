// What an importer produces: the Vigil config (a plain object, keys in the order they are
// written), comments tied to places in it (source file:line, notes on what changed), and the
// lists a migrating operator must read — what was not translated, what behaves differently,
// what still has to be filled in, and the traps found in the source.
import path from 'node:path';

export type SourceFormat = 'mon' | 'ldirectord' | 'keepalived';

/** A place in the generated config: `['services', 'web-http', 'check']`. */
export type ConfigPath = Array<string | number>;

export interface Annotation {
  path: ConfigPath;
  text: string;
  /** After the value on the same line (scalars and flow collections); otherwise above the key. */
  inline?: boolean;
}

export interface SourceLine {
  file: string;
  line: number;
}

export interface Untranslated extends SourceLine {
  /** The directive as written. */
  text: string;
  reason: string;
}

export interface BehaviourChange {
  file?: string;
  /** The first source line it applies to; `lines` has every one when the same change is found again. */
  line?: number;
  lines?: number[];
  change: string;
}

export interface Placeholder {
  /** Key path in the generated config, `alerts.ldirectord-mail.host`. */
  path: string;
  what: string;
}

export interface SourceProblem extends SourceLine {
  /** Every line with this same problem (the first is `line`). */
  lines?: number[];
  message: string;
}

/**
 * A secret the generated config holds because the source had it there (ldirectord's passwd=): what
 * `vigil check-config` will warn about, found by the same loader, so the operator moves it first.
 */
export interface WrittenSecret {
  /** Where in the generated config. */
  line?: number;
  column?: number;
  /** Its key path: `virtual_servers.db.check.password`. */
  key: string;
  /** check-config's words: what it is and where to put it instead (`password_file`, `password_env`). */
  message: string;
}

export interface ImportResult {
  format: SourceFormat;
  file: string;
  config: Record<string, unknown>;
  annotations: Annotation[];
  untranslated: Untranslated[];
  behaviour: BehaviourChange[];
  placeholders: Placeholder[];
  problems: SourceProblem[];
}

export interface ImportOptions {
  /** mon: run every monitor as a script check, even where a built-in check does the same job. */
  keepMonitors?: boolean;
  /** Multiply every check and alert timing (for trying an import quickly); 1 keeps the source's. */
  intervalScale?: number;
}

/** Collects an import's output; translators call it as they walk the source. */
export class ImportBuilder {
  readonly result: ImportResult;
  /** The name comments cite: `mon.cf`, `ldirectord.cf`. */
  readonly shortName: string;

  constructor(format: SourceFormat, file: string) {
    this.shortName = path.basename(file);
    this.result = { format, file, config: {}, annotations: [], untranslated: [], behaviour: [], placeholders: [], problems: [] };
  }

  get config(): Record<string, unknown> {
    return this.result.config;
  }

  /** `mon.cf:48` (another file's name when the line comes from an include). */
  cite(line: number, file?: string): string {
    return `${file ? path.basename(file) : this.shortName}:${line}`;
  }

  /** The section object at `key`, created in place when missing. */
  section(key: string): Record<string, unknown> {
    const existing = this.config[key];
    if (existing && typeof existing === 'object') return existing as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    this.config[key] = created;
    return created;
  }

  comment(path: ConfigPath, text: string, inline = false): void {
    this.result.annotations.push({ path, text, inline });
  }

  untranslated(line: number, text: string, reason: string, file?: string): void {
    this.result.untranslated.push({ file: file ?? this.result.file, line, text: text.trim(), reason });
  }

  /** A behaviour change; the same change found again only adds its line. */
  behaviour(change: string, line?: number, file?: string): void {
    const where = line === undefined ? undefined : (file ?? this.result.file);
    const same = this.result.behaviour.find((item) => item.change === change && item.file === where);
    if (same && line !== undefined && !(same.lines ?? [same.line]).includes(line)) same.lines = [...(same.lines ?? [same.line!]), line];
    else if (!same) this.result.behaviour.push({ file: where, line, change });
  }

  placeholder(path: string, what: string): void {
    this.result.placeholders.push({ path, what });
  }

  /** A problem in the source; the same problem found again only adds its line. */
  problem(line: number, message: string, file?: string): void {
    const where = file ?? this.result.file;
    const same = this.result.problems.find((item) => item.message === message && item.file === where);
    if (same && (same.lines ?? [same.line]).includes(line)) return;
    if (same) same.lines = [...(same.lines ?? [same.line]), line];
    else this.result.problems.push({ file: where, line, message });
  }

  /** Sorted lists, so output is stable. */
  finish(): ImportResult {
    const byLine = (a: { file?: string; line?: number }, b: { file?: string; line?: number }) =>
      (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0);
    this.result.untranslated.sort(byLine);
    this.result.problems.sort(byLine);
    this.result.behaviour.sort((a, b) => (a.line === undefined ? -1 : 0) - (b.line === undefined ? -1 : 0) || byLine(a, b));
    return this.result;
  }
}
