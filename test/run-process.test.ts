// External programs: argument arrays, bounded output, and timeouts that take the whole process
// group down (no stray children, no zombies).
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../src/run-process.js';
import { alive } from './helpers/processes.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait-for.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('runProcess', () => {
  it('passes arguments as an array: nothing is interpreted by a shell', async () => {
    const result = await runProcess({ command: 'printf', args: ['%s\\n', 'a; touch /tmp/pwned', '$(id)', '*'] });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a; touch /tmp/pwned\n$(id)\n*\n', timedOut: false, truncated: false });
  });

  it('gives the exit code, stdout, stderr, the environment it was given, and stdin', async () => {
    const result = await runProcess({
      command: 'sh',
      args: ['-c', 'echo "out $VIGIL_TARGET"; echo err >&2; cat; exit 3'],
      env: { PATH: process.env.PATH, VIGIL_TARGET: '10.0.0.1' },
      input: 'from stdin\n',
    });
    expect(result).toMatchObject({ exitCode: 3, stdout: 'out 10.0.0.1\nfrom stdin\n', stderr: 'err\n' });
  });

  it('can merge stderr into stdout, as mon does for monitors', async () => {
    const result = await runProcess({ command: 'sh', args: ['-c', 'echo one; echo two >&2'], mergeStderr: true });
    expect(result.stdout).toBe('one\ntwo\n');
  });

  it('a timeout kills the whole process group, including children that ignore SIGTERM', async () => {
    const pidFile = tmp.path('child.pid');
    const result = await runProcess({
      command: 'sh',
      args: ['-c', `(trap '' TERM; sleep 60) & echo $! > ${pidFile}; sleep 60`],
      timeoutMs: 300,
      killGraceMs: 200,
    });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    const child = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(child), `the background child ${child} to be gone`, 3_000);
  });

  it('aborting through an AbortSignal kills it too', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runProcess({ command: 'sleep', args: ['60'], signal: controller.signal });
    expect(result).toMatchObject({ aborted: true, signal: 'SIGTERM' });
  });

  it('bounds captured output and drains the rest, so a flood cannot block or bloat', async () => {
    const result = await runProcess({ command: 'sh', args: ['-c', 'head -c 20000000 /dev/zero | tr "\\0" x; echo done >&2'], maxOutputBytes: 1_000 });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('x'.repeat(1_000));
    expect(result.stderr).toBe('done\n');
  });

  it('a program that cannot be started says why', async () => {
    const result = await runProcess({ command: tmp.path('no-such-program') });
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toMatchObject({ code: 'ENOENT' });
  });

  it('leaves no stray process behind after a normal exit', async () => {
    const pidFile = tmp.path('left.pid');
    const result = await runProcess({ command: 'sh', args: ['-c', `sleep 60 > /dev/null 2>&1 & echo $! > ${pidFile}; exit 0`] });
    expect(result.exitCode).toBe(0);
    const leftover = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !alive(leftover), `the leftover ${leftover} to be gone`, 3_000);
  });
  it('a NUL byte in the environment or an argument (check output from a probed server) does not stop the program from running', async () => {
    // A C string cannot hold NUL: spawn() would throw, and every alert carrying that text would fail for ever.
    const result = await runProcess({
      command: 'sh',
      args: ['-c', 'printf "%s|%s" "$MON_LAST_OUTPUT" "$1"', 'sh', 'arg\0ument'],
      env: { PATH: process.env.PATH, MON_LAST_OUTPUT: 'bad\0answer' },
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'badanswer|argument' });
    expect(result.spawnError).toBeUndefined();
  });

  it('a spawn that throws (an invalid option) is a spawnError, not a rejected promise', async () => {
    const result = await runProcess({ command: 'sh', args: ['-c', 'true'], cwd: 'a\0b' });
    expect(result.exitCode).toBeNull();
    expect(result.spawnError).toBeInstanceOf(Error);
  });
});
