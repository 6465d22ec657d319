// The pure pieces of the alert policy, with exact inputs: periods (mon's Time::Period meaning),
// Nagios' percent state change, maintenance windows a restart lands in, and templates.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import { percentStateChange } from '../src/alerting/flap-detector.js';
import { currentWindowStart, MaintenanceWindows, offsetMinutes, skippedWindowStart } from '../src/alerting/maintenance-windows.js';
import type { Plan } from '../src/plan.js';
import { decide, EMPTY_ROUTE_STATE, isDecision, type RouteState, type Situation } from '../src/alerting/route-decision.js';
import type { RoutePlan } from '../src/alerting/alert-policy.js';
import { renderTemplate, TEMPLATE_FIELDS, templateFields, templateProblem } from '../src/alerting/template.js';
import { inPeriod, parsePeriod, type TimePeriod } from '../src/alerting/time-period.js';
import type { AlertEvent } from '../src/plugin.js';

const period = (value: Parameters<typeof parsePeriod>[0]): TimePeriod => {
  const parsed = parsePeriod(value);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};
// 2026-11-16 is a Monday; local time, as mon uses.
const at = (day: number, hour: number, minute = 0) => new Date(2026, 10, 16 + day, hour, minute);

describe('time periods', () => {
  it('{ days: Mon-Fri, hours: 7am-10pm }: weekdays from 07:00 up to, not including, 22:00', () => {
    const office = period({ days: 'Mon-Fri', hours: '7am-10pm' });
    expect(inPeriod(office, at(0, 7))).toBe(true); // Monday 07:00
    expect(inPeriod(office, at(0, 6, 59))).toBe(false);
    expect(inPeriod(office, at(4, 21, 59))).toBe(true); // Friday 21:59
    expect(inPeriod(office, at(4, 22))).toBe(false); // Friday 22:00
    expect(inPeriod(office, at(5, 12))).toBe(false); // Saturday noon
  });

  it("mon's form means what Time::Period means: hr {7am-10pm} includes its last hour, wd takes su and 1-7", () => {
    const office = period('wd {mo-fr} hr {7am-10pm}');
    expect(inPeriod(office, at(4, 22, 59))).toBe(true); // Friday 22:59
    expect(inPeriod(office, at(4, 23))).toBe(false);
    expect(inPeriod(period('wd {1}'), at(6, 12))).toBe(true); // 1 is Sunday
    expect(inPeriod(period('hr {18}'), at(2, 18, 30))).toBe(true);
  });

  it("mon's form agrees with the real Time::Period (libtime-period-perl) over a week, every 20 minutes", (context) => {
    const periods = ['wd {mo-fr} hr {9-17}', 'wd {su}', 'wd {1-7}', 'wd {2 4 6}', 'hr {18}', 'hr {6pm}', 'hr {10pm-6am}', 'wd {fr-mo} hr {12am-1am}', 'wd {Sat Sun}, hr {12noon}', 'hr {0-23}', 'hr {3-2}', 'wd {Mon-Fri} hr {7am-10pm}'];
    const start = at(6, 0, 10).getTime(); // a Sunday, 00:10 local time
    const times = Array.from({ length: 7 * 72 }, (_, i) => Math.floor((start + i * 20 * 60_000) / 1000));
    const perl = spawnSync('perl', ['-MTime::Period', '-e', 'my @p = split /\\n/, shift; my @t = split / /, shift; print join("", map { my $t = $_; map { inPeriod($t, $_) == 1 ? 1 : 0 } @p } @t);', periods.join('\n'), times.join(' ')], { encoding: 'utf8' });
    if (perl.status !== 0) return context.skip(`perl's Time::Period is not installed (libtime-period-perl, which mon pulls in): ${perl.stderr.trim()}`);
    const ours = times.map((time) => periods.map((text) => (inPeriod(period(text), new Date(time * 1000)) ? 1 : 0)).join('')).join('');
    const differing = [...ours].flatMap((bit, i) => (bit === perl.stdout[i] ? [] : [`${periods[i % periods.length]} at ${new Date(times[Math.floor(i / periods.length)]! * 1000).toString()}: Time::Period ${perl.stdout[i]}, Vigil ${bit}`]));
    expect(differing).toEqual([]);
  });

  it('ranges past midnight and wrapping weekday ranges', () => {
    const nights = period({ days: 'Fri-Mon', hours: '22:00-06:30' });
    expect(inPeriod(nights, at(4, 23))).toBe(true); // Friday 23:00
    expect(inPeriod(nights, at(5, 3))).toBe(true); // Saturday 03:00
    expect(inPeriod(nights, at(0, 6, 29))).toBe(true); // Monday 06:29
    expect(inPeriod(nights, at(0, 6, 30))).toBe(false);
    expect(inPeriod(nights, at(1, 1))).toBe(false); // Tuesday 01:00: not a listed day
  });

  it('a list (or mon commas) means any of its parts; 12am is midnight, 12pm noon', () => {
    const either = period([{ days: 'Sat Sun' }, { hours: '12am-1am' }]);
    const mon = period('wd {Sat Sun}, hr {12am-1am}');
    for (const p of [either, mon]) {
      expect(inPeriod(p, at(2, 0, 30))).toBe(true); // Wednesday 00:30
      expect(inPeriod(p, at(2, 12))).toBe(false);
      expect(inPeriod(p, at(6, 12))).toBe(true); // Sunday
    }
    expect(inPeriod(period({ hours: '12pm-1pm' }), at(2, 12, 30))).toBe(true);
  });

  it('time_zone: the days and hours are read in that zone, whatever the local time', () => {
    // Monday 2026-11-16 14:30 UTC is 09:30 in New York and 23:30 in Tokyo (Japan has no DST).
    const instant = new Date(Date.UTC(2026, 10, 16, 14, 30));
    const newYorkOffice = period({ days: 'Mon-Fri', hours: '9am-5pm', time_zone: 'America/New_York' });
    const tokyoOffice = period({ days: 'Mon-Fri', hours: '9am-5pm', time_zone: 'Asia/Tokyo' });
    expect(inPeriod(newYorkOffice, instant)).toBe(true);
    expect(inPeriod(tokyoOffice, instant)).toBe(false);
    // 2026-11-20 Friday 23:30 UTC is Saturday 08:30 in Tokyo: the weekday is Tokyo's too.
    const fridayNightUtc = new Date(Date.UTC(2026, 10, 20, 23, 30));
    expect(inPeriod(period({ days: 'Sat', time_zone: 'Asia/Tokyo' }), fridayNightUtc)).toBe(true);
    expect(inPeriod(period({ days: 'Sat', time_zone: 'UTC' }), fridayNightUtc)).toBe(false);
    // Daylight saving: 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
    const berlinMorning = period({ hours: '9am-10am', time_zone: 'Europe/Berlin' });
    expect(inPeriod(berlinMorning, new Date(Date.UTC(2026, 0, 12, 8, 0)))).toBe(true);
    expect(inPeriod(berlinMorning, new Date(Date.UTC(2026, 6, 13, 7, 0)))).toBe(true);
    expect(inPeriod(berlinMorning, new Date(Date.UTC(2026, 6, 13, 8, 0)))).toBe(false);
    // Entries of a list each keep their own zone.
    const either = period([{ hours: '9am-5pm', time_zone: 'America/New_York' }, { hours: '9am-5pm', time_zone: 'Asia/Tokyo' }]);
    expect(inPeriod(either, instant)).toBe(true);
    expect(inPeriod(either, new Date(Date.UTC(2026, 10, 16, 12, 0)))).toBe(false); // 07:00 NY, 21:00 Tokyo
  });

  it('says what is wrong with a period', () => {
    expect(parsePeriod({ hours: '7am-25pm' })).toBe("hours: '25pm': with am/pm the hour is 1 to 12");
    expect(parsePeriod({ days: 'Mon-Fry' })).toBe("days: 'Fry' is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    expect(parsePeriod({ hours: '9am' })).toBe("hours: '9am' is not an hour range (write start-end, e.g. 7am-10pm)");
    expect(parsePeriod({})).toBe('a period needs days, hours, or both');
    expect(parsePeriod('yr {2026}')).toBe("scale 'yr' is not supported (use wd and hr)");
    expect(parsePeriod('wd {Mon} whenever')).toMatch(/cannot read 'whenever'/);
    expect(parsePeriod({ hours: '9am-5pm', time_zone: 'Europe/Berln' })).toBe('time_zone: unknown time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin)');
  });
});

describe("Nagios' percent state change", () => {
  it('is 0 for steady results, 100 for results that change every time, and weighs recent changes more', () => {
    expect(percentStateChange(Array(21).fill(true))).toBe(0);
    expect(percentStateChange(Array.from({ length: 21 }, (_, i) => i % 2 === 0))).toBeCloseTo(100);
    const oldChange = [false, ...Array(20).fill(true)];
    const newChange = [...Array(20).fill(true), false];
    expect(percentStateChange(oldChange)).toBeCloseTo((0.75 / 20) * 100);
    expect(percentStateChange(newChange)).toBeCloseTo((1.25 / 20) * 100);
  });
});

describe('maintenance windows', () => {
  it('finds the occurrence a (re)start falls into, with node-cron matching', () => {
    const task = createTask('0 2 * * Sun', () => undefined);
    const window = { name: 'patching', cron: '0 2 * * Sun', durationMs: 2 * 3_600_000 };
    const sunday = (hour: number, minute = 0) => new Date(2026, 10, 22, hour, minute).getTime();
    expect(currentWindowStart(window, (date) => task.match(date), sunday(3, 30))).toBe(sunday(2));
    expect(currentWindowStart(window, (date) => task.match(date), sunday(2))).toBe(sunday(2));
    expect(currentWindowStart(window, (date) => task.match(date), sunday(4))).toBeUndefined(); // over
    expect(currentWindowStart(window, (date) => task.match(date), sunday(1, 59))).toBeUndefined(); // not yet
    void task.destroy();
  });

  it('a start the clocks skip when daylight saving starts opens at the change, as cron(8) runs it', () => {
    // The docs' example, `0 2 * * Sun` in Europe/Berlin: 2026-03-29 has no 02:00 (01:00Z goes from
    // 02:00 CET to 03:00 CEST), and node-cron matches no instant of that night.
    const berlin = createTask('0 2 * * Sun', () => undefined, { timezone: 'Europe/Berlin' });
    const night = Array.from({ length: 6 * 60 }, (_, i) => Date.parse('2026-03-28T22:00:00Z') + i * 60_000);
    expect(night.filter((at) => berlin.match(new Date(at)))).toEqual([]);
    void berlin.destroy();

    const wallClock = createTask('0 2 * * Sun', () => undefined, { timezone: 'UTC' });
    const wall = (date: Date) => wallClock.match(date);
    const inZone = (zone: string) => (at: number) => offsetMinutes(at, zone);
    const change = Date.parse('2026-03-29T01:00:00Z');
    expect(skippedWindowStart('0 2 * * Sun', wall, inZone('Europe/Berlin'), change - 60_000, change)).toBe(change);
    expect(skippedWindowStart('0 2 * * Sun', wall, inZone('Europe/Berlin'), change, change + 60_000)).toBeUndefined(); // seen already
    expect(skippedWindowStart('0 2 * * Sun', wall, inZone('Europe/Berlin'), change - 3_600_000, change + 1_800_000)).toBe(change); // a restart at 03:30
    expect(skippedWindowStart('0 2 * * Sun', wall, inZone('UTC'), change - 60_000, change)).toBeUndefined();
    // The autumn change repeats 02:00, which node-cron fires (once): nothing to make up.
    const autumn = Date.parse('2026-10-25T01:00:00Z');
    expect(skippedWindowStart('0 2 * * Sun', wall, inZone('Europe/Berlin'), autumn - 60_000, autumn)).toBeUndefined();
    void wallClock.destroy();
    // Half-hour zones: Adelaide goes from 02:00 ACST (+09:30) to 03:00 ACDT on 2026-10-04, 16:30Z.
    const daily = createTask('30 2 * * *', () => undefined, { timezone: 'UTC' });
    const adelaide = Date.parse('2026-10-03T16:30:00Z');
    expect(skippedWindowStart('30 2 * * *', (date) => daily.match(date), inZone('Australia/Adelaide'), adelaide - 60_000, adelaide)).toBe(adelaide);
    void daily.destroy();

    // The daemon, restarted at 03:30 CEST that night, puts the window's targets in maintenance
    // until two hours after the change.
    const set: Array<[string[], { until?: number; reason?: string } | undefined]> = [];
    const host = { setMaintenance: (ids: string[], m: { until?: number; reason?: string } | undefined) => (set.push([ids, m]), ids), flagsOf: () => undefined };
    const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const windows = new MaintenanceWindows(host, log as never, () => change + 1_800_000);
    const plan = {
      maintenance: [{ name: 'patching', cron: '0 2 * * Sun', durationMs: 2 * 3_600_000, timeZone: 'Europe/Berlin' }],
      targets: new Map([['web/web1', { target: { id: 'web/web1', service: 'web', group: 'pool', name: 'web1', address: '10.0.0.11' } }]]),
    } as unknown as Plan;
    windows.apply(plan);
    windows.stop();
    expect(set).toEqual([[['web/web1'], { until: change + 2 * 3_600_000, reason: 'maintenance window patching' }]]);
  });
});

describe('templates', () => {
  const event: AlertEvent = {
    kind: 'down',
    target: { id: 'web/web1', service: 'web', group: 'pool', name: 'web1', address: '10.0.0.11', port: 80 },
    from: 'up',
    to: 'down',
    at: new Date('2026-11-16T10:00:30Z'),
    result: { status: 'down', message: 'connection refused (10.0.0.11:80)' },
    outage: { id: 7, startedAt: new Date('2026-11-16T10:00:00Z'), cause: 'HTTP 503' },
    groupHosts: ['web1', 'web2'],
  };

  it('fills in the outage facts and nothing else', () => {
    const text = renderTemplate('{{KIND}} {{ target }} is {{state}} for {{duration}}: {{cause}} [{{hosts}}] #{{outage_id}} {{at_unix}}', templateFields(event));
    expect(text).toBe('DOWN web/web1 is DOWN for 30s: HTTP 503 [web1 web2] #7 1794823230');
    expect(renderTemplate('{{constructor}} {{__proto__}}', templateFields(event))).toBe(' ');
  });

  it('docs/alerts.md lists every field', () => {
    const docs = readFileSync(new URL('../docs/alerts.md', import.meta.url), 'utf8');
    for (const field of Object.keys(TEMPLATE_FIELDS)) expect(docs).toContain(`{{${field}}}`);
  });

  it('rejects unknown fields and stray braces at load time', () => {
    expect(templateProblem('{{target}} {{hostname}}')).toMatch(/^unknown template field \{\{hostname\}\}; available: kind, KIND, target/);
    expect(templateProblem('{{target}')).toBe('unbalanced {{ or }} in the template');
    expect(templateProblem('{{ process.exit() }}')).toMatch(/unknown template field \{\{process\.exit\(\)\}\}/);
    expect(templateProblem('{{target}} is {{state}}')).toBeUndefined();
  });
});

describe('route decisions', () => {
  const route: RoutePlan = { alert: 'pager', mode: 'notify', policy: { after: { consecutive: 3 }, up: true, startup: false } };
  const situation = (over: Partial<Situation>): Situation => ({
    now: 1_000_000,
    atCheck: true,
    state: 'down',
    previousState: 'up',
    outageId: 5,
    flapping: false,
    held: false,
    parentDown: false,
    acknowledged: false,
    consecutiveFailures: 1,
    failuresSince: () => 1,
    ...over,
  });

  it('settles: asked again about the same situation, it changes nothing (no write per check)', () => {
    let state: RouteState = EMPTY_ROUTE_STATE;
    const first = decide(route, state, situation({}));
    expect(first).toEqual({ ...EMPTY_ROUTE_STATE, outageId: 5 }); // counting for outage #5 begins, nothing sent
    state = first as RouteState;
    expect(decide(route, state, situation({ consecutiveFailures: 2 }))).toBeUndefined();
    const third = decide(route, state, situation({ consecutiveFailures: 3 }));
    expect(isDecision(third) && [third.kind, third.from, third.next]).toEqual(['down', 'up', { outageId: 5, downSent: true, sent: 1, lastSentAt: 1_000_000, told: 'down' }]);
    state = (third as { next: RouteState }).next;
    expect(decide(route, state, situation({ consecutiveFailures: 9 }))).toBeUndefined();
  });

  it('every: repeats at the check that comes about `every` after the last alert, even a few ms early', () => {
    const everyHour: RoutePlan = { ...route, policy: { ...route.policy, everyMs: 3_600_000 } };
    const alerted: RouteState = { outageId: 5, downSent: true, sent: 1, lastSentAt: 1_000_000, told: 'down' };
    const at = (now: number) => decide(everyHour, alerted, situation({ consecutiveFailures: 9, now }));
    expect(at(1_000_000 + 3_300_000)).toBeUndefined(); // the check 55 minutes later
    const early = at(1_000_000 + 3_600_000 - 3); // the check an hour later, 3 ms ahead of its phase
    expect(isDecision(early) && early.kind).toBe('repeat');
  });

  it('every: 0s repeats at each check, not when asked again by a flag change', () => {
    const everyCheck: RoutePlan = { ...route, policy: { ...route.policy, everyMs: 0 } };
    const alerted: RouteState = { outageId: 5, downSent: true, sent: 1, lastSentAt: 1_000_000, told: 'down' };
    const check = decide(everyCheck, alerted, situation({ consecutiveFailures: 9, now: 1_000_100 }));
    expect(isDecision(check) && check.kind).toBe('repeat');
    expect(decide(everyCheck, alerted, situation({ consecutiveFailures: 9, now: 1_000_100, atCheck: false }))).toBeUndefined();
  });

  it('a new outage starts counting again; a recovery owes an up alert only after a down alert', () => {
    const alerted: RouteState = { outageId: 5, downSent: true, sent: 1, lastSentAt: 0, told: 'down' };
    expect(decide(route, alerted, situation({ outageId: 6 }))).toEqual({ ...EMPTY_ROUTE_STATE, outageId: 6, told: 'down' });
    const up = decide(route, alerted, situation({ state: 'up', outageId: undefined }));
    expect(isDecision(up) && up.kind).toBe('up');
    expect(decide(route, { ...EMPTY_ROUTE_STATE, outageId: 5 }, situation({ state: 'up', outageId: undefined }))).toBeUndefined();
  });

  it("down: false (mon's upalert alone) sends no down or repeat, and the up alert only after the down it would have sent", () => {
    const upOnly: RoutePlan = { ...route, policy: { ...route.policy, everyMs: 0, down: false } };
    let state: RouteState = EMPTY_ROUTE_STATE;
    state = decide(upOnly, state, situation({ consecutiveFailures: 1 })) as RouteState;
    expect(isDecision(state)).toBe(false);
    // Before `after` is reached the outage is not owed an up alert.
    expect(decide(upOnly, state, situation({ state: 'up', outageId: undefined }))).toBeUndefined();
    const wouldAlert = decide(upOnly, state, situation({ consecutiveFailures: 3 }));
    expect(isDecision(wouldAlert)).toBe(false);
    expect(wouldAlert).toMatchObject({ downSent: true, told: 'down' });
    state = wouldAlert as RouteState;
    expect(decide(upOnly, state, situation({ consecutiveFailures: 4, now: 2_000_000 }))).toBeUndefined(); // no repeat either
    const up = decide(upOnly, state, situation({ state: 'up', outageId: undefined }));
    expect(isDecision(up) && up.kind).toBe('up');
  });
});
