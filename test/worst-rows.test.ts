// --worst N picks the N least available rows in one pass; it must agree with sorting them all.
import { describe, expect, it } from 'vitest';
import { lessAvailable, moreFailing, worstRows } from '../src/cli/report-options.js';

describe('worstRows', () => {
  it('agrees with a full sort, ties (same availability, same downtime) and rows with nothing counted included', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const rows = Array.from({ length: 2_000 }, (_, i) => ({
      name: `svc${String(i % 37).padStart(2, '0')}/host${i}`,
      availability: random() < 0.05 ? null : Math.floor(random() * 20) / 20, // many equal values
      downtimeMs: Math.floor(random() * 4) * 1_000,
    }));
    const rank = (row: (typeof rows)[number]) => row.availability ?? Infinity;
    const sorted = [...rows].sort((a, b) => rank(a) - rank(b) || b.downtimeMs - a.downtimeMs || (a.name < b.name ? -1 : 1));
    for (const count of [1, 2, 20, 500, 2_000, 5_000]) expect(worstRows(rows, count, lessAvailable)).toEqual(sorted.slice(0, count));
  });

  it('check reports: the largest share of failed checks first, then more failures; rows without checks last', () => {
    const rows = [
      { name: 'a', failureRatio: 0.1, failures: 1 },
      { name: 'b', failureRatio: null, failures: 0 },
      { name: 'c', failureRatio: 0.5, failures: 5 },
      { name: 'd', failureRatio: 0.1, failures: 10 },
      { name: 'e', failureRatio: 0, failures: 0 },
    ];
    expect(worstRows(rows, 5, moreFailing).map((row) => row.name)).toEqual(['c', 'd', 'a', 'e', 'b']);
    expect(worstRows(rows, 2, moreFailing).map((row) => row.name)).toEqual(['c', 'd']);
  });
});
