// The `notify` action: keepalived's notify_up / notify_down. The command runs with exactly its own
// arguments (nothing appended), once per transition, so existing keepalived notify scripts work
// unchanged. Per-host commands override the service-wide ones, like keepalived's per real_server
// hooks. For scripts that want more, the facts are in VIGIL_* environment variables.
import { commandSchema, defineAlert, describeError, duration, runProcess, z, type AlertServices, type Target } from 'vigil/plugin';

const hooks = {
  notify_up: commandSchema().optional().meta({ description: 'Run when a target comes up (keepalived notify_up)' }),
  notify_down: commandSchema().optional().meta({ description: 'Run when a target goes down (keepalived notify_down)' }),
};

const notifyAlert = defineAlert({
  type: 'notify',
  description: 'Runs keepalived-style notify_up/notify_down commands (no arguments appended)',
  // keepalived runs its notify hooks on every transition, at once.
  mode: 'state',
  options: z.strictObject({
    ...hooks,
    hosts: z.record(z.string(), z.strictObject(hooks)).optional().meta({ description: 'Per host name: its own notify_up/notify_down commands, used instead of the service-wide ones' }),
    command_timeout: duration().default(10_000).meta({ description: 'A command still running after this is killed (its process group)' }),
    omega: z.boolean().default(false).meta({ description: 'When Vigil stops, run notify_down for every target still up (keepalived omega)' }),
  }),
  async fire(event, options, ctx) {
    const direction = event.kind === 'up' ? 'up' : event.kind === 'down' || event.kind === 'flapping' ? 'down' : undefined;
    if (!direction) return; // repeats, startup and tests are not keepalived transitions
    // Like keepalived, the state presumed at start (up, or down with alpha) confirmed is no transition.
    const presumed = ctx.targets().find((routed) => routed.target.id === event.target.id)?.initialState ?? 'up';
    if (event.from === 'unknown' && event.to === presumed) return;
    await runHook(direction, event.target, event.result.message ?? '', options, ctx, ctx.signal);
  },
  async stop(options, ctx) {
    if (ctx.reason !== 'shutdown' || !options.omega) return;
    // keepalived's omega: every real server still up is told it goes down with the daemon.
    const up = ctx.targets().filter((routed) => routed.state === 'up');
    await Promise.all(up.map((routed) => runHook('down', routed.target, 'vigil is stopping', options, ctx).catch((err: unknown) => ctx.log.error(describeError(err)))));
  },
});

type Options = Parameters<typeof notifyAlert.fire>[1];

/** Runs notify_up or notify_down for one target: the host's own command, else the service-wide one. */
async function runHook(direction: 'up' | 'down', target: Target, message: string, options: Options, ctx: AlertServices, signal?: AbortSignal): Promise<void> {
  const own = options.hosts?.[target.name];
  const key = direction === 'up' ? 'notify_up' : 'notify_down';
  const command = own?.[key] ?? options[key];
  if (!command) return;
  const run = await runProcess({
    command: command[0]!,
    args: command.slice(1),
    env: {
      PATH: process.env.PATH,
      VIGIL_EVENT: direction,
      VIGIL_TARGET: target.id,
      VIGIL_SERVICE: target.service,
      VIGIL_HOST: target.name,
      VIGIL_ADDRESS: target.address,
      VIGIL_PORT: target.port === undefined ? '' : String(target.port),
      VIGIL_MESSAGE: message,
    },
    timeoutMs: options.command_timeout,
    signal,
  });
  const ok = run.exitCode === 0;
  const outcome = run.spawnError ? describeError(run.spawnError) : run.timedOut ? `timed out after ${options.command_timeout}ms` : `exit ${run.exitCode ?? run.signal}`;
  ctx.record({ subject: target.id, kind: 'hook', command, ok, exitCode: run.exitCode, message: `notify_${direction}: ${outcome}` });
  if (!ok) throw new Error(`notify_${direction} ${command.join(' ')}: ${outcome}${run.stderr ? `: ${run.stderr.trim().split('\n')[0]}` : ''}`);
  ctx.log.info(`notify_${direction} for ${target.id}: ${command.join(' ')}`);
}

export default notifyAlert;
