// A list of checks that must all pass, from `check: [ ... ]` in the config — keepalived's real
// server with several checkers, which is up only while every one of them succeeds. The parts run
// at the same time, within the service's one timeout, and the worst result is the answer.
import { z } from 'zod';
import { defineCheck, type CheckPlugin, type CheckResult, type CheckStatus } from './plugin.js';
import { runWithin } from './runner.js';

export interface CheckPart {
  type: string;
  plugin: CheckPlugin;
  options: Record<string, unknown>;
}

/** How bad each status is: the worst part decides. */
const SEVERITY: Record<CheckStatus, number> = { up: 0, warning: 1, unknown: 2, down: 3 };

/** The options a list of checks keeps in the plan (for the reload diff): each part's type and options. */
export function listOptions(parts: Array<Pick<CheckPart, 'type' | 'options'>>): Record<string, unknown> {
  return { checks: parts.map(({ type, options }) => ({ type, ...options })) };
}

export function allOfChecks(parts: CheckPart[]): CheckPlugin {
  return defineCheck({
    type: parts.map((part) => part.type).join('+'),
    description: 'every check of the list must pass',
    options: z.looseObject({}),
    async run(target, _options, ctx) {
      const results = await Promise.all(parts.map((part) => runWithin(part.plugin, target, part.options, ctx)));
      return combine(parts, results);
    },
  });
}

function combine(parts: CheckPart[], results: CheckResult[]): CheckResult {
  const worst = results.reduce((a, b) => (SEVERITY[b.status] > SEVERITY[a.status] ? b : a)).status;
  // Failing parts first and alone in the message: that is what an operator needs to read.
  const shown = worst === 'up' ? results.map((_, i) => i) : results.flatMap((result, i) => (result.status === 'up' ? [] : [i]));
  const message = shown.map((i) => `${parts[i]!.type}: ${results[i]!.message ?? results[i]!.status}`).join('; ');
  const details = results.flatMap((result, i) => (result.detail ? [`${parts[i]!.type}:\n${result.detail}`] : []));
  const combined: CheckResult = { status: worst, message };
  if (details.length) combined.detail = details.join('\n');
  // A dynamic weight (keepalived misc_dynamic) comes from the first part that reports one.
  const weight = results.find((result) => result.weight !== undefined)?.weight;
  if (weight !== undefined) combined.weight = weight;
  const perf = Object.assign({}, ...results.map((result, i) => Object.fromEntries(Object.entries(result.perf ?? {}).map(([key, value]) => [`${parts[i]!.type}.${key}`, value]))));
  if (Object.keys(perf).length) combined.perf = perf;
  return combined;
}
