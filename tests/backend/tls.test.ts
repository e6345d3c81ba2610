// TLS settings through the executable: custom CA, mutual TLS and skip-verify reach the
// client as configured in the data source (certificates made with openssl).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

/** A throwaway CA signing a server certificate (127.0.0.1) and a client certificate. */
function makeCertificates(
  dir: string
): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', string> {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  for (const ca of ['ca', 'other']) {
    ssl(
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.pem`,
      '-days',
      '1',
      '-subj',
      `/CN=${ca}-test-ca`
    );
  }
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ]) {
    ssl(
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`
    );
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
      '1',
      '-extfile',
      `${name}.ext`
    );
  }
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
    otherCa: read('other.pem'),
  };
}

describe('backend executable: TLS settings', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  let dir: string;
  let certs: ReturnType<typeof makeCertificates>;
  let tls: DevServer;
  let mtls: DevServer;
  let host: GrafanaHost;

  before(async () => {
    ensureBackendBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'backend-tls-'));
    certs = makeCertificates(dir);
    [tls, mtls, host] = await Promise.all([
      startDevServer({ scale: 0.01, tls: { certPem: certs.serverCert, keyPem: certs.serverKey } }),
      startDevServer({
        scale: 0.01,
        tls: { certPem: certs.serverCert, keyPem: certs.serverKey, caPem: certs.ca, requireClientCert: true },
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
      decryptedSecureJsonData: { tlsCACert: certs.ca },
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
      decryptedSecureJsonData: { tlsCACert: certs.otherCa },
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
      decryptedSecureJsonData: { tlsCACert: certs.ca, tlsClientCert: certs.clientCert, tlsClientKey: certs.clientKey },
    });
    assert.equal((await host.checkHealth(withCert)).status, 'OK');
    const without = pluginContext({
      uid: 'mtls-none',
      jsonData: { url: `grpc+tls://127.0.0.1:${mtls.port}`, tlsAuthWithCACert: true },
      decryptedSecureJsonData: { tlsCACert: certs.ca },
    });
    assert.equal((await host.checkHealth(without)).status, 'ERROR');
    // The private key never reaches the logs.
    assert.ok(!host.stderrText().includes(certs.clientKey.split('\n')[1]));
  });
});
