// The real Kamailio SIP server (Debian's kamailio) for the sip check's tests: a minimal
// configuration written to a temporary directory that listens on UDP and TCP 127.0.0.1 on one free
// port and answers statelessly (sl_send_reply) OPTIONS with 200 OK and any other request with 404
// Not Found. It runs in the foreground (-DD, logging to stderr with -E) with its runtime directory
// in the temporary one, and is stopped by its PID (its children follow the main process).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { serverProcess, type RunningServer } from './server-process.js';
import { freeTcpAndUdpPort } from './servers.js';
import { tempDir } from './temp-dir.js';

const KAMAILIO = '/usr/sbin/kamailio';

export type SipServer = RunningServer;

function config(port: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
disable_sctp=yes
listen=udp:127.0.0.1:${port}
listen=tcp:127.0.0.1:${port}
loadmodule "sl.so"

request_route {
	if (method == "OPTIONS") {
		sl_send_reply("200", "OK");
		exit;
	}
	sl_send_reply("404", "Not Found");
	exit;
}
`;
}

/** Starts Kamailio; resolves once it accepts TCP connections (its UDP socket is bound before). */
export async function startKamailio(): Promise<SipServer> {
  if (!existsSync(KAMAILIO)) throw new Error(`${KAMAILIO} is not installed (Debian package kamailio; see test/install-system-packages.sh)`);
  const dir = tempDir('vigil-kamailio-');
  const port = await freeTcpAndUdpPort();
  const cfg = dir.write('kamailio.cfg', config(port));
  // -DD: no daemon, so the PID is the main process; -E: log to stderr; -Y: runtime directory (not
  // /run/kamailio); -m/-M: small shared and private memory.
  const child = spawn(KAMAILIO, ['-DD', '-E', '-f', cfg, '-Y', dir.dir, '-m', '16', '-M', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { output: log, whenReady, stop } = serverProcess(child, dir.cleanup);
  await whenReady(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
    () => `kamailio listening on 127.0.0.1:${port}; its output:\n${log()}`,
    15_000,
  );
  return { port, pid: child.pid!, log, stop };
}
