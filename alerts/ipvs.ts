// The `ipvs` action: keeps one LVS virtual service's table in line with the health of its real
// servers, through the real ipvsadm binary. It keeps its own view of the pool, built from the
// events delivered to it (so when the alert policy holds events back — maintenance — the table
// holds still), reads the table (`ipvsadm -S -n`) before changing it, changes only what differs,
// and re-reads it periodically to repair drift. Quorum, the sorry server and the panic guard
// decide what "the pool" is; see docs/lvs.md.
import { defineAlert, describeError, formatDuration, lvs, runProcess, type AlertEvent, type AlertServices, type Target } from 'vigil/plugin';

type Options = lvs.IpvsOptions;

interface MemberView {
  target: Target;
  live: boolean;
  /** Held out of the pool after a `flapping` event, until a later `up`. */
  held: boolean;
  outSince?: number;
  dynamicWeight?: number;
}

const DEFAULT_RESYNC_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const HOOK_TIMEOUT_MS = 30_000;

/** "ipvsadm cannot work here" is said once per binary, not once per call or per service. */
const unavailableSaid = new Map<string, string>();

class PoolKeeper {
  private readonly members = new Map<string, MemberView>();
  private readonly ipvsadm: lvs.Ipvsadm;
  private readonly key: lvs.VirtualServiceKey;
  private readonly subject: string;
  private readonly policy: lvs.PoolPolicy;
  private readonly settings: lvs.ServiceSettings;
  private readonly resyncMs: number;
  private believed: lvs.IpvsService | undefined;
  private believedKnown = false;
  private quorumUp: boolean | undefined;
  private panic: string[] | undefined;
  private sorryActive = false;
  private missingServiceSaid = false;
  private readonly failures = new Set<string>();
  private lastHealthy: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private pending: string | undefined;
  private stopped = false;
  /** quorum_up / quorum_down runs, one after another, beside the syncs (never holding them up). */
  private hooks: Promise<void> = Promise.resolve();
  private readonly hooksAbort = new AbortController();

  constructor(
    private readonly options: Options,
    private services: AlertServices,
  ) {
    this.key = options.service;
    this.subject = lvs.formatServiceKey(this.key);
    this.ipvsadm = new lvs.Ipvsadm({ path: options.ipvsadm ?? lvs.defaultIpvsadmPath(), timeoutMs: options.command_timeout ?? DEFAULT_COMMAND_TIMEOUT_MS });
    this.resyncMs = options.resync_interval ?? DEFAULT_RESYNC_MS;
    const forwarding = options.forwarding ?? 'dr';
    const sorry = options.sorry_server && {
      address: options.sorry_server.address,
      port: options.sorry_server.port,
      weight: options.sorry_server.weight ?? 1,
      forwarding: options.sorry_server.forwarding ?? forwarding,
    };
    this.policy = {
      key: this.key,
      forwarding,
      onDown: options.on_down ?? 'quiesce',
      sorry,
      quorum: options.quorum ?? 1,
      hysteresis: options.hysteresis ?? 0,
      panic: {
        policy: options.panic_guard?.policy ?? (sorry ? 'sorry' : 'keep'),
        keep: options.panic_guard?.keep ?? 1,
        windowMs: options.panic_guard?.window ?? 0,
      },
    };
    this.settings = {
      scheduler: options.scheduler ?? 'wlc',
      persistent: lvs.persistenceSeconds(options.persistent),
      netmask: options.netmask,
      schedulerFlags: options.scheduler_flags,
      onePacket: options.ops,
    };
  }

  private get log() {
    return this.services.log;
  }

  async start(services: AlertServices): Promise<void> {
    this.services = services;
    for (const routed of services.targets()) this.members.set(routed.target.id, this.memberFrom(routed));
    const mode = this.options.dry_run ? ' (dry run: commands are logged, not run)' : '';
    this.log.info(`ipvs ${this.subject}: managing ${this.members.size} real server(s) with ${this.ipvsadm.options.path}${mode}; table re-read every ${formatDuration(this.resyncMs)}`);
    void this.sync('start'); // not awaited: a slow ipvsadm must not hold up the checks
    this.timer = setInterval(() => void this.sync('resync'), this.resyncMs);
    this.timer.unref();
  }

