// `vigil run`: the foreground daemon. Loads the config, resumes history, runs the supervisor,
// reloads on SIGHUP (keeping the old config if the new one is bad), stops cleanly on SIGTERM/SIGINT.
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConfigError, formatIssue, formatPath, type ConfigIssue } from './config/config-error.js';
import { ConfigWatcher } from './config/config-watcher.js';
import { loadConfig } from './config/load-config.js';
import type { YamlReader } from './config/parse-yaml.js';
import { YamlWorker } from './config/yaml-worker.js';
import type { ReloadAnswer } from './control/control-api.js';
import { createControlHandler } from './control/control-handlers.js';
import { claimSocket, ControlServer } from './control/control-server.js';
import { describeError } from './describe-error.js';
import { DaemonRun } from './history/daemon-run.js';
import { HistoryRecorder } from './history/history-recorder.js';
import { HistoryRecovery } from './history/history-recovery.js';
import { startHistory, type StartedHistory } from './history/start-history.js';
import { RetentionSchedule } from './history/retention-schedule.js';
import { createLogger, type LogFormat, type LogLevel, type RootLogger } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { pidFileProblem, writePidFile } from './pid-file.js';
import { guardProcess } from './process-guards.js';
import { settingsAppliedLive, settingsNeedingRestart } from './reload-settings.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { buildPlan, describeDiff, type Plan } from './plan.js';
import type { Logger } from './plugin.js';
import { Supervisor } from './supervisor.js';
import { VERSION } from './version.js';

export interface DaemonOptions {
  configFile: string;
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  pidFile?: string;
}

/** Most time a stop waits for checks in flight before aborting them. */
const MAX_STOP_GRACE_MS = 5_000;

/** The plan of a config, and what `vigil check-config` would warn about in it (secrets written inline). */
async function readPlan(file: string, readYaml?: YamlReader): Promise<{ plan: Plan; warnings: ConfigIssue[] }> {
  const loaded = await loadConfig(file, readYaml);
  const plan = buildPlan(loaded);
  await nextTurn(); // checks under way get a turn before the plan is compared and applied
  return { plan, warnings: loaded.warnings };
}

/** A config warning as the log has it: check-config's words, and in JSON its place as fields. */
function logConfigWarning(log: Logger, issue: ConfigIssue, prefix = ''): void {
  log.warn(`${prefix}${formatIssue(issue)}`, { event: 'config-warning', file: issue.file, line: issue.line, column: issue.column, key: formatPath(issue.path) });
}

function configErrorLines(err: unknown): string[] {
  return err instanceof ConfigError ? err.issues.map(formatIssue) : [describeError(err)];
}

function printConfigError(err: unknown, write: (line: string) => void): void {
  for (const line of configErrorLines(err)) write(line);
}

