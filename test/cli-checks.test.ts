// `vigil checks` on the known history's targets, with check results fed through the daemon's own
// aggregator: counts, failures and latency per target and per service, the buckets chosen for the
// window, and a fallback to coarser buckets when the finer ones are no longer kept.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckAggregator } from '../src/history/check-aggregator.js';
import { migrate } from '../src/history/migrations.js';
import { T, writeKnownHistory } from './helpers/known-history.js';
import { tempDir } from './helpers/temp-dir.js';
import { runVigil } from './helpers/vigil-process.js';

const tmp = tempDir();
const dbFile = tmp.path('history.db');
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

// [target id, failed, latency ms, at]
const RESULTS: Array<[number, boolean, number | undefined, string]> = [
  [1, false, 1.5, '10:00'], // web-http/web1
  [1, true, 0.25, '10:00'],
  [1, false, 4, '10:30'],
  [1, true, undefined, '11:59'], // a failure without a latency (timed out)
  [1, false, 10, '13:00'],
  [2, false, 2, '10:15'], // web-http/web2
  [2, false, 3, '12:00'],
  [3, true, undefined, '12:30'], // dns/ns1, first seen at 12:00
];

beforeAll(() => {
  writeKnownHistory(dbFile);
  const db = new Database(dbFile);
  const aggregator = new CheckAggregator(db, { log: quiet, maxPendingRows: 1_000 });
  for (const [target, failed, latency, time] of RESULTS) aggregator.add(target, failed, latency, T(time) + 5_000);
  aggregator.flushNow();
  db.close();
});
afterAll(() => tmp.cleanup());

const checks = (...args: string[]) => runVigil(['checks', '--db', dbFile, '--utc', ...args]);
const json = (...args: string[]) => JSON.parse(checks('--json', ...args).stdout) as { since: string; until: string; resolution: string; rows: Array<Record<string, unknown>> };
const MORNING = ['--since', '2025-03-01T10:00:00Z', '--until', '2025-03-01T12:00:00Z'];
const DAY = ['--since', '2025-03-01T00:00:00Z', '--until', '2025-03-02T00:00:00Z'];

