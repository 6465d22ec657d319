import { Command } from '../commander.js';
import { parseDuration } from '../../config/duration.js';
import { runDemo } from '../../demo/run-demo.js';
import { examples } from '../config-option.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('start local backend servers and the real daemon watching them; backends fail and recover now and then')
    .option('--dir <dir>', 'where the demo config and history database go', 'vigil-demo')
    .option('--duration <duration>', 'stop after this long, counted from when the daemon runs (default: until Ctrl-C)')
    .option('--chaos-every <duration>', 'time between a backend stopping and starting', '15s')
    .option('--interval <duration>', 'check interval in the demo config', '2s')
    .addHelpText('after', examples(['vigil demo', 'vigil demo --chaos-every 5s --duration 1m', '# in another shell:', './bin/vigil history -c vigil-demo/vigil.yaml']))
    .action(async (options: { dir: string; duration?: string; chaosEvery: string; interval: string }) => {
      const durationMs = options.duration === undefined ? undefined : parseDuration(options.duration);
      const chaosEveryMs = parseDuration(options.chaosEvery);
      const intervalMs = parseDuration(options.interval);
      if ((options.duration !== undefined && durationMs === undefined) || chaosEveryMs === undefined || intervalMs === undefined) {
        console.error('vigil demo: --duration, --chaos-every and --interval take durations such as 500ms, 30s or 2m');
        process.exitCode = 1;
        return;
      }
      process.exitCode = await runDemo({ dir: options.dir, durationMs, chaosEveryMs, intervalMs });
    });
}