export async function runDaemon(options: DaemonOptions): Promise<number> {
  let plan: Plan;
  let warnings: ConfigIssue[];
  try {
    ({ plan, warnings } = await readPlan(options.configFile));
  } catch (err) {
    printConfigError(err, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write('vigil: not started: the configuration has errors\n');
    return 1;
  }
  const log: RootLogger = createLogger({
    format: options.logFormat ?? plan.config.log.format,
    level: options.logLevel ?? plan.config.log.level,
  });
  guardProcess(log);
  // Operators who skip `vigil check-config` hear of a secret left in the config here.
  for (const issue of warnings) logConfigWarning(log, issue);
  if (options.pidFile) {
    const problem = pidFileProblem(options.pidFile);
    if (problem) {
      log.error(`not started: ${problem}`);
      return 1;
    }
  }

  const control = plan.config.control;
  if (control.enabled) {
    try {
      await claimSocket(control.socket!, log);
    } catch (err) {
      log.error(`not started: ${describeError(err)}`);
      return 1;
    }
  }

  let started: StartedHistory;
  try {
    started = startHistory({ path: plan.config.history.path, flushIntervalMs: plan.config.history.flush_interval, maxQueue: plan.config.history.max_queue, log });
  } catch (err) {
    log.error(`not started: ${describeError(err)}`);
    return 1;
  }
  const { history, unavailable } = started;
  let historyLock = started.lock;

  const supervisor = new Supervisor({ history, log });
  const metrics = new Metrics(supervisor, history);
  const recorder = new HistoryRecorder(supervisor, history);
  const retention = new RetentionSchedule(history, log);
  // Held in memory: the file is tried again until it opens, and everything moves there.
  const recovery =
    unavailable === undefined
      ? undefined
      : new HistoryRecovery(history, {
          path: plan.config.history.path,
          unavailable,
          retryMs: plan.config.history.flush_interval,
          log,
          onRecovered: ({ lock, outageIds }) => {
            historyLock = lock;
            supervisor.historyMovedToFile(outageIds);
            retention.databaseMoved();
          },
        });
  const planApplied = (applied: Plan) => {
    recorder.planApplied(applied);
    retention.configure(applied.config.history.retention);
  };
  // The metrics port first: one taken by another process would have Prometheus scrape that one, so
  // it is a failed start (as a busy control socket is), before anything is checked or changed.
  let metricsServer: Server | undefined;
  if (plan.config.metrics.listen) {
    try {
      metricsServer = await startMetricsServer(metrics, plan.config.metrics.listen, log);
    } catch (err) {
      log.error(`not started: metrics cannot be served on ${plan.config.metrics.listen}: ${describeError(err)}`);
      history.close();
      historyLock?.release();
      return 1;
    }
  }
  await supervisor.apply(plan);
  planApplied(plan);
  supervisor.start();
  // From here on the targets are watched: availability leaves out the time between runs.
  const run = DaemonRun.start(history);
  recovery?.start();
  // Reloads run one at a time; one asked for during a reload (SIGHUP or `vigil reload`) runs once
  // more afterwards, and every caller waiting gets the outcome of a reload that started after it asked.
  let reloading: Promise<ReloadAnswer> | undefined;
  let queued: Promise<ReloadAnswer> | undefined;
  // A reload reads the YAML on a worker thread: the checks keep running meanwhile.
  const readPlanOffThread = async (file: string): Promise<{ plan: Plan; warnings: ConfigIssue[] }> => {
    const worker = new YamlWorker((reason) => log.warn(`reload: ${reason}`));
    try {
      return await readPlan(file, worker.read);
    } finally {
      await worker.close();
    }
  };
  // auto_reload: a change of the config's files asks for a reload, as SIGHUP does.
  const watcher = new ConfigWatcher({
    onChange: (changed) => {
      log.info(`config changed (${changed.join(', ')}): reloading`);
      void requestReload();
    },
  });
  // Refused or not, what a reload read is not read again until it changes; watching resumes
  // before the reload says it is over, so an edit made after that is seen.
  const followConfig = () => watcher.follow(supervisor.currentPlan!.config.auto_reload, supervisor.currentPlan!.sources);
  const reload = async (): Promise<ReloadAnswer> => {
    log.info(`reloading ${options.configFile}`);
    await watcher.reading();
    try {
      const { plan: next, warnings: stillThere } = await readPlanOffThread(options.configFile);
      const running = supervisor.currentPlan!.config;
      const restartNeeded = settingsNeedingRestart(running, next.config);
      const appliedLive = settingsAppliedLive(running, next.config);
      const diff = await supervisor.apply(next);
      planApplied(next);
      await followConfig();
      for (const line of appliedLive) log.info(`reload: ${line}`);
      for (const line of restartNeeded) log.warn(`reload: ${line}`);
      for (const issue of stillThere) logConfigWarning(log, issue, 'reload: ');
      log.info('reload done');
      return {
        ok: true,
        changes: [...appliedLive, ...(diff ? describeDiff(diff) : [])],
        errors: [],
        restartNeeded,
        warnings: stillThere.map(formatIssue),
      };
    } catch (err) {
      const errors = configErrorLines(err);
      for (const line of errors) log.error(`reload rejected: ${line}`);
      await followConfig();
      log.error('reload rejected: keeping the running configuration');
      return { ok: false, changes: [], errors, restartNeeded: [], warnings: [] };
    }
  };
  const requestReload = (): Promise<ReloadAnswer> => {
    if (!reloading) {
      reloading = reload().finally(() => (reloading = undefined));
      return reloading;
    }
    queued ??= reloading.then(() => {
      queued = undefined;
      return requestReload();
    });
    return queued;
  };
  const onHangup = () => void requestReload();
  await watcher.follow(plan.config.auto_reload, plan.sources);

  let controlServer: ControlServer | undefined;
  if (control.enabled) {
    const handler = createControlHandler({
      supervisor,
      history,
      log,
      reload: requestReload,
      info: { pid: process.pid, version: VERSION, startedAt: Date.now(), configFile: plan.file, historyPath: plan.config.history.path },
      historyUnavailable: () => recovery?.unavailable,
    });
    try {
      controlServer = await ControlServer.listen(control.socket!, handler, log);
    } catch (err) {
      log.error(`control API not available: ${describeError(err)}`);
    }
  }

  // Signal handlers first: whoever waits for the pid file or the `running` line may signal at once.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        run.stop();
        history.flush();
        historyLock?.release();
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: stopping; letting checks in flight finish`);
      process.off('SIGHUP', onHangup);
      watcher.close();
      await controlServer?.close();
      await queued;
      await reloading;
      const longest = Math.max(0, ...[...supervisor.currentPlan!.services.values()].map((s) => s.timeoutMs));
      metricsServer?.close();
      await supervisor.stop(Math.min(longest, MAX_STOP_GRACE_MS));
      recorder.stop();
      recovery?.stop();
      run.stop();
      await retention.stop();
      const unsaved = history.close();
      historyLock?.release();
      if (options.pidFile) rmSync(options.pidFile, { force: true });
      if (unsaved) log.error(`stopped with ${unsaved} history write(s) not saved: the database stayed unwritable`);
      log.info('stopped', { event: 'stop' });
      resolve(0);
    };
    process.on('SIGHUP', onHangup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
  if (options.pidFile) {
    try {
      writePidFile(options.pidFile);
    } catch (err) {
      log.error(`pid file ${options.pidFile} not written: ${describeError(err)}`); // checked at start: something changed since
    }
  }
  const resumedDown = supervisor.states().filter(({ machine }) => machine.state === 'down').length;
  log.info(
    `vigil ${VERSION} running: ${plan.services.size} service(s), ${plan.targets.size} target(s), history ${plan.config.history.path}` +
      (controlServer ? `, control ${controlServer.socketPath}` : '') +
      (resumedDown ? `; resumed ${resumedDown} target(s) DOWN with their open outages` : ''),
    { event: 'start', pid: process.pid, services: plan.services.size, targets: plan.targets.size },
  );

  return stopped;
}
