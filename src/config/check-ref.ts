// How a config names a plugin: `type` plus that plugin's options, which its own schema checks later
// (validate-references.ts); and a check, which may be a list of them that must all pass.
import { z } from 'zod';

export const pluginRef = z.looseObject({ type: z.string({ error: 'expected the plugin type name' }) });

/** One check, or a list that must all pass (keepalived: a real server with several checkers). */
export const checkRef = (description: string) =>
  z.union([pluginRef, z.array(pluginRef).min(1)], { error: 'expected a check ({type: ..., options}) or a list of checks' }).meta({ description });