describe('vigil checks', () => {
  it('two hours, read from minute buckets: checks, failures, latency min/avg/max per target', () => {
    const result = checks(...MORNING);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      [
        '2025-03-01 10:00:00Z → 2025-03-01 12:00:00Z (2h), per-minute buckets',
        // ns1 first seen at noon and ns2 removed at 06:00 were not watched in this window
        'TARGET         CHECKS  FAILED  FAILED%  LATENCY MIN  AVG     MAX',
        // latency over the three checks that had one: (1.5 + 0.25 + 4) / 3
        'web-http/web1  4       2       50%      0.25ms       1.92ms  4ms',
        'web-http/web2  1       0       0%       2ms          2ms     2ms',
        '',
      ].join('\n'),
    );
  });

  it('a day, read from hour buckets; per service adds the targets up', () => {
    const answer = json(...DAY);
    expect(answer).toMatchObject({ since: '2025-03-01T00:00:00.000Z', until: '2025-03-02T00:00:00.000Z', resolution: 'hour' });
    expect(answer.rows).toEqual([
      { name: 'dns/ns1', service: 'dns', host: 'ns1', group: 'resolvers', targets: 1, checks: 1, failures: 1, failureRatio: 1, latencyMinMs: null, latencyAvgMs: null, latencyMaxMs: null },
      { name: 'dns/ns2', service: 'dns', host: 'ns2', group: 'resolvers', targets: 1, checks: 0, failures: 0, failureRatio: null, latencyMinMs: null, latencyAvgMs: null, latencyMaxMs: null },
      { name: 'web-http/web1', service: 'web-http', host: 'web1', group: 'web', targets: 1, checks: 5, failures: 2, failureRatio: 0.4, latencyMinMs: 0.25, latencyAvgMs: 15.75 / 4, latencyMaxMs: 10 },
      { name: 'web-http/web2', service: 'web-http', host: 'web2', group: 'web', targets: 1, checks: 2, failures: 0, failureRatio: 0, latencyMinMs: 2, latencyAvgMs: 2.5, latencyMaxMs: 3 },
    ]);
    expect(checks(...DAY, '--by', 'service').stdout.split('\n').slice(1).join('\n')).toBe(
      [
        'SERVICE   CHECKS  FAILED  FAILED%  LATENCY MIN  AVG     MAX',
        'dns       1       1       100%     -            -       -',
        // 2 of 7; latency (15.75 + 5) / 6
        'web-http  7       2       28.571%  0.25ms       3.46ms  10ms',
        '',
      ].join('\n'),
    );
  });

  it('--worst N: the largest share of failed checks first; a target without checks last', () => {
    expect(json(...DAY, '--worst', '3').rows.map((row) => [row.name, row.failureRatio])).toEqual([
      ['dns/ns1', 1],
      ['web-http/web1', 0.4],
      ['web-http/web2', 0],
    ]);
    expect(checks(...DAY, '--worst', '1').stdout.split('\n').slice(2).join('\n')).toBe('dns/ns1  1       1       100%     -            -    -\n');
  });

  it('a quarter is read from day buckets, widened to whole days', () => {
    const answer = json('--since', '2024-12-01T12:00:00Z', '--until', '2025-03-02T00:00:00Z', '--service', 'web-http');
    expect(answer).toMatchObject({ since: '2024-12-01T00:00:00.000Z', resolution: 'day' });
    expect(answer.rows.map((row) => [row.name, row.checks, row.failures])).toEqual([
      ['web-http/web1', 5, 2],
      ['web-http/web2', 2, 0],
    ]);
  });

  it('a window reaching back before the buckets kept says on stderr what the counts cover', () => {
    const result = checks('--resolution', 'minute', '--since', '2025-03-01T08:00:00Z', '--until', '2025-03-01T12:00:00Z');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('(the per-minute buckets start at 2025-03-01 10:00:00Z: the counts cover 2h of the 4h asked for)\n');
    expect(checks(...MORNING).stderr).toBe(''); // the buckets reach back to its start
  });

  it('when minute buckets no longer reach back to the start, hour buckets answer', () => {
    const db = new Database(dbFile);
    db.prepare('DELETE FROM checks_minute WHERE bucket < ?').run(T('11:00')); // as retention would
    db.close();
    const answer = json(...MORNING);
    expect(answer.resolution).toBe('hour');
    expect(answer.rows.map((row) => [row.name, row.checks, row.failures])).toEqual([
      ['web-http/web1', 4, 2],
      ['web-http/web2', 1, 0],
    ]);
    expect(json(...MORNING, '--resolution', 'minute').rows.map((row) => [row.name, row.checks])).toEqual([
      ['web-http/web1', 1],
      ['web-http/web2', 0],
    ]);
  });

  it('many targets read coarser buckets: a 2-hour window over 2,100 targets is read from hours', () => {
    const many = tmp.path('many.db');
    const db = new Database(many);
    migrate(db);
    const insert = db.prepare("INSERT INTO targets (key, service, grp, host, state, since, updated_at) VALUES (?, 'web', 'web', ?, 'up', 0, 0)");
    db.transaction(() => {
      for (let i = 0; i < 2_100; i++) insert.run(`web/h${i}`, `h${i}`);
    })();
    db.close();
    const resolution = (...args: string[]) => (JSON.parse(runVigil(['checks', '--db', many, '--json', ...args]).stdout) as { resolution: string }).resolution;
    // 2,100 targets × 120 minutes is over the budget of 250,000 rows; one target × 120 is not.
    expect(resolution(...MORNING)).toBe('hour');
    expect(resolution(...MORNING, '--host', 'h1')).toBe('minute');
  });
});
