// HTTP(S) check with undici: a new connection per check (so a dead accept queue is seen),
// the status code must be in the expected set.
import { Client } from 'undici';
import { defineCheck, describeError, z } from 'vigil/plugin';

/** `200-299 301 503`, `200` or `[200, "300-399"]` → a predicate on status codes. */
export function parseStatusSet(spec: string | number | Array<number | string>): ((status: number) => boolean) | string {
  const parts = (Array.isArray(spec) ? spec.map(String) : String(spec).split(/[\s,]+/)).filter(Boolean);
  const ranges: Array<[number, number]> = [];
  for (const part of parts) {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(part);
    if (!match) return `expected status codes like "200-299 301", got ${JSON.stringify(part)}`;
    ranges.push([Number(match[1]), Number(match[2] ?? match[1])]);
  }
  if (!ranges.length) return 'expected at least one status code';
  return (status) => ranges.some(([low, high]) => status >= low && status <= high);
}

const statusSet = z
  .union([z.string(), z.int(), z.array(z.union([z.int(), z.string()]))])
  .superRefine((value, ctx) => {
    const parsed = parseStatusSet(value);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

export default defineCheck({
  type: 'http',
  description: 'UP when an HTTP(S) request answers with an expected status code',
  options: z.strictObject({
    scheme: z.enum(['http', 'https']).default('http'),
    port: z.int().min(1).max(65535).optional().describe('Port, when the host entry gives none (default 80/443)'),
    path: z.string().startsWith('/').default('/'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS']).default('GET'),
    host_header: z.string().optional().describe('Host header (virtual host); default: the target address'),
    expect_status: statusSet.default('200-399').describe('Accepted status codes: "200-299 301"'),
    tls_verify: z.boolean().default(true),
  }),
  schemes: ['http', 'https'],
  fromUrl(url) {
    return {
      address: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : undefined,
      options: { scheme: url.protocol.slice(0, -1), path: `${url.pathname}${url.search}` },
    };
  },
  async run(target, options, ctx) {
    const port = target.port ?? options.port ?? (options.scheme === 'https' ? 443 : 80);
    const host = target.address.includes(':') ? `[${target.address}]` : target.address;
    const origin = `${options.scheme}://${host}:${port}`;
    const accepts = parseStatusSet(options.expect_status) as (status: number) => boolean;
    const client = new Client(origin, { connect: { rejectUnauthorized: options.tls_verify }, pipelining: 0 });
    try {
      const response = await client.request({
        method: options.method,
        path: options.path,
        headers: { host: options.host_header ?? `${host}:${port}`, 'user-agent': 'vigil-health-check', connection: 'close' },
        signal: ctx.signal,
      });
      await response.body.dump();
      const line = `HTTP ${response.statusCode} from ${origin}${options.path}`;
      return accepts(response.statusCode)
        ? { status: 'up', message: line }
        : { status: 'down', message: `${line}: status ${response.statusCode} not in ${JSON.stringify(options.expect_status)}` };
    } catch (err) {
      return { status: 'down', message: ctx.signal.aborted ? `no answer from ${origin}${options.path}` : describeError(err) };
    } finally {
      client.destroy().catch(() => undefined);
    }
  },
});
