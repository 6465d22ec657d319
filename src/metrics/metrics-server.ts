// Serves GET /metrics (Prometheus text format) on the address given in the config.
import http from 'node:http';
import type { Logger } from '../plugin.js';
import type { Metrics } from './metrics.js';

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!match) throw new Error(`metrics.listen: expected host:port, got ${JSON.stringify(listen)}`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}

export async function startMetricsServer(metrics: Metrics, listen: string, log: Logger): Promise<http.Server> {
  const { host, port } = parseListen(listen);
  const server = http.createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && req.url !== '/')) {
      res.writeHead(404).end('try GET /metrics\n');
      return;
    }
    try {
      const body = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  log.info(`metrics on http://${host.includes(':') ? `[${host}]` : host}:${address.port}/metrics`);
  return server;
}
