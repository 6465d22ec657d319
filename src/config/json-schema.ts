// The JSON Schema of the config, for editors (yaml-language-server: `# yaml-language-server: $schema=...`).
// Check and alert options come from the plugins, so the schema completes them too.
import { z } from 'zod';
import type { PluginRegistry } from '../plugins/registry.js';
import { decisionShape, deliveryShape } from './alert-policy-schema.js';
import { configSchema, NAME_PATTERN, serviceSchema, virtualServerEntrySchema } from './schema.js';
import { realServerObjectSchema } from './schema-lvs.js';

function pluginUnion(plugins: Array<{ type: string; description?: string; options: z.ZodObject }>, extra: z.ZodRawShape = {}) {
  const variants = plugins.map((plugin) =>
    plugin.options.extend({ type: z.literal(plugin.type).describe(plugin.description ?? plugin.type), ...extra }),
  );
  if (variants.length === 0) return z.looseObject({ type: z.string() });
  if (variants.length === 1) return variants[0]!;
  return z.discriminatedUnion('type', variants as unknown as [z.ZodObject, z.ZodObject, ...z.ZodObject[]]);
}

export function configJsonSchema(registry: PluginRegistry): Record<string, unknown> {
  const sorted = <P extends { type: string }>(entries: Iterable<{ plugin: P }>) =>
    [...entries].map((entry) => entry.plugin).sort((a, b) => a.type.localeCompare(b.type));
  const oneCheck = pluginUnion(sorted(registry.checks.values()));
  const check = z.union([oneCheck, z.array(oneCheck).min(1)]); // one check, or a list that must all pass
  const alert = pluginUnion(sorted(registry.alerts.values()), { ...decisionShape, ...deliveryShape });
  const key = z.string().regex(NAME_PATTERN);
  const full = configSchema.extend({
    services: z.record(key, serviceSchema.extend({ check })).optional(), // a director may have only virtual_servers
    alerts: z.record(key, alert).optional(),
    virtual_servers: z
      .record(
        key,
        virtualServerEntrySchema.safeExtend({
          check: check as never,
          real_servers: z.array(z.union([z.string(), realServerObjectSchema.extend({ check: check.optional() })])).min(1) as never,
        }),
      )
      .optional(),
  });
  return {
    ...z.toJSONSchema(full, { io: 'input', unrepresentable: 'any', target: 'draft-7', reused: 'ref' }),
    title: 'Vigil configuration',
  };
}