  async event(event: AlertEvent, services: AlertServices): Promise<void> {
    this.services = services;
    const member = this.members.get(event.target.id);
    if (!member || event.kind === 'test') return;
    if (event.result.weight !== undefined) member.dynamicWeight = event.result.weight;
    const at = event.at.getTime();
    switch (event.kind) {
      case 'up':
        member.live = true;
        member.held = false;
        member.outSince = undefined;
        break;
      case 'down':
      case 'repeat':
        if (member.live) member.outSince = at;
        member.live = false;
        break;
      case 'flapping':
        if (member.live) member.outSince = at;
        member.live = false;
        member.held = true;
        this.log.warn(`ipvs ${this.subject}: ${event.target.name} is flapping: held out of the pool until it is reported up again`);
        break;
      case 'startup':
        member.live = event.to === 'up' && !member.held;
        if (!member.live) member.outSince ??= at;
        break;
    }
    await this.sync(`${event.kind} ${event.target.name}`);
  }

  async weight(targetId: string, weight: number, services: AlertServices): Promise<void> {
    this.services = services;
    const member = this.members.get(targetId);
    if (!member || member.dynamicWeight === weight) return;
    member.dynamicWeight = weight;
    await this.sync(`weight ${member.target.name} → ${weight}`);
  }

  async stop(reason: 'shutdown' | 'removed' | 'replaced', services: AlertServices): Promise<void> {
    this.services = services;
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    this.hooksAbort.abort(); // a hook still running is cut: the daemon is going away
    await this.hooks;
    // keepalived's omega: the daemon going away takes quorum down with it.
    if (reason === 'shutdown' && this.options.omega && this.quorumUp) {
      const plan = lvs.planPool(this.poolMembers(), this.policy, this.quorumUp);
      await this.runQuorumHook({ quorumUp: false, liveWeight: plan.liveWeight }, { why: 'vigil is stopping' });
    }
    if (reason !== 'replaced' && this.options.cleanstop) await this.cleanStop();
    if (reason === 'removed') services.reportStatus(undefined);
    else if (reason === 'shutdown') services.reportStatus({ healthy: false, summary: 'vigil stopped', staleAfterMs: this.staleAfterMs() });
  }

  private memberFrom(routed: ReturnType<AlertServices['targets']>[number]): MemberView {
    const live = routed.state === 'up' || (routed.state === 'unknown' && routed.initialState === 'up');
    // Only a server found DOWN has failed: one not checked yet (initial_state: down) is out of the
    // pool without having failed, so the panic guard does not count it.
    return { target: routed.target, live, held: false, outSince: routed.state === 'down' ? routed.since : undefined, dynamicWeight: routed.reportedWeight };
  }

  private staleAfterMs(): number {
    return 3 * this.resyncMs + 2 * this.ipvsadm.options.timeoutMs;
  }

