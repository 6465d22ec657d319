// `vigil run`: the foreground daemon. Loads the config, resumes history, runs the supervisor,
// reloads on SIGHUP (keeping the old config if the new one is bad), stops cleanly on SIGTERM/SIGINT.
import { rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ConfigError, formatIssue } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { describeError } from './describe-error.js';
import { HistoryStore } from './history/history-store.js';
import { createLogger, type LogFormat, type LogLevel, type RootLogger } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { buildPlan, type Plan } from './plan.js';
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

async function readPlan(file: string): Promise<Plan> {
  return buildPlan(await loadConfig(file));
}

function printConfigError(err: unknown, write: (line: string) => void): void {
  if (err instanceof ConfigError) for (const issue of err.issues) write(formatIssue(issue));
  else write(describeError(err));
}

export async function runDaemon(options: DaemonOptions): Promise<number> {
  let plan: Plan;
  try {
    plan = await readPlan(options.configFile);
  } catch (err) {
    printConfigError(err, (line) => process.stderr.write(`${line}\n`));
    process.stderr.write('vigil: not started: the configuration has errors\n');
    return 1;
  }
  const log: RootLogger = createLogger({
    format: options.logFormat ?? plan.config.log.format,
    level: options.logLevel ?? plan.config.log.level,
  });

  let history: HistoryStore;
  try {
    history = HistoryStore.open({
      path: plan.config.history.path,
      flushIntervalMs: plan.config.history.flush_interval,
      maxQueue: plan.config.history.max_queue,
      log,
    });
  } catch (err) {
    log.error(`not started: ${describeError(err)}`);
    return 1;
  }

  const supervisor = new Supervisor({ history, log });
  const metrics = new Metrics(supervisor, history);
  await supervisor.apply(plan);
  supervisor.start();
  let metricsServer: Server | undefined;
  if (plan.config.metrics.listen) {
    try {
      metricsServer = await startMetricsServer(metrics, plan.config.metrics.listen, log);
    } catch (err) {
      log.error(`metrics not served on ${plan.config.metrics.listen}: ${describeError(err)}`);
    }
  }
  if (options.pidFile) writeFileSync(options.pidFile, `${process.pid}\n`);
  const resumedDown = supervisor.states().filter(({ machine }) => machine.state === 'down').length;
  log.info(
    `vigil ${VERSION} running: ${plan.services.size} service(s), ${plan.targets.size} target(s), history ${plan.config.history.path}` +
      (resumedDown ? `; resumed ${resumedDown} target(s) DOWN with their open outages` : ''),
    { event: 'start', pid: process.pid, services: plan.services.size, targets: plan.targets.size },
  );

  // Reloads run one at a time; a SIGHUP during a reload triggers one more afterwards.
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  const reload = async (): Promise<void> => {
    log.info(`reloading ${options.configFile}`);
    try {
      const next = await readPlan(options.configFile);
      await supervisor.apply(next);
      log.info('reload done');
    } catch (err) {
      printConfigError(err, (line) => log.error(`reload rejected: ${line}`));
      log.error('reload rejected: keeping the running configuration');
    }
  };
  const onHangup = () => {
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = (async () => {
      do {
        reloadAgain = false;
        await reload();
      } while (reloadAgain);
      reloading = undefined;
    })();
  };

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onStop = async (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        history.flush();
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: stopping; letting checks in flight finish`);
      process.off('SIGHUP', onHangup);
      await reloading;
      const longest = Math.max(0, ...[...supervisor.currentPlan!.services.values()].map((s) => s.timeoutMs));
      metricsServer?.close();
      await supervisor.stop(Math.min(longest, MAX_STOP_GRACE_MS));
      const unsaved = history.close();
      if (options.pidFile) rmSync(options.pidFile, { force: true });
      if (unsaved) log.error(`stopped with ${unsaved} history write(s) not saved: the database stayed unwritable`);
      log.info('stopped', { event: 'stop' });
      resolve(0);
    };
    process.on('SIGHUP', onHangup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
  });
}
