// `vigil track`: for keepalived's vrrp_script / track_script. Exits 0 while every virtual
// service this director fronts is healthy (quorum met, table managed) according to the running
// daemon, 1 otherwise (`--service`: plain services, asked of the daemon). The daemon's ipvs
// alerts publish their state in the history database and refresh it at every resync: a status
// not refreshed in time means the daemon is dead or stuck, and that counts as a failure too, so
// VRRP moves the VIP to the peer.
import { Command } from '../commander.js';
import { formatDuration } from '../../config/duration-text.js';
import { describeError } from '../../describe-error.js';
import { openReadOnlyDatabase } from '../../history/open-database.js';
import { queryStatuses } from '../../history/lvs-query.js';
import type { StatusAnswer } from '../../control/control-api.js';
import { configOption, examples } from '../config-option.js';

interface TrackOptions {
  config: string;
  db?: string;
  virtualServer?: string[];
  service?: string[];
  minUp: string;
  socket?: string;
  quiet?: boolean;
}

/** `web` and `virtual_servers.web` both name the ipvs alert of virtual server web. */
const alertName = (name: string) => (name.includes('.') ? name : `virtual_servers.${name}`);

/**
 * Services (no LVS: a proxy on this director, say), asked of the running daemon: OK while each
 * has at least `--min-up` targets UP. A daemon that does not answer fails them all — the VIP
 * should not stay where nobody watches.
 */
async function trackServices(services: string[], options: TrackOptions, say: (line: string) => void): Promise<number> {
  const minUp = Number(options.minUp);
  if (!Number.isInteger(minUp) || minUp < 1) throw new Error(`--min-up: expected a whole number of targets (1 or more), got ${options.minUp}`);
  const [{ askDaemon }, { API_PREFIX }] = await Promise.all([import('../daemon-client.js'), import('../../control/control-api.js')]);
  let failed = 0;
  for (const service of services) {
    const reply = await askDaemon<StatusAnswer | { error: string }>(options, 'GET', `${API_PREFIX}/status?${new URLSearchParams({ service })}`, undefined, 5_000);
    const targets = reply.status < 400 ? (reply.body as StatusAnswer).targets : [];
    const up = targets.filter((target) => target.state === 'up').length;
    const ok = targets.length > 0 && up >= minUp;
    if (!ok) failed++;
    const need = minUp > 1 ? `, need ${minUp}` : '';
    const why = reply.status >= 400 ? ((reply.body as { error?: string }).error ?? `the daemon answered ${reply.status}`) : `${up}/${targets.length} targets up${need}`;
    say(`${ok ? 'OK  ' : 'FAIL'} ${service}: ${why}`);
  }
  return failed ? 1 : 0;
}

export function trackCommand(): Command {
  return new Command('track')
    .description("exit 0 while the virtual services this director fronts are healthy, 1 when any is below quorum or the daemon is not reporting (keepalived track_script)")
    .addOption(configOption())
    .option('--db <file>', 'history database (default: history.path from the config; with --db the config is not read)')
    .option('--virtual-server <name...>', 'only these virtual servers (default: every ipvs alert in the config, or every one recorded when only --db is given)')
    .option('--service <name...>', 'instead: these services, asked of the running daemon (not virtual servers); each needs --min-up targets UP')
    .option('--min-up <count>', 'with --service: UP targets a service needs', '1')
    .option('--socket <path>', 'with --service: the daemon control socket (default: control.socket from the config)')
    .option('-q, --quiet', 'print nothing, only the exit status')
    .addHelpText(
      'after',
      examples([
        'vigil track --db /var/lib/vigil/history.db',
        'vigil track -c /etc/vigil/vigil.yaml --virtual-server web shop',
        'vigil track --service haproxy-local --socket /run/vigil/vigil.sock   # a service on this director, no LVS',
        '# keepalived.conf:',
        '#   vrrp_script vigil { script "/usr/local/bin/vigil track --db /var/lib/vigil/history.db" interval 2 fall 2 rise 2 weight -50 }',
      ]),
    )
    .action(async (options: TrackOptions) => {
      const say = (line: string) => options.quiet || console.log(line);
      try {
        if (options.service) return void (process.exitCode = await trackServices(options.service, options, say));
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
