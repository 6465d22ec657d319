// The real FreeRADIUS server (Debian's freeradius) for the radius check's tests: Debian's
// configuration (/etc/freeradius/3.0) copied into a temporary directory, with one client
// (127.0.0.1, RADIUS_SECRET), test users in the files module's authorize file, and one virtual
// server that listens for Access-Requests on a free UDP port of 127.0.0.1 only (no accounting, no
// status, no inner-tunnel, no EAP: those need certificates or ports of their own). It runs in the
// foreground as the current user (Debian's user/group settings taken out), logging to stdout with
// every Login OK / Login incorrect; it is stopped by its PID and the directory is removed.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { serverProcess, type RunningServer } from './server-process.js';
import { freeUdpPort } from './servers.js';
import { tempDir } from './temp-dir.js';

export const RADIUS_SECRET = 'radius-test-secret';
export const RADIUS_USER = 'monitor';
export const RADIUS_PASSWORD = 'check-me';
/** A user whose password spans three 16-byte blocks of the hidden User-Password (RFC 2865 5.2). */
export const LONG_PASSWORD_USER = 'long-password';
export const LONG_PASSWORD = 'a password longer than two blocks: 0123456789';
/** A user the server answers with an Access-Challenge (as a server asking for a second factor). */
export const CHALLENGE_USER = 'token-user';
/** What the server says in an Access-Reject (Reply-Message). */
export const REJECT_MESSAGE = 'Login incorrect';

const FREERADIUS = '/usr/sbin/freeradius';
const DEBIAN_CONFIG = '/etc/freeradius/3.0';

/** Its log has each request's Login OK / Login incorrect, and the packets it dropped. */
export type RadiusServer = RunningServer;

const CLIENTS = `client vigil-test {
	ipaddr = 127.0.0.1
	secret = ${RADIUS_SECRET}
	shortname = vigil-test
}
`;

// The files module's users: check items (Cleartext-Password, Response-Packet-Type) first, reply items indented below.
const USERS = `${RADIUS_USER} Cleartext-Password := "${RADIUS_PASSWORD}"

${LONG_PASSWORD_USER} Cleartext-Password := "${LONG_PASSWORD}"

${CHALLENGE_USER} Cleartext-Password := "token", Response-Packet-Type := Access-Challenge
	Reply-Message := "Enter the code from your token",
	State := 0x01020304
`;

function site(port: number): string {
  return `server vigil-test {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = ${port}
	}
	authorize {
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	post-auth {
		Post-Auth-Type REJECT {
			update reply {
				Reply-Message := "${REJECT_MESSAGE}"
			}
			attr_filter.access_reject
		}
	}
}
`;
}

/** Starts FreeRADIUS with the users above; resolves once it is ready to process requests. */
export async function startFreeradius(): Promise<RadiusServer> {
  if (!existsSync(FREERADIUS)) throw new Error(`${FREERADIUS} is not installed (Debian package freeradius; see test/install-system-packages.sh)`);
  const dir = tempDir('vigil-freeradius-');
  try {
    // Relative symlinks (mods-enabled/pap -> ../mods-available/pap) kept as they are, into the copy.
    cpSync(DEBIAN_CONFIG, dir.dir, { recursive: true, verbatimSymlinks: true });
  } catch (err) {
    dir.cleanup();
    throw new Error(`cannot copy ${DEBIAN_CONFIG} (its files are readable by root and freerad only): ${String(err)}`);
  }
  mkdirSync(dir.path('log'));
  mkdirSync(dir.path('run'));
  const conf = readFileSync(dir.path('radiusd.conf'), 'utf8')
    .replace(/^raddbdir = .*$/m, `raddbdir = ${dir.dir}`)
    .replace(/^logdir = .*$/m, `logdir = ${dir.path('log')}`)
    .replace(/^run_dir = .*$/m, `run_dir = ${dir.path('run')}`)
    // Run as whoever runs the tests, not as Debian's freerad.
    .replace(/^(\s*)(user|group) = freerad$/gm, '$1# $2 = freerad')
    // Log each authentication (Login OK / Login incorrect) to stdout.
    .replace(/^(\s*)auth = no$/m, '$1auth = yes');
  writeFileSync(dir.path('radiusd.conf'), conf);
  writeFileSync(dir.path('clients.conf'), CLIENTS);
  writeFileSync(dir.path('mods-config/files/authorize'), USERS);
  // Only our virtual server: Debian's default one also listens for accounting on 1813 (and ::),
  // inner-tunnel on 18120; the EAP module needs certificates the package does not make.
  rmSync(dir.path('sites-enabled'), { recursive: true });
  mkdirSync(dir.path('sites-enabled'));
  rmSync(dir.path('mods-enabled/eap'));
  const port = await freeUdpPort();
  writeFileSync(dir.path('sites-enabled/vigil-test'), site(port));

  // -f: foreground, so the PID is the server's own; -l stdout: its log to us.
  const child = spawn(FREERADIUS, ['-f', '-d', dir.dir, '-l', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { output: log, whenReady, stop } = serverProcess(child, dir.cleanup);
  await whenReady(() => log().includes('Ready to process requests'), () => `freeradius ready on 127.0.0.1:${port}; its output:\n${log()}`, 15_000);
  return { port, pid: child.pid!, log, stop };
}
