// A throwaway PKI made with the real openssl binary: a CA, a server certificate for
// www.example.test and 127.0.0.1, and a client certificate, all signed by the CA.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** Client certificate and key in one PEM file. */
  clientBundleFile: string;
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function signed(dir: string, name: string, subject: string, extensions: string): void {
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir);
}

export function makeTestPki(dir: string): TestPki {
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Vigil Test CA'], dir);
  signed(dir, 'server', '/CN=www.example.test', 'subjectAltName=DNS:www.example.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', '/CN=vigil-checker', 'extendedKeyUsage=clientAuth\n');
  const file = (name: string) => path.join(dir, name);
  writeFileSync(file('client-bundle.pem'), Buffer.concat([readFileSync(file('client.pem')), readFileSync(file('client.key'))]));
  return {
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    clientBundleFile: file('client-bundle.pem'),
    ca: readFileSync(file('ca.pem')),
    serverCert: readFileSync(file('server.pem')),
    serverKey: readFileSync(file('server.key')),
  };
}
