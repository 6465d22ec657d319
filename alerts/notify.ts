// The `notify` action: keepalived's notify_up / notify_down. The command runs with exactly its own
// arguments (nothing appended), once per transition, so existing keepalived notify scripts work
// unchanged. Per-host commands override the service-wide ones, like keepalived's per real_server
// hooks. For scripts that want more, the facts are in VIGIL_* environment variables.
import { commandSchema, defineAlert, describeError, duration, runProcess, z } from 'vigil/plugin';

const hooks = {
  notify_up: commandSchema().optional().meta({ description: 'Run when a target comes up (keepalived notify_up)' }),
  notify_down: commandSchema().optional().meta({ description: 'Run when a target goes down (keepalived notify_down)' }),
};

export default defineAlert({
  type: 'notify',
  description: 'Runs keepalived-style notify_up/notify_down commands (no arguments appended)',
  // keepalived runs its notify hooks on every transition, at once.
  mode: 'state',
  options: z.strictObject({
    ...hooks,
    hosts: z.record(z.string(), z.strictObject(hooks)).optional().meta({ description: 'Per host name: its own notify_up/notify_down commands, used instead of the service-wide ones' }),
    command_timeout: duration().default(10_000).meta({ description: 'A command still running after this is killed (its process group)' }),
  }),
  async fire(event, options, ctx) {
    const direction = event.kind === 'up' ? 'up' : event.kind === 'down' || event.kind === 'flapping' ? 'down' : undefined;
    if (!direction) return; // repeats, startup and tests are not keepalived transitions
    // Like keepalived, the state presumed at start (up, or down with alpha) confirmed is no transition.
    const presumed = ctx.targets().find((routed) => routed.target.id === event.target.id)?.initialState ?? 'up';
    if (event.from === 'unknown' && event.to === presumed) return;
    const own = options.hosts?.[event.target.name];
    const key = direction === 'up' ? 'notify_up' : 'notify_down';
    const command = own?.[key] ?? options[key];
    if (!command) return;
    const run = await runProcess({
      command: command[0]!,
      args: command.slice(1),
      env: {
        PATH: process.env.PATH,
        VIGIL_EVENT: direction,
        VIGIL_TARGET: event.target.id,
        VIGIL_SERVICE: event.target.service,
        VIGIL_HOST: event.target.name,
        VIGIL_ADDRESS: event.target.address,
        VIGIL_PORT: event.target.port === undefined ? '' : String(event.target.port),
        VIGIL_MESSAGE: event.result.message ?? '',
      },
      timeoutMs: options.command_timeout,
      signal: ctx.signal,
    });
    const ok = run.exitCode === 0;
    const outcome = run.spawnError ? describeError(run.spawnError) : run.timedOut ? `timed out after ${options.command_timeout}ms` : `exit ${run.exitCode ?? run.signal}`;
    ctx.record({ subject: event.target.id, kind: 'hook', command, ok, exitCode: run.exitCode, message: `notify_${direction}: ${outcome}` });
    if (!ok) throw new Error(`notify_${direction} ${command.join(' ')}: ${outcome}${run.stderr ? `: ${run.stderr.trim().split('\n')[0]}` : ''}`);
    ctx.log.info(`notify_${direction} for ${event.target.id}: ${command.join(' ')}`);
  },
});
