// The check and alert types the daemon knows, each with the file it came from.
import type { AlertPlugin, CheckPlugin } from '../plugin.js';

export interface Registered<P> {
  plugin: P;
  /** File the plugin was loaded from (for messages). */
  source: string;
  builtin: boolean;
}

export interface PluginRegistry {
  checks: Map<string, Registered<CheckPlugin>>;
  alerts: Map<string, Registered<AlertPlugin>>;
}

export function emptyRegistry(): PluginRegistry {
  return { checks: new Map(), alerts: new Map() };
}

export function copyRegistry(registry: PluginRegistry): PluginRegistry {
  return { checks: new Map(registry.checks), alerts: new Map(registry.alerts) };
}
