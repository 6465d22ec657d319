// Reads the daemon's /metrics: sums of counters and percentiles of histograms between two scrapes.
import { request } from 'undici';

export type Samples = Map<string, number>;

export async function scrape(url: string): Promise<Samples> {
  const response = await request(url);
  const text = await response.body.text();
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

/** Sum of every sample of `name` (all label sets) whose labels contain `filter`. */
export function total(samples: Samples, name: string, filter = ''): number {
  let sum = 0;
  for (const [key, value] of samples) {
    if ((key === name || key.startsWith(`${name}{`)) && key.includes(filter)) sum += value;
  }
  return sum;
}

export function value(samples: Samples, key: string): number | undefined {
  return samples.get(key);
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  /** Upper bound of the highest bucket that received observations. */
  max: number;
}

/** Percentiles (in seconds) of a histogram's observations made between `before` and `after`. */
export function histogramBetween(before: Samples, after: Samples, name: string): Percentiles {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [key, count] of after) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`).exec(key);
    if (!match) continue;
    buckets.push({ le: match[1] === '+Inf' ? Infinity : Number(match[1]), count: count - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const quantile = (q: number) => {
    const rank = q * count;
    let previous = { le: 0, count: 0 };
    for (const bucket of buckets) {
      if (bucket.count >= rank) {
        if (bucket.le === Infinity) return previous.le;
        const within = bucket.count - previous.count;
        return within ? previous.le + ((bucket.le - previous.le) * (rank - previous.count)) / within : bucket.le;
      }
      previous = bucket;
    }
    return previous.le;
  };
  let max = 0;
  let previousCount = 0;
  for (const bucket of buckets) {
    if (bucket.count > previousCount) max = bucket.le;
    previousCount = bucket.count;
  }
  return { count, p50: quantile(0.5), p99: quantile(0.99), max };
}
