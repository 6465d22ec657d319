// `vigil track`: for keepalived's vrrp_script / track_script. Exits 0 while every virtual
// service this director fronts is healthy (quorum met, table managed) according to the running
// daemon, 1 otherwise. The daemon's ipvs alerts publish their state in the history database and
// refresh it at every resync: a status not refreshed in time means the daemon is dead or stuck,
// and that counts as a failure too, so VRRP moves the VIP to the peer.
import { Command } from 'commander';
import { formatDuration } from '../../config/duration-text.js';
import { describeError } from '../../describe-error.js';
import { openReadOnlyDatabase } from '../../history/open-database.js';
import { queryStatuses } from '../../history/lvs-query.js';
import { configOption, examples } from '../config-option.js';

interface TrackOptions {
  config: string;
  db?: string;
  virtualServer?: string[];
  quiet?: boolean;
}

/** `web` and `virtual_servers.web` both name the ipvs alert of virtual server web. */
const alertName = (name: string) => (name.includes('.') ? name : `virtual_servers.${name}`);

export function trackCommand(): Command {
  return new Command('track')
    .description("exit 0 while the virtual services this director fronts are healthy, 1 when any is below quorum or the daemon is not reporting (keepalived track_script)")
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config; with --db the config is not read)')
    .option('--virtual-server <name...>', 'only these virtual servers (default: every ipvs alert in the config, or every one recorded when only --db is given)')
    .option('-q, --quiet', 'print nothing, only the exit status')
    .addHelpText(
      'after',
      examples([
        'vigil track --db /var/lib/vigil/history.db',
        'vigil track -c /etc/vigil/vigil.yaml --virtual-server web shop',
        '# keepalived.conf:',
        '#   vrrp_script vigil { script "/usr/local/bin/vigil track --db /var/lib/vigil/history.db" interval 2 fall 2 rise 2 weight -50 }',
      ]),
    )
    .action(async (options: TrackOptions) => {
      const say = (line: string) => options.quiet || console.log(line);
      try {
        let file = options.db;
        let wanted = options.virtualServer?.map(alertName);
        if (!file) {
          // Loaded only here: keepalived runs `vigil track --db` every few seconds, which needs neither.
          const [{ loadConfig }, { buildPlan }] = await Promise.all([import('../../config/load-config.js'), import('../../plan.js')]);
          const plan = buildPlan(await loadConfig(options.config));
          file = plan.config.history.path;
          wanted ??= [...plan.alerts.values()].filter((alert) => alert.type === 'ipvs').map((alert) => alert.name);
        }
        const db = openReadOnlyDatabase(file);
        const statuses = queryStatuses(db);
        db.close();
        const now = Date.now();
        const selected = wanted ?? statuses.map((status) => status.alert);
        if (!selected.length) {
          say('FAIL no virtual service status recorded: is vigil running with virtual_servers?');
          process.exitCode = 1;
          return;
        }
        let failed = 0;
        for (const name of selected) {
          const status = statuses.find((row) => row.alert === name);
          const label = (status?.detail?.service as string | undefined) ?? name;
          if (!status) {
            failed++;
            say(`FAIL ${name}: no status recorded (is vigil running with this config?)`);
          } else if (now - status.updatedAt > status.staleAfterMs) {
            failed++;
            say(`FAIL ${label}: no report from vigil (pid ${status.pid}) for ${formatDuration(now - status.updatedAt)}: the daemon is stopped or stuck (last: ${status.summary})`);
          } else if (!status.healthy) {
            failed++;
            say(`FAIL ${label}: ${status.summary}`);
          } else {
            say(`OK   ${label}: ${status.summary}`);
          }
        }
        process.exitCode = failed ? 1 : 0;
      } catch (err) {
        say(`FAIL ${describeError(err)}`);
        process.exitCode = 1;
      }
    });
}
