// TCP connect check: UP when the port accepts a connection. The same check as keepalived's
// TCP_CHECK and ldirectord's `checktype = connect`.
import net from 'node:net';
import { defineCheck, describeError, z } from 'vigil/plugin';

export default defineCheck({
  type: 'tcp',
  description: 'UP when a TCP connection to the port is accepted',
  options: z.strictObject({
    port: z.int().min(1).max(65535).optional().describe('Port, when the host entry gives none'),
  }),
  schemes: ['tcp'],
  fromUrl(url) {
    return { address: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : undefined, options: {} };
  },
  async run(target, options, ctx) {
    const port = target.port ?? options.port;
    if (!port) return { status: 'unknown', message: 'no port: write the host as address:port or set the check option port' };
    return new Promise((resolve) => {
      const socket = net.connect({ host: target.address, port });
      const finish = (result: { status: 'up' | 'down'; message: string }) => {
        ctx.signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve(result);
      };
      const onAbort = () => finish({ status: 'down', message: `connect to ${target.address}:${port} aborted` });
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => finish({ status: 'up', message: `connected to ${target.address}:${port}` }));
      socket.once('error', (err) => finish({ status: 'down', message: describeError(err) }));
    });
  },
});
