// Per-target series, written at scrape time from the supervisor's states: nothing between scrapes,
// and a target removed by a reload is gone from the next scrape. The lines are written here rather
// than through prom-client gauges: setting 10,000 labelled values and reading them back held the
// event loop 30-80 ms at every scrape (delaying the checks due then); from label text made once
// per target they take a few.
import type { Supervisor, TargetFlags } from '../supervisor.js';
import type { Target, TargetState } from '../plugin.js';

interface Entry {
  target: Target;
  machine: { state: TargetState };
  service: { disabled: boolean };
  flags: TargetFlags;
}

interface Family {
  name: string;
  help: string;
  /** The value of a target's series, or undefined for none. */
  value: (entry: Entry) => number | undefined;
}

const isDisabled = ({ flags, service }: Entry) => !!flags.disabled || service.disabled;

const FAMILIES: Family[] = [
  // Only targets with a verdict: one not decided yet (unknown) or not checked (disabled) has no
  // series, so `vigil_target_up == 0` means "checked and found down", never "not known".
  {
    name: 'vigil_target_up',
    help: 'Target state: 1 up, 0 down; no series while unknown or disabled',
    value: (entry) => (isDisabled(entry) || entry.machine.state === 'unknown' ? undefined : entry.machine.state === 'up' ? 1 : 0),
  },
  // Sparse (only the targets flagged): 10,000 targets cost no extra series.
  { name: 'vigil_target_disabled', help: 'One series (1) per target not being checked: vigil disable, or its service disabled', value: (entry) => (isDisabled(entry) ? 1 : undefined) },
  { name: 'vigil_target_in_maintenance', help: 'One series (1) per target in maintenance: still checked, no actions fire', value: (entry) => (entry.flags.maintenance ? 1 : undefined) },
];

/** A label value as the text format wants it: backslash, double quote and newline escaped. */
const escapeLabel = (value: string) => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

export class TargetMetrics {
  /** `{service="…",host="…"}` per target object (a reload makes new ones; the old are dropped). */
  private readonly labels = new WeakMap<Target, string>();

  constructor(private readonly supervisor: Supervisor) {}

  /** The per-target families in Prometheus' text format. */
  text(): string {
    const entries = this.supervisor.states();
    let text = '';
    for (const family of FAMILIES) {
      text += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n`;
      for (const entry of entries) {
        const value = family.value(entry);
        if (value !== undefined) text += `${family.name}${this.labelsOf(entry.target)} ${value}\n`;
      }
    }
    return text;
  }

  private labelsOf(target: Target): string {
    let labels = this.labels.get(target);
    if (labels === undefined) {
      labels = `{service="${escapeLabel(target.service)}",host="${escapeLabel(target.name)}"}`;
      this.labels.set(target, labels);
    }
    return labels;
  }
}
