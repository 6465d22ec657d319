import { Command, Option } from '../commander.js';
import { runDaemon } from '../../daemon.js';
import { configOption, examples } from '../config-option.js';

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon in the foreground: check, decide, act, record')
    .addOption(configOption())
    .addOption(new Option('--log-format <format>', 'log lines for people or JSON for machines').choices(['text', 'json']))
    .addOption(new Option('--log-level <level>', 'least important messages shown').choices(['debug', 'info', 'warn', 'error']))
    .option('--pid-file <file>', 'write the daemon PID here (removed on clean stop)')
    .addHelpText(
      'after',
      examples([
        'vigil run -c /etc/vigil/vigil.yaml',
        'vigil run -c vigil.yaml --log-format json | jq .',
        'kill -HUP $(cat /run/vigil.pid)   # reload; a bad config is rejected, the old one keeps running',
      ]),
    )
    .action(async (options: { config: string; logFormat?: 'text' | 'json'; logLevel?: 'debug' | 'info' | 'warn' | 'error'; pidFile?: string }) => {
      let code: number;
      try {
        code = await runDaemon({ configFile: options.config, logFormat: options.logFormat, logLevel: options.logLevel, pidFile: options.pidFile });
      } catch (err) {
        // A start that failed in a way runDaemon did not foresee: say so and exit non-zero, not hang.
        process.stderr.write(`vigil: not started: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
        code = 1;
      }
      // The daemon has stopped in order and flushed its history: exit now, so a handle a plugin
      // leaked (a socket it never closed) cannot keep a stopped daemon alive.
      process.exit(code);
    });
}
