// Real database servers for the SQL checks' tests: Debian's MariaDB and PostgreSQL, each in a
// temporary data directory, listening on 127.0.0.1 only, with a monitoring user and a small
// `app` database (table `health`, one row 'ok'). Stopped by their PID; the directory is removed.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { serverProcess, type RunningServer } from './server-process.js';
import { closedPort } from './servers.js';
import { tempDir } from './temp-dir.js';

export const MONITOR_USER = 'monitor';
export const MONITOR_PASSWORD = 'check-me';

/** A server certificate and key (PEM files), to make the server offer TLS. */
export interface ServerTls {
  certFile: string;
  keyFile: string;
}

export interface DatabaseServer extends RunningServer {
  /** Runs SQL as the administrator (to change what the checks see). */
  admin(sql: string): Promise<void>;
}

const MARIADB = '/usr/sbin/mariadbd';
const MARIADB_INSTALL = '/usr/bin/mariadb-install-db';

function missing(binary: string, packages: string): Error {
  return new Error(`${binary} is not installed (Debian packages ${packages}; see test/install-system-packages.sh)`);
}

/**
 * MariaDB with `monitor` (password MONITOR_PASSWORD, SELECT on app.*); with `tls`, it offers TLS
 * and has `monitor_tls` (same password), who may log in only over TLS.
 */
export async function startMariadb(tls?: ServerTls): Promise<DatabaseServer> {
  if (!existsSync(MARIADB) || !existsSync(MARIADB_INSTALL)) throw missing(MARIADB, 'mariadb-server-core, mariadb-client-core');
  const dir = tempDir('vigil-mariadb-');
  const user = os.userInfo().username;
  // Small files and no binary log: a test server, created in well under a second.
  const small = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M', '--innodb-data-file-path=ibdata1:4M:autoextend', '--skip-log-bin'];
  const install = spawnSync(
    MARIADB_INSTALL,
    ['--no-defaults', `--datadir=${dir.path('data')}`, `--user=${user}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...small],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) {
    dir.cleanup();
    throw new Error(`mariadb-install-db failed: ${install.stdout}${install.stderr}`);
  }
  const adminPassword = 'admin-secret';
  const init = dir.write(
    'init.sql',
    `DROP USER IF EXISTS ''@localhost;
ALTER USER root@localhost IDENTIFIED BY '${adminPassword}';
CREATE OR REPLACE USER root@'127.0.0.1' IDENTIFIED BY '${adminPassword}';
GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;
CREATE USER '${MONITOR_USER}'@'%' IDENTIFIED BY '${MONITOR_PASSWORD}';
CREATE DATABASE app;
CREATE TABLE app.health (status VARCHAR(20));
INSERT INTO app.health VALUES ('ok');
GRANT SELECT ON app.* TO '${MONITOR_USER}'@'%';
${tls ? `CREATE USER '${MONITOR_USER}_tls'@'%' IDENTIFIED BY '${MONITOR_PASSWORD}' REQUIRE SSL;` : ''}
`,
  );
  const port = await closedPort();
  const child = spawn(
    MARIADB,
    [
      '--no-defaults',
      `--datadir=${dir.path('data')}`,
      `--user=${user}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--socket=${dir.path('mysqld.sock')}`,
      `--pid-file=${dir.path('mysqld.pid')}`,
      `--init-file=${init}`,
      `--log-error=${dir.path('error.log')}`,
      '--skip-name-resolve',
      ...(tls ? [`--ssl-cert=${tls.certFile}`, `--ssl-key=${tls.keyFile}`] : []),
      ...small,
    ],
    { stdio: 'ignore' }, // it writes to error.log
  );
  const log = () => (existsSync(dir.path('error.log')) ? readFileSync(dir.path('error.log'), 'utf8') : '');
  const { whenReady, stop } = serverProcess(child, dir.cleanup);
  const admin = async (sql: string) => {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: adminPassword, database: 'app' });
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  await whenReady(async () => (await admin('SELECT 1'), true), () => `MariaDB on port ${port} to accept logins; its log:\n${log()}`, 30_000, 100);
  return { port, pid: child.pid!, log, admin, stop };
}

/** The newest PostgreSQL server installed by Debian (/usr/lib/postgresql/N/bin). */
function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(`${base}/${v}/bin/postgres`)) : [];
  if (!versions.length) throw missing(`${base}/*/bin/postgres`, 'postgresql');
  return `${base}/${versions.sort((a, b) => Number(b) - Number(a))[0]}/bin`;
}

/** PostgreSQL with `monitor` (password MONITOR_PASSWORD, SELECT on app's health); with `tls`, it offers TLS. */
export async function startPostgres(tls?: ServerTls): Promise<DatabaseServer> {
  const bin = postgresBin();
  const dir = tempDir('vigil-postgres-');
  // PostgreSQL refuses to run as root: as root, run it as the postgres user Debian's package made.
  const owner = process.getuid?.() === 0 ? lookUpUser('postgres') : undefined;
  if (owner) chownSync(dir.dir, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  const adminPassword = 'admin-secret';
  const pwfile = dir.write('pwfile', `${adminPassword}\n`);
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const initdb = spawnSync(`${bin}/initdb`, ['-D', dir.path('data'), '-U', 'admin', `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C'], {
    encoding: 'utf8',
    ...asOwner,
  });
  if (initdb.status !== 0) {
    dir.cleanup();
    throw new Error(`initdb failed: ${initdb.stdout}${initdb.stderr}`);
  }
  const port = await closedPort();
  const tlsSettings: string[] = [];
  if (tls) {
    // Copies the server can read; PostgreSQL uses a key only when its owner alone can read it.
    const cert = dir.write('server.pem', readFileSync(tls.certFile, 'utf8'));
    const key = dir.write('server.key', readFileSync(tls.keyFile, 'utf8'));
    chmodSync(key, 0o600);
    if (owner) for (const file of [cert, key]) chownSync(file, owner.uid, owner.gid);
    tlsSettings.push('-c', 'ssl=on', '-c', `ssl_cert_file=${cert}`, '-c', `ssl_key_file=${key}`);
  }
  const child = spawn(
    `${bin}/postgres`,
    ['-D', dir.path('data'), '-h', '127.0.0.1', '-p', String(port), '-k', dir.dir, '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=100', ...tlsSettings],
    { stdio: ['ignore', 'pipe', 'pipe'], ...asOwner },
  );
  const { output: log, whenReady, stop } = serverProcess(child, dir.cleanup);
  const admin = async (sql: string, database = 'postgres') => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'admin', password: adminPassword, database });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await whenReady(async () => (await admin('SELECT 1'), true), () => `PostgreSQL on port ${port} to accept logins; its log:\n${log()}`, 30_000, 100);
  try {
    await admin(`CREATE USER ${MONITOR_USER} PASSWORD '${MONITOR_PASSWORD}'`);
    await admin('CREATE DATABASE app');
    await admin(`CREATE TABLE health (status text); INSERT INTO health VALUES ('ok'); GRANT SELECT ON health TO ${MONITOR_USER}`, 'app');
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid!, log, admin: (sql) => admin(sql, 'app'), stop };
}

function lookUpUser(name: string): { uid: number; gid: number } {
  const line = spawnSync('getent', ['passwd', name], { encoding: 'utf8' }).stdout.trim();
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid) throw new Error(`PostgreSQL will not run as root and there is no ${name} user to run it as`);
  return { uid: Number(uid), gid: Number(gid) };
}
