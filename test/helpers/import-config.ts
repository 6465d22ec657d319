// Runs the real `vigil import` and adapts what it wrote to the test's workspace (history database,
// the ipvsadm double), the way an operator would edit a few lines before a trial run.
import { readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseDocument } from 'yaml';
import { IPVSADM_DOUBLE } from './ipvsadm-double.js';
import { runVigil, runVigilAsync, type CliResult } from './vigil-process.js';

export type ImportReport = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `vigil import FORMAT SOURCE --json ARGS…`: its report, once the import has run cleanly (exit 0, nothing on stderr). */
export function importReport(format: string, source: string, args: string[] = []): ImportReport {
  const result = runVigil(['import', format, source, '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ImportReport;
}

/**
 * `vigil import FORMAT SOURCE -o OUT`, which must succeed, and `vigil check-config` on what it
 * wrote, which must accept it; returns what it wrote.
 */
export function importValidConfig(format: string, source: string, out: string): string {
  expect(runVigil(['import', format, source, '-o', out]).code).toBe(0);
  expect(runVigil(['check-config', '-c', out]).code).toBe(0);
  return readFileSync(out, 'utf8');
}

export interface ImportedConfig {
  file: string;
  text: string;
  result: CliResult;
}

/** A path in the imported YAML (['lvs', 'ipvsadm']) and the value to set there. */
export type ConfigEdit = [Array<string | number>, unknown];

/** The edits that let an imported LVS director run in a test: its history in `historyFile`, the ipvsadm double, a resync every second. */
export function lvsTrialEdits(historyFile: string): ConfigEdit[] {
  return [
    [['history', 'path'], historyFile],
    [['lvs', 'ipvsadm'], IPVSADM_DOUBLE],
    [['lvs', 'resync_interval'], '1s'],
  ];
}

/** `vigil import FORMAT SOURCE -o OUT ARGS…`, then sets each `edits` path (['lvs', 'ipvsadm']) in the YAML. */
export function importConfig(format: string, source: string, out: string, args: string[] = [], edits: ConfigEdit[] = []): ImportedConfig {
  const result = runVigil(['import', format, source, '-o', out, ...args]);
  if (result.code !== 0) throw new Error(`vigil import ${format} failed (${result.code}):\n${result.stderr}`);
  const doc = parseDocument(readFileSync(out, 'utf8'));
  for (const [path, value] of edits) doc.setIn(path, value);
  const text = doc.toString({ lineWidth: 0 });
  writeFileSync(out, text);
  return { file: out, text, result };
}

/** `vigil probe` (without blocking the test) on what `vigil import FORMAT SOURCE -o OUT` writes; `args` go to the probe. */
export function probeImported(format: string, source: string, out: string, args: string[] = []): Promise<CliResult> {
  return runVigilAsync(['probe', '-c', importConfig(format, source, out).file, ...args]);
}
