// Operator flags in one table cell: `disabled`, `maintenance until 14:00`, `ack by alice`, `flapping`.
import type { TargetFlags } from '../supervisor.js';
import { formatTime } from './format.js';

export function describeFlags(flags: TargetFlags, utc = false): string {
  const parts: string[] = [];
  if (flags.disabled) parts.push(`disabled${flags.disabled.reason ? ` (${flags.disabled.reason})` : ''}`);
  if (flags.maintenance) parts.push(`maintenance${flags.maintenance.until ? ` until ${formatTime(flags.maintenance.until, utc)}` : ''}`);
  if (flags.acknowledged) parts.push(`ack${flags.acknowledged.by ? ` by ${flags.acknowledged.by}` : ''}`);
  if (flags.flapping) parts.push('flapping');
  return parts.join(', ') || '-';
}
