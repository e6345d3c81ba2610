// A throwaway PKI for TLS tests, made with openssl in a directory the caller owns:
// a CA signing a server certificate (127.0.0.1 / localhost) and a client certificate
// (for mutual TLS), plus an unrelated CA that must not be trusted.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestPki {
  caPem: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaPem: string;
}

export const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** EC P-256 keys: quick to generate, accepted by grpc-js on both sides. */
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTestPki(dir: string): TestPki {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  for (const ca of ['ca', 'other-ca']) {
    ssl(
      'req',
      '-x509',
      ...NEW_KEY,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=${ca}-test`
    );
  }
  const leaf = (name: string, ext: string): void => {
    ssl('req', ...NEW_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`
    );
  };
  leaf('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');
  return {
    caPem: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    otherCaPem: read('other-ca.pem'),
  };
}
