// Which targets a control command means: `SERVICE`, `SERVICE/HOST` as arguments, and/or the
// --service, --group, --host options (mon's `disable service G S`, `disable host H`, `disable watch G`).
import { Command } from './commander.js';
import type { Selector } from '../control/control-api.js';

export interface SelectorOptions {
  service?: string;
  group?: string;
  host?: string;
}

export function addSelectorOptions(command: Command): Command {
  return command
    .option('-s, --service <name>', 'every host of this service')
    .option('-g, --group <name>', 'every target whose host group is this')
    .option('--host <host>', 'this host (name or address) in every service, or in --service');
}

/** One selector per positional argument (combined with the options), or the options alone. */
export function selectorsFrom(targets: string[], options: SelectorOptions): Selector[] {
  const base: Selector = {};
  if (options.service) base.service = options.service;
  if (options.group) base.group = options.group;
  if (options.host) base.host = options.host;
  if (!targets.length) {
    if (!Object.keys(base).length) throw new Error('name the targets: SERVICE or SERVICE/HOST, or --service, --group, --host');
    return [base];
  }
  const selectors = targets.map((text): Selector => {
    const slash = text.indexOf('/');
    const service = slash < 0 ? text : text.slice(0, slash);
    const host = slash < 0 ? undefined : text.slice(slash + 1);
    if (!service || host === '') throw new Error(`cannot read target ${JSON.stringify(text)}: write SERVICE or SERVICE/HOST`);
    return { ...base, service, ...(host ? { host } : {}) };
  });
  // The same target named twice (`check-now T T`) is asked for once.
  return [...new Map(selectors.map((selector) => [JSON.stringify(selector), selector])).values()];
}