  /** Runs one sync at a time; requests arriving meanwhile are folded into one more run. */
  private sync(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.pending = this.pending && this.pending !== 'resync' ? this.pending : reason;
      return this.running;
    }
    this.running = (async () => {
      try {
        await this.syncOnce(reason);
        while (this.pending && !this.stopped) {
          const next = this.pending;
          this.pending = undefined;
          await this.syncOnce(next);
        }
      } catch (err) {
        this.log.error(`ipvs ${this.subject}: sync failed: ${describeError(err)}`);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private poolMembers(): lvs.PoolMember[] {
    return [...this.members.values()].map((member) => ({
      id: member.target.id,
      address: member.target.address,
      port: member.target.port,
      weight: member.target.weight ?? 1,
      dynamicWeight: member.dynamicWeight,
      live: member.live && !member.held,
      outSince: member.outSince,
    }));
  }

  private async syncOnce(reason: string): Promise<void> {
    const plan = lvs.planPool(this.poolMembers(), this.policy, this.quorumUp);
    const desired: lvs.DesiredService = { key: this.key, settings: this.settings, destinations: plan.destinations };
    const quorumChanged = this.quorumUp === undefined ? !plan.quorumUp : plan.quorumUp !== this.quorumUp;
    this.notePoolChanges(plan);
    this.quorumUp = plan.quorumUp;

    // A dry run reads the real table once, then plans against the table it would have made.
    const simulated = this.options.dry_run && this.believedKnown;
    const believedBefore = this.believedKnown ? this.believed : undefined;
    const knewTable = this.believedKnown;
    const read = simulated ? { services: this.believed ? [this.believed] : [] } : await this.ipvsadm.readTable();
    let actual: lvs.IpvsService | undefined;
    const tableRead = 'services' in read && !simulated;
    this.believedKnown = true;
    if (simulated) {
      actual = this.believed;
    } else if ('services' in read) {
      this.sayAvailable();
      actual = read.services.find((service) => lvs.sameKey(service.key, this.key));
    } else {
      this.sayUnavailable(read.result.unavailable ?? `ipvsadm -S -n failed: ${read.error}`, !!read.result.unavailable);
      actual = this.believed;
    }
    const create = this.options.create ?? true;
    if (tableRead && !actual && !create && !this.missingServiceSaid) {
      this.missingServiceSaid = true;
      this.log.warn(`ipvs ${this.subject}: the virtual service is not in the IPVS table and create is false: its real servers cannot be managed until it exists`);
    }
    const planOptions = { createService: create, manageSettings: create, removeUnknown: true };
    const changes = lvs.planChanges(actual, desired, planOptions);
    // Drift is what differs from the table as Vigil last left it, whatever this sync is for: the
    // changes the pool itself asks for (an event) are not drift, the rest are.
    const intended = knewTable ? lvs.planChanges(believedBefore, desired, planOptions).map((c) => c.args.join(' ')) : [];
    const drift = tableRead && knewTable && reason !== 'start' ? changes.filter((c) => !intended.includes(c.args.join(' '))) : [];
    if (drift.length) {
      this.log.warn(`ipvs ${this.subject}: drift: the table differs from the pool (${drift.map((c) => c.description).join('; ')}); repairing`);
      for (const change of drift) this.services.record({ subject: this.subject, kind: 'drift', command: change.args, ok: true, message: change.description });
    }
    if (changes.length && reason === 'start') {
      this.log.info(`ipvs ${this.subject}: reconciling at start: ${changes.map((c) => c.description).join('; ')}`);
    }
    const applied = await this.apply(changes, reason);
    this.believed = lvs.applyToTable(actual, desired, tableRead && !this.options.dry_run ? applied : changes);
    // Not awaited: a hook that hangs (a pager that does not answer) must not hold up the next sync
    // — a server coming back — for its whole timeout. Hooks still run in order.
    if (quorumChanged) {
      this.hooks = this.hooks
        .then(() => this.runQuorumHook(plan, { signal: this.hooksAbort.signal }))
        .catch((err: unknown) => this.log.error(`ipvs ${this.subject}: quorum hook failed: ${describeError(err)}`));
    }
    // Changes ipvsadm refused (a scheduler the kernel lacks, a table it will not take): the pool is
    // not what the checks say, whatever the checks say.
    const failing = tableRead && !this.options.dry_run ? changes.length - applied.length : 0;
    this.report(plan, tableRead || !!this.options.dry_run, failing);
  }

  /** Logs quorum, sorry-server and panic-guard changes. */
  private notePoolChanges(plan: lvs.PoolPlan): void {
    const panicNow = plan.panicKept?.join(',');
    if (panicNow !== this.panic?.join(',')) {
      if (plan.panicKept) {
        const kept = plan.panicKept.map((id) => this.members.get(id)?.target.name ?? id).join(', ');
        const message = `panic guard: every real server failed within ${formatDuration(this.policy.panic.windowMs)} — more likely this director's own network than the servers; keeping ${kept} in the pool`;
        this.log.error(`ipvs ${this.subject}: ${message}`);
        this.services.record({ subject: this.subject, kind: 'panic', ok: true, message });
      } else if (this.panic) {
        this.log.warn(`ipvs ${this.subject}: panic guard released: a real server is up again`);
        this.services.record({ subject: this.subject, kind: 'panic', ok: true, message: 'released' });
      }
      this.panic = plan.panicKept;
    }
    if (plan.sorryActive !== this.sorryActive) {
      const sorry = this.policy.sorry!;
      const where = lvs.formatEndpoint(sorry.address, lvs.effectiveDestinationPort(this.key, sorry.forwarding, sorry.port));
      if (plan.sorryActive) this.log.warn(`ipvs ${this.subject}: quorum lost (live weight ${plan.liveWeight} < ${this.policy.quorum}): sorry server ${where} in`);
      else this.log.info(`ipvs ${this.subject}: quorum back (live weight ${plan.liveWeight}): sorry server ${where} out`);
      this.sorryActive = plan.sorryActive;
    }
  }

  private async apply(changes: lvs.Change[], reason: string): Promise<lvs.Change[]> {
    const applied: lvs.Change[] = [];
    const path = this.ipvsadm.options.path;
    // A failure is said once while the same change keeps being retried at each resync; a change the
    // pool stopped asking for is forgotten, so when an event asks for it again it is news again.
    const pending = new Set(changes.map((change) => change.args.join(' ')));
    for (const key of this.failures) if (!pending.has(key.slice(0, key.indexOf('|')))) this.failures.delete(key);
    for (const change of changes) {
      const line = `${path} ${change.args.join(' ')}`;
      if (this.options.dry_run) {
        this.log.info(`ipvs ${this.subject}: dry run: would run: ${line} (${change.description})`);
        this.services.record({ subject: this.subject, kind: 'dry-run', command: [path, ...change.args], ok: true, message: change.description });
        applied.push(change);
        continue;
      }
      const result = await this.ipvsadm.apply(change);
      const message = result.handled ?? (result.ok ? change.description : result.unavailable ?? lvs.firstLine(result.stderr));
      // The same failure again at the next resync is not news: said and recorded once until it changes.
      const failureKey = `${change.args.join(' ')}|${message}`;
      const repeated = !result.ok && this.failures.has(failureKey);
      if (result.ok) for (const key of this.failures) if (key.startsWith(`${change.args.join(' ')}|`)) this.failures.delete(key);
      if (!result.ok) this.failures.add(failureKey);
      if (!repeated) this.services.record({ subject: this.subject, kind: 'command', command: [path, ...result.args], ok: result.ok, exitCode: result.exitCode, message });
      if (repeated) {
        this.log.debug(`ipvs ${this.subject}: still failing: ${line}: ${message}`);
      } else if (result.ok) {
        applied.push(change);
        this.log.info(`ipvs ${this.subject}: ${change.description} (${reason}): ${line}${result.handled ? ` — ${result.handled}` : ''}`);
      } else if (result.unavailable) {
        this.sayUnavailable(result.unavailable, true);
        this.log.debug(`ipvs ${this.subject}: not done: ${change.description}: ${result.unavailable}`);
      } else {
        this.log.error(`ipvs ${this.subject}: ${change.description} failed: ${line}: exit ${result.exitCode}: ${lvs.firstLine(result.stderr)}; retried at the next resync`);
      }
    }
    return applied;
  }

  private sayUnavailable(reason: string, unusable: boolean): void {
    const path = this.ipvsadm.options.path;
    if (unavailableSaid.get(path) === reason) {
      this.log.debug(`ipvs ${this.subject}: ipvsadm still unavailable: ${reason}`);
      return;
    }
    unavailableSaid.set(path, reason);
    if (!unusable) {
      this.log.error(`ipvs ${this.subject}: cannot read the IPVS table: ${reason}; retrying every ${formatDuration(this.resyncMs)}`);
      return;
    }
    this.log.error(
      `ipvsadm cannot manage IPVS here: ${reason}. Vigil keeps checking, alerting and writing history, but LVS tables are NOT being changed; ` +
        `every action it could not take is recorded (vigil actions), and it retries every ${formatDuration(this.resyncMs)}.`,
    );
  }

  private sayAvailable(): void {
    const path = this.ipvsadm.options.path;
    if (!unavailableSaid.has(path)) return;
    unavailableSaid.delete(path);
    this.log.warn(`ipvsadm works again (${path}): managing the IPVS table`);
  }

  /** Runs quorum_up or quorum_down; cut when `signal` aborts (the changes' hooks: at shutdown). */
  private async runQuorumHook(plan: Pick<lvs.PoolPlan, 'quorumUp' | 'liveWeight'>, { why, signal }: { why?: string; signal?: AbortSignal } = {}): Promise<void> {
    const command = plan.quorumUp ? this.options.quorum_up : this.options.quorum_down;
    const what = plan.quorumUp ? 'quorum_up' : 'quorum_down';
    // Quorum lost is what moves traffic (and, through vigil track, the VIP): a warning.
    this.log[plan.quorumUp ? 'info' : 'warn'](`ipvs ${this.subject}: quorum ${plan.quorumUp ? 'up' : 'down'} (${why ?? `live weight ${plan.liveWeight}, quorum ${this.policy.quorum}±${this.policy.hysteresis}`})`);
    if (!command) return;
    const run = await runProcess({
      command: command[0]!,
      args: command.slice(1),
      env: { PATH: process.env.PATH, VIGIL_VIRTUAL_SERVICE: this.subject, VIGIL_QUORUM: plan.quorumUp ? 'up' : 'down', VIGIL_LIVE_WEIGHT: String(plan.liveWeight) },
      timeoutMs: HOOK_TIMEOUT_MS,
      signal,
    });
    const ok = run.exitCode === 0;
    const message = run.spawnError ? describeError(run.spawnError) : run.timedOut ? 'timed out' : run.aborted ? 'cut short: vigil is stopping' : `exit ${run.exitCode ?? run.signal}`;
    this.services.record({ subject: this.subject, kind: 'hook', command, ok, exitCode: run.exitCode, message: `${what}: ${message}` });
    if (!ok) this.log.error(`ipvs ${this.subject}: ${what} hook ${command.join(' ')} failed: ${message}${run.stderr ? `: ${lvs.firstLine(run.stderr)}` : ''}`);
  }

  private report(plan: lvs.PoolPlan, tableManaged: boolean, failingChanges = 0): void {
    const live = [...this.members.values()].filter((member) => member.live && !member.held).length;
    const problems: string[] = [];
    if (!plan.quorumUp) problems.push(`below quorum (live weight ${plan.liveWeight} < ${this.policy.quorum})`);
    if (plan.panicKept) problems.push('panic guard holding the pool');
    if (!tableManaged) problems.push('IPVS table not manageable');
    if (failingChanges) problems.push(`${failingChanges} table change${failingChanges === 1 ? '' : 's'} failing (vigil actions --failed)`);
    const healthy = problems.length === 0;
    const summary = healthy ? `${live}/${this.members.size} real servers live, weight ${plan.liveWeight}` : problems.join('; ');
    if (healthy !== this.lastHealthy) this.log[healthy ? 'info' : 'warn'](`ipvs ${this.subject}: ${healthy ? 'healthy' : 'not healthy'}: ${summary}`);
    this.lastHealthy = healthy;
    this.services.reportStatus({
      healthy,
      summary,
      detail: { service: this.subject, live, members: this.members.size, liveWeight: plan.liveWeight, quorum: this.policy.quorum, sorryActive: plan.sorryActive, failingChanges },
      staleAfterMs: this.staleAfterMs(),
    });
  }

  /** ldirectord cleanstop / keepalived omega: take out what Vigil put in. */
  private async cleanStop(): Promise<void> {
    const plan = lvs.planPool(this.poolMembers(), this.policy, this.quorumUp);
    const ours = new Set(plan.destinations.map(lvs.destinationId));
    for (const member of this.poolMembers()) ours.add(lvs.destinationId({ address: member.address, port: lvs.effectiveDestinationPort(this.key, this.policy.forwarding, member.port) }));
    if (this.policy.sorry) ours.add(lvs.destinationId({ address: this.policy.sorry.address, port: lvs.effectiveDestinationPort(this.key, this.policy.sorry.forwarding, this.policy.sorry.port) }));
    const read = await this.ipvsadm.readTable();
    const actual = 'services' in read ? read.services.find((service) => lvs.sameKey(service.key, this.key)) : this.believed;
    if (!actual) return;
    const changes: lvs.Change[] = actual.destinations
      .filter((dest) => ours.has(lvs.destinationId(dest)))
      .map((dest) => ({ kind: 'delete-destination', args: lvs.commands.deleteDestination(this.key, dest), description: `remove ${lvs.destinationId(dest)}`, destination: lvs.destinationId(dest) }));
    const others = actual.destinations.length - changes.length;
    if ((this.options.create ?? true) && others === 0) changes.push({ kind: 'delete-service', args: lvs.commands.deleteService(this.key), description: 'delete the virtual service' });
    if (changes.length) this.log.info(`ipvs ${this.subject}: cleanstop: ${changes.map((c) => c.description).join('; ')}`);
    await this.apply(changes, 'cleanstop');
  }
}

const keepers = new Map<string, PoolKeeper>();

export default defineAlert({
  type: 'ipvs',
  description: 'Keeps an LVS virtual service in the IPVS table in line with its real servers’ health (ipvsadm)',
  options: lvs.ipvsOptionsSchema,
  // It mirrors the pool: every transition at once, no after/every/periods.
  mode: 'state',
  async start(options, ctx) {
    const keeper = new PoolKeeper(options, ctx);
    keepers.set(ctx.name, keeper);
    await keeper.start(ctx);
  },
  async fire(event, _options, ctx) {
    // ipvsadm failures are recorded and repaired by the resync, not retried through here.
    await keepers.get(ctx.name)?.event(event, ctx);
  },
  async observe(notice, _options, ctx) {
    if (notice.result.weight === undefined || notice.result.status === 'down' || notice.result.status === 'unknown') return;
    await keepers.get(ctx.name)?.weight(notice.target.id, Math.max(0, Math.round(notice.result.weight)), ctx);
  },
  async stop(_options, ctx) {
    const keeper = keepers.get(ctx.name);
    if (!keeper) return;
    keepers.delete(ctx.name);
    await keeper.stop(ctx.reason, ctx);
  },
});
