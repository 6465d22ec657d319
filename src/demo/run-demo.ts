// `vigil demo`: real backends on loopback, a config written for them, the real daemon watching
// them, and a chaos loop that stops and restarts backends so transitions and outages appear.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { formatDuration } from '../config/duration.js';
import { startBackend, type Backend } from './demo-backends.js';

export interface DemoOptions {
  dir: string;
  /** Stop after this long (default: run until Ctrl-C). */
  durationMs?: number;
  /** Time between chaos events. */
  chaosEveryMs: number;
  /** Check interval written into the demo config. */
  intervalMs: number;
}

const vigilBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'vigil');

function demoConfig(backends: Backend[], intervalMs: number) {
  const hosts = (kind: 'http' | 'tcp') =>
    backends.filter((b) => b.kind === kind).map((b) => ({ name: b.name, address: '127.0.0.1', port: b.port }));
  return {
    history: { path: './history.db' },
    defaults: {
      interval: formatDuration(intervalMs),
      timeout: formatDuration(Math.min(1_000, intervalMs)),
      rise: 2,
      fall: 2,
      fast_interval: formatDuration(Math.max(100, intervalMs / 4)),
    },
    hostgroups: { web: hosts('http'), cache: hosts('tcp') },
    services: {
      'web-http': { description: 'demo web servers', group: 'web', check: { type: 'http', path: '/health', expect_status: '200' } },
      'cache-tcp': { description: 'demo cache servers', group: 'cache', check: { type: 'tcp' } },
    },
  };
}

function untilFileExists(file: string): Promise<void> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      if (!existsSync(file)) return;
      clearInterval(poll);
      resolve();
    }, 50);
    poll.unref(); // the daemon's process keeps the demo alive while it waits; if it exits, nothing waits
  });
}

function say(text: string): void {
  const label = process.stdout.isTTY ? '\x1b[36mdemo:\x1b[0m' : 'demo:';
  process.stdout.write(`${label} ${text}\n`);
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const dir = path.resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const backends = [
    await startBackend('web1', 'http'),
    await startBackend('web2', 'http'),
    await startBackend('web3', 'http'),
    await startBackend('cache1', 'tcp'),
    await startBackend('cache2', 'tcp'),
  ];
  const configFile = path.join(dir, 'vigil.yaml');
  writeFileSync(configFile, `# Written by \`vigil demo\` for its local backends.\n${stringify(demoConfig(backends, options.intervalMs))}`);
  const relativeConfig = path.relative(process.cwd(), configFile) || configFile;
  say(`${backends.length} backends on 127.0.0.1 (${backends.map((b) => `${b.name}:${b.port}`).join(', ')})`);
  say(`config ${relativeConfig}; history ${path.join(path.relative(process.cwd(), dir) || '.', 'history.db')}`);
  say(`every ${formatDuration(options.chaosEveryMs)} a backend breaks (stops, or answers 503) or is mended; watch the daemon notice.`);
  say(`in another shell:  ./bin/vigil history -c ${relativeConfig}    (Ctrl-C here to stop)`);

  // Its own process group, so Ctrl-C reaches only the demo, which then stops the daemon cleanly.
  // The pid file appears once the daemon runs: the chaos (and --duration) start then, so a slow
  // start does not miss the first break and mend.
  const pidFile = path.join(dir, 'vigil.pid');
  rmSync(pidFile, { force: true });
  const daemon: ChildProcess = spawn(process.execPath, [vigilBin, 'run', '-c', configFile, '--pid-file', pidFile], { stdio: 'inherit', detached: true });
  process.once('exit', () => daemon.exitCode === null && daemon.kill('SIGTERM'));
  const daemonExited = new Promise<number>((resolve) => daemon.once('exit', (code) => resolve(code ?? 1)));
  await Promise.race([untilFileExists(pidFile), daemonExited]);

  let turn = 0;
  // Alternates: break one backend (stop it, or make a web server answer 503), then mend it.
  const chaos = setInterval(async () => {
    const broken = backends.find((b) => !b.running || b.sick);
    if (broken) {
      if (broken.sick) broken.sick = false;
      else await broken.start();
      say(`${broken.name} is healthy again`);
      return;
    }
    const victim = backends[turn % backends.length]!;
    if (victim.kind === 'http' && Math.floor(turn / backends.length) % 2 === 1) {
      victim.sick = true;
      say(`${victim.name} now answers 503`);
    } else {
      await victim.stop();
      say(`stopped ${victim.name} (127.0.0.1:${victim.port})`);
    }
    turn++;
  }, options.chaosEveryMs);

  const finish = async () => {
    clearInterval(chaos);
    daemon.kill('SIGTERM');
    const code = await daemonExited;
    await Promise.all(backends.map((b) => b.stop()));
    say(`done. Outages recorded: ./bin/vigil history -c ${relativeConfig}`);
    return code;
  };
  return new Promise<number>((resolve) => {
    let finishing = false;
    const end = async () => {
      if (finishing) return;
      finishing = true;
      resolve(await finish());
    };
    process.on('SIGINT', end);
    process.on('SIGTERM', end);
    if (options.durationMs !== undefined) setTimeout(end, options.durationMs);
    void daemonExited.then((code) => {
      if (finishing) return;
      say(`the daemon exited (${code}); stopping the demo`);
      void end();
    });
  });
}
