// TLS settings through the executable: custom CA, mutual TLS and skip-verify reach the
// client as configured in the data source (certificates made with openssl).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';
import { hasOpenssl, makeTestPki, type TestPki } from '../harness/pki';

describe('backend executable: TLS settings', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  let dir: string;
  let certs: TestPki;
  let tls: DevServer;
  let mtls: DevServer;
  let host: GrafanaHost;

  before(async () => {
    ensureBackendBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'backend-tls-'));
    certs = makeTestPki(dir);
    [tls, mtls, host] = await Promise.all([
      startDevServer({ scale: 0.01, tls: { certPem: certs.serverCert, keyPem: certs.serverKey } }),
      startDevServer({
        scale: 0.01,
        tls: { certPem: certs.serverCert, keyPem: certs.serverKey, caPem: certs.caPem, requireClientCert: true },
      }),
      GrafanaHost.start({ minPort: 24000, maxPort: 24999 }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), tls?.stop(), mtls?.stop()]);
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('custom CA: health OK and queries run', async () => {
    const ctx = pluginContext({
      uid: 'tls-ca',
      jsonData: { url: `grpc+tls://127.0.0.1:${tls.port}`, tlsAuthWithCACert: true },
      decryptedSecureJsonData: { tlsCACert: certs.caPem },
    });
    const h = await host.checkHealth(ctx);
    assert.equal(h.status, 'OK', h.message);
    const r = await host.queryData(ctx, [dataQuery('A', { query: 'SELECT 1 AS one', format: 'table' })]);
    assert.equal(r.A.error, '');
  });

  it('an untrusted server certificate fails the health check with a message naming the server', async () => {
    const ctx = pluginContext({
      uid: 'tls-wrong-ca',
      jsonData: { url: `grpc+tls://127.0.0.1:${tls.port}`, tlsAuthWithCACert: true },
      decryptedSecureJsonData: { tlsCACert: certs.otherCaPem },
    });
    const h = await host.checkHealth(ctx);
    assert.equal(h.status, 'ERROR');
    assert.match(h.message, new RegExp(`127\\.0\\.0\\.1:${tls.port}`));
  });

  it('skip-verify accepts the server without its CA', async () => {
    const ctx = pluginContext({
      uid: 'tls-skip',
      jsonData: { url: `https://127.0.0.1:${tls.port}`, tlsSkipVerify: true },
    });
    const h = await host.checkHealth(ctx);
    assert.equal(h.status, 'OK', h.message);
  });

  it('mutual TLS: the client certificate from the secure settings is presented', async () => {
    const withCert = pluginContext({
      uid: 'mtls',
      jsonData: { url: `grpc+tls://127.0.0.1:${mtls.port}`, tlsAuthWithCACert: true, tlsAuth: true },
      decryptedSecureJsonData: {
        tlsCACert: certs.caPem,
        tlsClientCert: certs.clientCert,
        tlsClientKey: certs.clientKey,
      },
    });
    assert.equal((await host.checkHealth(withCert)).status, 'OK');
    const without = pluginContext({
      uid: 'mtls-none',
      jsonData: { url: `grpc+tls://127.0.0.1:${mtls.port}`, tlsAuthWithCACert: true },
      decryptedSecureJsonData: { tlsCACert: certs.caPem },
    });
    assert.equal((await host.checkHealth(without)).status, 'ERROR');
    // The private key never reaches the logs.
    assert.ok(!host.stderrText().includes(certs.clientKey.split('\n')[1]));
  });
});
