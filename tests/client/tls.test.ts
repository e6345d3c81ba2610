// TLS and mutual TLS against the dev server, with a CA and certificates made by openssl.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect, MicromegasError } from '../../pkg/micromegas';
import { DevServer, startDevServer } from '../harness/devserver';
import { makeTestPki, type TestPki } from '../harness/pki';

describe('TLS', () => {
  let dir: string;
  let pki: TestPki;
  let tlsServer: DevServer;
  let mtlsServer: DevServer;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'client-tls-'));
    pki = makeTestPki(dir);
    [tlsServer, mtlsServer] = await Promise.all([
      startDevServer({ scale: 0.02, tls: { certPem: pki.serverCert, keyPem: pki.serverKey } }),
      startDevServer({
        scale: 0.02,
        tls: { certPem: pki.serverCert, keyPem: pki.serverKey, caPem: pki.caPem, requireClientCert: true },
      }),
    ]);
  });
  after(async () => {
    await Promise.all([tlsServer?.stop(), mtlsServer?.stop()]);
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const tlsUri = (s: DevServer): string => `grpc+tls://127.0.0.1:${s.port}`;

  it('connects with a custom CA (grpc+tls:// and https://)', async () => {
    for (const uri of [tlsUri(tlsServer), `https://127.0.0.1:${tlsServer.port}`]) {
      const c = connect(uri, { tls: { caPem: pki.caPem } });
      assert.equal((await c.query('SELECT 1 AS one')).getChild('one')!.get(0), 1n);
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
    assert.equal((await c.query('SELECT 1 AS one')).getChild('one')!.get(0), 1n);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /TLS certificate verification is DISABLED/);
    c.close();
  });

  it('mutual TLS: a client certificate is required and accepted', async () => {
    const withCert = connect(tlsUri(mtlsServer), {
      tls: { caPem: pki.caPem, certPem: pki.clientCert, keyPem: pki.clientKey },
    });
    assert.equal((await withCert.query('SELECT 1 AS one')).getChild('one')!.get(0), 1n);
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
