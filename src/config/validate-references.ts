// Checks what the schema alone cannot: that groups, alerts and plugin types a service names
// exist, and that each check's and alert's options satisfy its plugin. Works on the raw input,
// entry by entry, so these errors are reported alongside schema errors elsewhere in the file.
import type { z } from 'zod';
import type { PluginRegistry } from '../plugins/registry.js';
import { POLICY_KEYS } from './alert-policy-schema.js';
import { listOptions } from '../check-all.js';
import { didYouMean } from './did-you-mean.js';
import { inlineSecrets } from './inline-secrets.js';
import { parseHostEntry } from './host-entry.js';
import { resolvePathOptions } from './resolve-path-options.js';
import { hostEntrySchema } from './schema.js';
import { validateAlerting } from './validate-alerting.js';
import { describeZodIssues, type RawIssue } from './zod-issues.js';
import { isObject } from '../is-object.js';

export interface ReferenceCheck {
  issues: RawIssue[];
  /** Not errors: secrets written inline (see inline-secrets.ts). */
  warnings: RawIssue[];
  checkOptions: Map<string, Record<string, unknown>>;
  alertOptions: Map<string, Record<string, unknown>>;
}

type Section = Record<string, unknown>;

const sectionOf = (raw: Section, name: string): Section => (isObject(raw[name]) ? (raw[name] as Section) : {});

export function validatePluginOptions(
  kind: 'check' | 'alert',
  reference: unknown,
  table: Map<string, { plugin: { options: z.ZodObject } }>,
  where: (string | number)[],
  issues: RawIssue[],
  baseDir: string,
  warnings?: RawIssue[],
): Record<string, unknown> | undefined {
  if (!isObject(reference) || typeof reference.type !== 'string') return undefined; // the schema reports it
  const registered = table.get(reference.type);
  if (!registered) {
    const known = [...table.keys()].sort();
    issues.push({
      path: [...where, 'type'],
      message: `unknown ${kind} type '${reference.type}'${didYouMean(reference.type, known)}; available: ${known.join(', ') || '(none)'}`,
    });
    return undefined;
  }
  const { type: _type, ...options } = reference;
  if (kind === 'alert') for (const key of POLICY_KEYS) delete options[key]; // the alert policy's, not the plugin's
  const result = registered.plugin.options.safeParse(options);
  if (!result.success) {
    issues.push(...describeZodIssues(result.error.issues, registered.plugin.options, options, where));
    return undefined;
  }
  warnings?.push(...inlineSecrets(registered.plugin.options, options, where));
  return resolvePathOptions(registered.plugin.options, result.data as Record<string, unknown>, baseDir);
}

/**
 * A service's `check`: one check, or a list that must all pass. Returns the options the plan keeps:
 * the check's own, or `{ checks: [{ type, ...options }] }` for a list (see check-all.ts).
 */
export function validateCheck(
  reference: unknown,
  table: Map<string, { plugin: { options: z.ZodObject } }>,
  where: (string | number)[],
  issues: RawIssue[],
  baseDir: string,
  warnings?: RawIssue[],
): Record<string, unknown> | undefined {
  if (!Array.isArray(reference)) return validatePluginOptions('check', reference, table, where, issues, baseDir, warnings);
  const parts = reference.map((part, index) => {
    const options = validatePluginOptions('check', part, table, [...where, index], issues, baseDir, warnings);
    return options && { type: (part as Section).type as string, options };
  });
  if (!parts.every((part) => part !== undefined)) return undefined;
  return listOptions(parts);
}

function checkHostGroups(hostgroups: Section, issues: RawIssue[]): void {
  for (const [group, entries] of Object.entries(hostgroups)) {
    if (!Array.isArray(entries)) continue;
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const parsed = hostEntrySchema.safeParse(entry);
      const host = parsed.success ? parseHostEntry(parsed.data) : undefined;
      if (!host || typeof host === 'string') return; // the schema reports it
      if (seen.has(host.name)) issues.push({ path: ['hostgroups', group, index], message: `host '${host.name}' is listed twice in this group` });
      seen.add(host.name);
    });
  }
}

/** `baseDir`: the config file's directory, which relative paths in plugin options start from. */
export function validateReferences(raw: Section, registry: PluginRegistry, baseDir: string): ReferenceCheck {
  const issues: RawIssue[] = [];
  const warnings: RawIssue[] = [];
  const checkOptions = new Map<string, Record<string, unknown>>();
  const alertOptions = new Map<string, Record<string, unknown>>();
  const hostgroups = sectionOf(raw, 'hostgroups');
  const alerts = sectionOf(raw, 'alerts');
  checkHostGroups(hostgroups, issues);

  validateAlerting(raw, registry, issues);

  for (const [name, service] of Object.entries(sectionOf(raw, 'services'))) {
    if (!isObject(service)) continue;
    const where = ['services', name];
    if (typeof service.group === 'string' && !(service.group in hostgroups)) {
      const groups = Object.keys(hostgroups);
      issues.push({
        path: [...where, 'group'],
        message: `no host group named '${service.group}'${didYouMean(service.group, groups)}; defined: ${groups.join(', ') || '(none)'}`,
      });
    }
    const options = validateCheck(service.check, registry.checks, [...where, 'check'], issues, baseDir, warnings);
    if (options) checkOptions.set(name, options);
    const type = isObject(service.check) ? service.check.type : undefined;
    const plugin = typeof type === 'string' ? registry.checks.get(type)?.plugin : undefined;
    if (service.batch === true && Array.isArray(service.check)) {
      issues.push({ path: [...where, 'batch'], message: 'a list of checks runs per target: batch needs a single check' });
    } else if (service.batch === true && plugin && !plugin.runGroup) {
      issues.push({ path: [...where, 'batch'], message: `check type '${plugin.type}' cannot check a whole group in one run` });
    }
  }

  for (const [name, alert] of Object.entries(alerts)) {
    const options = validatePluginOptions('alert', alert, registry.alerts, ['alerts', name], issues, baseDir, warnings);
    if (options) alertOptions.set(name, options);
  }
  return { issues, warnings, checkOptions, alertOptions };
}
