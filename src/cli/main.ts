// The `vigil` command line. Each command's module is loaded only when that command runs (all of
// them for help), so `vigil status` or `vigil history` does not pay for the daemon's code.
import { Command } from './commander.js';
import { VERSION } from '../version.js';
import { examples } from './config-option.js';
import { requireCommonJs } from '../require-commonjs.js';

const COMMANDS: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./commands/run.js')).runCommand(),
  'check-config': async () => (await import('./commands/check-config.js')).checkConfigCommand(),
  probe: async () => (await import('./commands/probe.js')).probeCommand(),
  status: async () => (await import('./commands/status.js')).statusCommand(),
  history: async () => (await import('./commands/history.js')).historyCommand(),
  availability: async () => (await import('./commands/availability.js')).availabilityCommand(),
  checks: async () => (await import('./commands/checks.js')).checksCommand(),
  timeline: async () => (await import('./commands/timeline.js')).timelineCommand(),
  disable: async () => (await import('./commands/disable.js')).disableCommand(),
  enable: async () => (await import('./commands/disable.js')).enableCommand(),
  ack: async () => (await import('./commands/ack.js')).ackCommand(),
  maintenance: async () => (await import('./commands/maintenance.js')).maintenanceCommand(),
  reload: async () => (await import('./commands/reload.js')).reloadCommand(),
  'check-now': async () => (await import('./commands/check-now.js')).checkNowCommand(),
  alerts: async () => (await import('./commands/alerts.js')).alertsCommand(),
  actions: async () => (await import('./commands/lvs-log.js')).actionsCommand(),
  vrrp: async () => (await import('./commands/lvs-log.js')).vrrpCommand(),
  'vrrp-notify': async () => (await import('./commands/vrrp-notify.js')).vrrpNotifyCommand(),
  track: async () => (await import('./commands/track.js')).trackCommand(),
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
  schema: async () => (await import('./commands/schema.js')).schemaCommand(),
  import: async () => (await import('./commands/import.js')).importCommand(),
};

const program = new Command('vigil')
  .description('health checks and failover for Linux Virtual Server directors')
  .version(VERSION)
  .addHelpText(
    'after',
    examples([
      'vigil demo                                   # see it work on local servers',
      'vigil check-config -c /etc/vigil/vigil.yaml',
      'vigil run -c /etc/vigil/vigil.yaml',
      'vigil status',
      'vigil probe http://127.0.0.1:8080/health',
      'vigil history --since 1d',
      'vigil alerts log --failed',
      'vigil availability --since 30d --by service',
      'vigil checks --since 7d --by service             # checks run, failed, latency',
      'vigil disable web-http/web2 --reason "disk swap"',
      'vigil import mon /etc/mon/mon.cf -o vigil.yaml    # migrate from mon, ldirectord or keepalived',
    ]),
  );

const requested = process.argv[2];
// A report from the history database is over in a fraction of a second: optimising its loops with
// TurboFan costs more than it saves, and Node waits at exit for a compilation still running
// (20-40 ms of a 250 ms `vigil availability` over 10,000 targets). Everything else keeps it: the
// daemon runs for months, and reading a config of 10,000 targets (check-config, probe -c, import)
// takes a third longer without it.
// A report also keeps nearly everything it allocates until it prints: the young generation, which
// V8 doubles at a time from 1 MB, copies those rows again at every step. Grown to its full 16 MB at
// once, it copies them about twice (a tenth of `vigil availability`'s work over 10,000 targets).
const HISTORY_REPORTS = new Set(['history', 'availability', 'checks', 'timeline', 'alerts', 'actions', 'vrrp', 'status']);
if (requested !== undefined && HISTORY_REPORTS.has(requested)) (requireCommonJs('node:v8') as typeof import('node:v8')).setFlagsFromString('--no-opt --semi-space-growth-factor=16');
const versionOnly = requested === '--version' || requested === '-V';
const wanted = versionOnly ? [] : requested !== undefined && requested in COMMANDS ? [COMMANDS[requested]!] : Object.values(COMMANDS);
for (const load of wanted) program.addCommand(await load());

await program.parseAsync(process.argv);
