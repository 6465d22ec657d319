// Checks that a module's default export really is a plugin, so a broken plugin file gets a clear message.
import type { AlertPlugin, CheckPlugin } from '../plugin.js';
import { POLICY_KEYS } from '../config/alert-policy-schema.js';
import { NAME_PATTERN } from '../config/schema.js';

export type AnyPlugin = CheckPlugin | AlertPlugin;

/** The problem with `value` as a plugin, or undefined when it is a valid one. */
export function pluginProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return 'the default export is not a plugin: export default defineCheck({...}) or defineAlert({...})';
  const plugin = value as Partial<CheckPlugin> & Partial<AlertPlugin> & { kind?: unknown };
  if (plugin.kind !== 'check' && plugin.kind !== 'alert') {
    return 'the default export is not a plugin: wrap it in defineCheck({...}) or defineAlert({...}) from "vigil/plugin"';
  }
  if (typeof plugin.type !== 'string' || !NAME_PATTERN.test(plugin.type)) {
    return `'type' must be a name of letters, digits, '_', '.', '-' (got ${JSON.stringify(plugin.type)})`;
  }
  const def = (plugin.options as { _zod?: { def?: { type?: string } } } | undefined)?._zod?.def;
  if (def?.type !== 'object') return `plugin '${plugin.type}': 'options' must be a z.object({...}) schema`;
  if (plugin.kind === 'check' && typeof plugin.run !== 'function') return `check '${plugin.type}': 'run' must be a function`;
  if (plugin.kind === 'alert' && typeof plugin.fire !== 'function') return `alert '${plugin.type}': 'fire' must be a function`;
  if (plugin.kind === 'alert') {
    const shape = (plugin.options as unknown as { shape: Record<string, unknown> }).shape;
    const reserved = Object.keys(shape).filter((key) => POLICY_KEYS.includes(key) || key === 'type');
    if (reserved.length) return `alert '${plugin.type}': option name(s) ${reserved.join(', ')} belong to the alert policy; choose other names`;
    if (plugin.mode !== undefined && plugin.mode !== 'notify' && plugin.mode !== 'state') return `alert '${plugin.type}': 'mode' must be 'notify' or 'state'`;
    if (plugin.fireDigest !== undefined && typeof plugin.fireDigest !== 'function') return `alert '${plugin.type}': 'fireDigest' must be a function`;
  }
  return undefined;
}
