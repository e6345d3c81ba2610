// Secrets never leave the executable, in any encoding, through any exit (issue 14 finding 5,
// issue 15 "One redactor"): per-query errors, health answers (message and details), resource
// error answers and log lines at every level (debug on). The secrets travel back the way
// they do in the field: an identity provider echoing the form it received (percent-encoded),
// the Basic credentials (base64) and a JSON-escaped copy; a server error echoing the text of
// the statement (token, header value, client key in every encoding).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';
import { assertNoSecret, echoingIdp, encodingsOf } from './secrets';

const OAUTH_SECRET = 'Zx9+/q=&%r"ké<tag>end';
const CLIENT_ID = 'grafana-svc';
const TOKEN = 'mmk_Abc+def/ghi=jkl';
const HEADER_VALUE = 'hdr-VALUE-1234%zz';
const CLIENT_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('reliability: no secret leaves through any exit, in any encoding', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  let idp: Awaited<ReturnType<typeof echoingIdp>>;

  before(async () => {
    ensureBackendBuilt();
    [dev, host, idp] = await Promise.all([
      startDevServer({ apiKeys: [{ name: 'grafana', key: TOKEN }] }),
      GrafanaHost.start({ minPort: 23600, maxPort: 23799, env: { GF_PLUGIN_LOG_LEVEL: 'debug' } }),
      echoingIdp(CLIENT_ID, 'bad credentials in'),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop(), idp?.stop()]);
  });

  it('an OAuth client secret echoed by the identity provider (percent, base64, JSON, raw)', async () => {
    const ctx = pluginContext({
      uid: 'oauth-echo',
      jsonData: { url: dev.uri, authType: 'oauth2', oauthIssuer: idp.issuer, oauthClientId: CLIENT_ID },
      decryptedSecureJsonData: { oauthClientSecret: OAUTH_SECRET },
    });
    const q = await host.queryData(ctx, [dataQuery('A', { query: 'SELECT 1', format: 'table' })]);
    assert.match(q.A.error, /invalid_client/, 'the provider answer is shown');
    assertNoSecret(q.A.error, OAUTH_SECRET, 'query error');
    const h = await host.checkHealth(ctx);
    assert.equal(h.status, 'ERROR');
    assertNoSecret(JSON.stringify(h), OAUTH_SECRET, 'health answer');
    const r = await host.callResource(ctx, { path: 'tables', method: 'GET' });
    assert.ok(r.code >= 400);
    assertNoSecret(r.body.toString('utf8'), OAUTH_SECRET, 'resource answer');
    assertNoSecret(host.stderrText(), OAUTH_SECRET, 'logs');
  });

  it('a token, a header value and a client key echoed by the server in every encoding', async () => {
    const ctx = pluginContext({
      uid: 'token-echo',
      jsonData: { url: dev.uri, authType: 'token', httpHeaderName1: 'x-api-key' },
      decryptedSecureJsonData: { token: TOKEN, httpHeaderValue1: HEADER_VALUE, tlsClientKey: CLIENT_KEY },
    });
    for (const secret of [TOKEN, HEADER_VALUE, CLIENT_KEY]) {
      for (const [kind, form] of Object.entries(encodingsOf(secret))) {
        // An unknown column: the server's error quotes its name.
        const sql = `SELECT "${form.replace(/"/g, '""')}" FROM range(1) t(i)`;
        const q = await host.queryData(ctx, [dataQuery('A', { query: sql, format: 'table' })]);
        assert.notEqual(q.A.error, '', `${kind}: the query fails`);
        assertNoSecret(q.A.error, secret, `query error (${kind})`);
        const r = await host.callResource(ctx, { path: 'schema', method: 'POST', body: { sql } });
        assertNoSecret(r.body.toString('utf8'), secret, `resource answer (${kind})`);
      }
    }
    assertNoSecret(host.stderrText(), TOKEN, 'logs');
    assertNoSecret(host.stderrText(), HEADER_VALUE, 'logs');
    assertNoSecret(host.stderrText(), CLIENT_KEY, 'logs');
  });
});
