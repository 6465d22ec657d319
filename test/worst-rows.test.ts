// --worst N picks the N least available rows in one pass; it must agree with sorting them all.
import { describe, expect, it } from 'vitest';
import { worstRows } from '../src/cli/report-options.js';

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
    for (const count of [1, 2, 20, 500, 2_000, 5_000]) expect(worstRows(rows, count)).toEqual(sorted.slice(0, count));
  });
});
