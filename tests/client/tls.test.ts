// TLS and mutual TLS against the dev server, with a CA and certificates made by openssl.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect, MicromegasError } from '../../pkg/micromegas';
import { DevServer, startDevServer } from '../harness/devserver';

interface Pki {
  caPem: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  otherCaPem: string;
}

function makePki(dir: string): Pki {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ca = (name: string): void => {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`);
  };
  ca('ca');
  ca('other-ca');
  const leaf = (name: string, ext: string): void => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(path.join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
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

describe('TLS', () => {
  let dir: string;
  let pki: Pki;
  let tlsServer: DevServer;
  let mtlsServer: DevServer;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'client-tls-'));
    pki = makePki(dir);
    [tlsServer, mtlsServer] = await Promise.all([
      startDevServer({ scale: 0.02, tls: { certPem: pki.serverCert, keyPem: pki.serverKey } }),
      startDevServer({ scale: 0.02, tls: { certPem: pki.serverCert, keyPem: pki.serverKey, caPem: pki.caPem, requireClientCert: true } }),
    ]);
  });
  after(async () => {
    await Promise.all([tlsServer?.stop(), mtlsServer?.stop()]);
    if (dir) {rmSync(dir, { recursive: true, force: true });}
  });

  const tlsUri = (s: DevServer): string => `grpc+tls://127.0.0.1:${s.port}`;

  it('connects with a custom CA (grpc+tls:// and https://)', async () => {
    for (const uri of [tlsUri(tlsServer), `https://127.0.0.1:${tlsServer.port}`]) {
      const c = connect(uri, { tls: { caPem: pki.caPem } });
      assert.equal((await c.query('SELECT 1 AS one')).getChild('one')!.get(0), 1);
      c.close();
    }
  });

  it('refuses a server certificate from an untrusted CA with a clear error', async () => {
    const c = connect(tlsUri(tlsServer), { tls: { caPem: pki.otherCaPem } });
    await assert.rejects(c.query('SELECT 1'), (e: MicromegasError) => {
      assert.equal(e.codeName, 'UNAVAILABLE');
      assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${tlsServer.port}`));
      return true;
    });
    c.close();
  });

  it('skipVerify connects anyway and warns loudly', async () => {
    const warnings: string[] = [];
    const c = connect(tlsUri(tlsServer), { tls: { skipVerify: true }, logger: { warn: (m) => warnings.push(m) } });
    assert.equal((await c.query('SELECT 1 AS one')).getChild('one')!.get(0), 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /TLS certificate verification is DISABLED/);
    c.close();
  });

  it('mutual TLS: a client certificate is required and accepted', async () => {
    const withCert = connect(tlsUri(mtlsServer), { tls: { caPem: pki.caPem, certPem: pki.clientCert, keyPem: pki.clientKey } });
    assert.equal((await withCert.query('SELECT 1 AS one')).getChild('one')!.get(0), 1);
    withCert.close();
    const without = connect(tlsUri(mtlsServer), { tls: { caPem: pki.caPem } });
    await assert.rejects(without.query('SELECT 1'), MicromegasError);
    without.close();
  });

  it('a plaintext client cannot talk to a TLS server', async () => {
    const c = connect(`grpc://127.0.0.1:${tlsServer.port}`, { timeoutMs: 5000 });
    await assert.rejects(c.query('SELECT 1'), MicromegasError);
    c.close();
  });
});
