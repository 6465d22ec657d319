// `vigil vrrp-notify`: the receiver for keepalived's `notify` hook, which appends four
// arguments — INSTANCE|GROUP, the name, MASTER|BACKUP|FAULT|STOP, the priority — to the
// configured command. Records the change in the history database beside the outages.
import os from 'node:os';
import { Command } from '../commander.js';
import { loadConfig } from '../../config/load-config.js';
import { describeError } from '../../describe-error.js';
import { insertVrrp } from '../../history/lvs-query.js';
import { openWritableDatabase } from '../../history/open-database.js';
import { configOption, examples } from '../config-option.js';

const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP'];

export function vrrpNotifyCommand(): Command {
  return new Command('vrrp-notify')
    .description("record a VRRP state change: keepalived's notify hook appends INSTANCE|GROUP NAME STATE PRIORITY")
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config)')
    .option('--node <name>', 'which director this is (default: the host name)', os.hostname())
    .argument('<kind>', 'INSTANCE or GROUP')
    .argument('<name>', 'the vrrp_instance or vrrp_sync_group name')
    .argument('<state>', 'MASTER, BACKUP, FAULT or STOP')
    .argument('[priority]', 'the effective priority')
    .addHelpText('after', examples(['# keepalived.conf, in a vrrp_instance:', '#   notify "/usr/local/bin/vigil vrrp-notify --db /var/lib/vigil/history.db"', 'vigil vrrp-notify --db history.db INSTANCE VI_1 MASTER 150']))
    .action(async (kind: string, name: string, state: string, priority: string | undefined, options: { config: string; db?: string; node: string }) => {
      try {
        const upperKind = kind.toUpperCase();
        if (upperKind !== 'INSTANCE' && upperKind !== 'GROUP') throw new Error(`expected INSTANCE or GROUP as the first of keepalived's arguments, got ${JSON.stringify(kind)}`);
        // The states keepalived's notify hook passes (docs/keepalived.md): anything else is a mistake in the hook's command.
        if (!VRRP_STATES.includes(state.toUpperCase())) throw new Error(`expected the VRRP state MASTER, BACKUP, FAULT or STOP, got ${JSON.stringify(state)}`);
        if (priority !== undefined && !/^\d+$/.test(priority)) throw new Error(`expected the priority as a whole number, got ${JSON.stringify(priority)}`);
        const file = options.db ?? (await loadConfig(options.config)).config.history.path;
        const db = openWritableDatabase(file);
        db.pragma('busy_timeout = 5000'); // the daemon may be writing: wait for it rather than lose the record
        try {
          insertVrrp(db, { at: Date.now(), node: options.node, kind: upperKind, name, state: state.toUpperCase(), priority: priority === undefined ? null : Number(priority) });
        } finally {
          db.close();
        }
      } catch (err) {
        console.error(`vigil vrrp-notify: ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
