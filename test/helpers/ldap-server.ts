// The real OpenLDAP server (Debian's slapd) for the ldap check's tests: a temporary directory with
// a slapd.conf, an mdb database for dc=example,dc=test loaded with slapadd before the start, on
// 127.0.0.1 only (and ldaps:// with a test PKI), run in the foreground as the current user and
// stopped by its PID; the directory is removed. Data changes go through ldapmodify (ldap-utils),
// a client independent of the code under test.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import type { TestPki } from './certificates.js';
import { closedPort } from './servers.js';
import { serverProcess, type RunningServer } from './server-process.js';
import { tempDir } from './temp-dir.js';

export const LDAP_BASE = 'dc=example,dc=test';
export const MONITOR_DN = `cn=monitor,${LDAP_BASE}`;
export const MONITOR_PASSWORD = 'check-me';
const ADMIN_DN = `cn=admin,${LDAP_BASE}`;
const ADMIN_PASSWORD = 'admin-secret';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const LDAPSEARCH = '/usr/bin/ldapsearch';
const LDAPMODIFY = '/usr/bin/ldapmodify';

export interface LdapServer extends RunningServer {
  /** The ldaps:// port, when started with a PKI. */
  tlsPort?: number;
  /** Applies LDIF change records as the rootdn (ldapmodify). */
  modify(ldif: string): Promise<void>;
}

/**
 * The tree: the base entry; cn=monitor (userPassword MONITOR_PASSWORD) to bind as; ou=people with
 * alice and bob; ou=private, which only cn=monitor may read (anonymous searches do not see it).
 */
const DATA = `dn: ${LDAP_BASE}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ${MONITOR_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: monitor
userPassword: ${MONITOR_PASSWORD}

dn: ou=people,${LDAP_BASE}
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,${LDAP_BASE}
objectClass: inetOrgPerson
uid: alice
cn: Alice
sn: Example

dn: uid=bob,ou=people,${LDAP_BASE}
objectClass: inetOrgPerson
uid: bob
cn: Bob
sn: Example

dn: ou=private,${LDAP_BASE}
objectClass: organizationalUnit
ou: private
`;

function slapdConf(dir: ReturnType<typeof tempDir>, pki?: TestPki): string {
  const tls = pki ? `TLSCACertificateFile ${pki.caFile}\nTLSCertificateFile ${pki.serverCertFile}\nTLSCertificateKeyFile ${pki.serverKeyFile}\n` : '';
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${dir.path('slapd.pid')}
argsfile ${dir.path('slapd.args')}
modulepath /usr/lib/ldap
moduleload back_mdb
${tls}
database mdb
suffix "${LDAP_BASE}"
rootdn "${ADMIN_DN}"
rootpw ${ADMIN_PASSWORD}
directory ${dir.path('data')}
maxsize 16777216
access to attrs=userPassword by anonymous auth by self read by * none
access to dn.subtree="ou=private,${LDAP_BASE}" by dn.exact="${MONITOR_DN}" read by * none
access to * by * read
`;
}

function run(program: string, args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(program, args, { encoding: 'utf8', timeout: 5_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Starts slapd with the tree above; with `pki`, also on ldaps:// and offering StartTLS. */
export async function startSlapd(pki?: TestPki): Promise<LdapServer> {
  for (const [binary, pkg] of [
    [SLAPD, 'slapd'],
    [SLAPADD, 'slapd'],
    [LDAPSEARCH, 'ldap-utils'],
    [LDAPMODIFY, 'ldap-utils'],
  ] as const) {
    if (!existsSync(binary)) throw new Error(`${binary} is not installed (Debian package ${pkg}; see test/install-system-packages.sh)`);
  }
  const dir = tempDir('vigil-slapd-');
  const conf = dir.write('slapd.conf', slapdConf(dir, pki));
  mkdirSync(dir.path('data'));
  const load = spawnSync(SLAPADD, ['-f', conf, '-l', dir.write('data.ldif', DATA)], { encoding: 'utf8' });
  if (load.status !== 0) {
    dir.cleanup();
    throw new Error(`slapadd failed (${load.status}): ${load.stdout}${load.stderr}`);
  }
  const port = await closedPort();
  const tlsPort = pki ? await closedPort() : undefined;
  const urls = [`ldap://127.0.0.1:${port}/`, ...(tlsPort ? [`ldaps://127.0.0.1:${tlsPort}/`] : [])];
  // -d 0: stay in the foreground (no fork), so the PID is slapd's own; logging off.
  const child = spawn(SLAPD, ['-d', '0', '-h', urls.join(' '), '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const { output: log, whenReady, stop } = serverProcess(child, dir.cleanup);
  await whenReady(
    async () => (await run(LDAPSEARCH, ['-x', '-H', urls[0]!, '-b', LDAP_BASE, '-s', 'base', '1.1'])).code === 0,
    () => `slapd answering on ${urls[0]}; its output:\n${log()}`,
    15_000,
  );
  const modify = async (ldif: string) => {
    const result = await run(LDAPMODIFY, ['-x', '-H', urls[0]!, '-D', ADMIN_DN, '-w', ADMIN_PASSWORD], ldif);
    if (result.code !== 0) throw new Error(`ldapmodify failed (${result.code}): ${result.output}`);
  };
  return { port, tlsPort, pid: child.pid!, log, modify, stop };
}
