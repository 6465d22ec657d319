// A small, safe template syntax for alert text: `{{name}}` is replaced by a field of the event.
// Nothing is evaluated: a name is looked up in a fixed table, and an unknown name is a config
// error at load time, not an empty string in a page at 3 am.
import { formatDuration } from '../config/duration.js';
import type { AlertEvent } from '../plugin.js';

/** The fields an event template can use, with what each holds (for docs and error messages). */
export const TEMPLATE_FIELDS = {
  kind: 'why the alert fires: down, up, repeat, startup, flapping, test',
  KIND: 'the same in capitals',
  target: 'the target id, service/host',
  service: 'the service name',
  group: 'the host group',
  host: 'the host as named in the group',
  address: 'the address checked',
  port: 'the port, when the host entry has one',
  state: 'the state now, in capitals (UP, DOWN, UNKNOWN)',
  from: 'the state before (up, down, unknown)',
  to: 'the state after',
  at: 'when it happened, local time YYYY-MM-DD HH:MM:SS',
  at_iso: 'when it happened, ISO 8601 UTC',
  at_unix: 'when it happened, seconds since the epoch',
  message: 'the check result behind the event, one line',
  detail: 'more text from the check (script output, response excerpt)',
  cause: 'the failure that opened the outage',
  duration: 'how long the outage lasted (or has lasted so far)',
  outage_id: 'the outage number in the history',
  outage_start: 'when the outage began, local time',
  hosts: 'every host of the group, space-separated',
  description: "the service's description",
  ack: 'the acknowledgement comment, when acknowledged',
  count: 'which alert of this outage this is (1 = first)',
} as const;

export type TemplateField = keyof typeof TEMPLATE_FIELDS;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

function localTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The value of every template field for an event. */
export function templateFields(event: AlertEvent): Record<TemplateField, string> {
  const outage = event.outage;
  const durationMs = outage ? (outage.durationMs ?? event.at.getTime() - outage.startedAt.getTime()) : undefined;
  return {
    kind: event.kind,
    KIND: event.kind.toUpperCase(),
    target: event.target.id,
    service: event.target.service,
    group: event.target.group,
    host: event.target.name,
    address: event.target.address,
    port: event.target.port === undefined ? '' : String(event.target.port),
    state: event.to.toUpperCase(),
    from: event.from,
    to: event.to,
    at: localTime(event.at),
    at_iso: event.at.toISOString(),
    at_unix: String(Math.floor(event.at.getTime() / 1000)),
    message: event.result.message ?? '',
    detail: event.result.detail ?? '',
    cause: outage?.cause ?? '',
    duration: durationMs === undefined ? '' : formatDuration(durationMs),
    outage_id: outage ? String(outage.id) : '',
    outage_start: outage ? localTime(outage.startedAt) : '',
    hosts: event.groupHosts.join(' '),
    description: event.description ?? '',
    ack: event.acknowledged?.comment ?? '',
    count: event.count === undefined ? '' : String(event.count),
  };
}

/** Why a template is not valid for these field names, or undefined when it is. */
export function templateProblem(template: string, allowed: readonly string[] = Object.keys(TEMPLATE_FIELDS)): string | undefined {
  const unknown = [...template.matchAll(PLACEHOLDER)].map((match) => match[1]!).filter((name) => !allowed.includes(name));
  if (unknown.length) return `unknown template field ${unknown.map((name) => `{{${name}}}`).join(', ')}; available: ${allowed.join(', ')}`;
  const stripped = template.replace(PLACEHOLDER, '');
  if (stripped.includes('{{') || stripped.includes('}}')) return 'unbalanced {{ or }} in the template';
  return undefined;
}

/** Replaces each `{{name}}` with its field. Names not in `fields` become empty (templates are checked at load). */
export function renderTemplate(template: string, fields: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => (Object.hasOwn(fields, name) ? fields[name]! : ''));
}
