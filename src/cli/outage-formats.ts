// Outages as text for machines: JSON objects, CSV, and mon's downtime log (`dtlogfile`) lines, so
// reporting scripts written for mon keep working on Vigil's history.
import type { OutageRow } from '../history/outage-query.js';

export function outageToJson(row: OutageRow, now: number) {
  return {
    id: row.id,
    service: row.service,
    group: row.group,
    host: row.host,
    start: new Date(row.startedAt).toISOString(),
    end: row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
    open: row.endedAt === null,
    durationMs: row.durationMs ?? now - row.startedAt,
    cause: row.cause,
    endMessage: row.endMessage,
    ack: row.ackAt === null ? null : { at: new Date(row.ackAt).toISOString(), by: row.ackBy, comment: row.ackComment },
  };
}

const CSV_HEADER = ['id', 'service', 'group', 'host', 'start', 'end', 'duration_s', 'cause', 'end_message', 'ack_at', 'ack_by', 'ack_comment'];

/** RFC 4180: quote when needed, double the quotes. */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER_LINE = CSV_HEADER.join(',');

export function outageCsvLine(row: OutageRow, now: number): string {
  return [
    row.id,
    row.service,
    row.group,
    row.host,
    new Date(row.startedAt).toISOString(),
    row.endedAt === null ? null : new Date(row.endedAt).toISOString(),
    (row.durationMs ?? now - row.startedAt) / 1000,
    row.cause,
    row.endMessage,
    row.ackAt === null ? null : new Date(row.ackAt).toISOString(),
    row.ackBy,
    row.ackComment,
  ]
    .map(csvCell)
    .join(',');
}

export const DTLOG_HEADER = '# time back up, group, service, first failure, downtime, interval, summary';

/**
 * mon's downtime log: one line per ended outage, oldest recovery first (the query's `recovered`
 * order), integer epoch seconds: `timeup group service firstfailure downtime interval summary`.
 * mon's summary is the failing hosts (what its monitors print first); for a Vigil target that is
 * its host.
 */
export function outageDtlogLine(row: OutageRow): string {
  const up = Math.floor(row.endedAt! / 1000);
  const firstFailure = Math.floor(row.startedAt / 1000);
  const interval = row.intervalMs === null ? 0 : Math.round(row.intervalMs / 1000);
  return `${up} ${row.group} ${row.service} ${firstFailure} ${up - firstFailure} ${interval} ${row.host}`;
}
