// Bad input that used to confuse (issue 14): each family gets a clear answer for the query
// concerned, and the neighbours in the same request are answered normally. Drives the built
// executable (launched as Grafana does) against the dev server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

describe('reliability: bad input gets a clear per-query answer', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ctx = (jsonData: Record<string, unknown> = {}, uid = 'mm') =>
    pluginContext({ uid, jsonData: { url: dev.uri, ...jsonData } });

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer(),
      GrafanaHost.start({ minPort: 23000, maxPort: 23199, env: { GF_PLUGIN_LOG_LEVEL: 'debug' } }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('a query timeout beyond what a Node timer holds is clamped: queries run and Save & test says so', async () => {
    // 3,000,000 s (~35 days) used to overflow the timer: it fired after 1 ms and every query timed out.
    const huge = ctx({ queryTimeoutSeconds: 3_000_000 }, 'huge-timeout');
    const r = await host.queryData(huge, [dataQuery('A', { query: 'SELECT 1 AS one', format: 'table' })]);
    assert.equal(r.A.error, '');
    assert.equal(Number(frameTable(r.A.frames[0]).getChild('one')!.get(0)), 1);
    const h = await host.checkHealth(huge);
    assert.equal(h.status, 'OK', h.message);
    assert.match(h.message, /Query timeout 3000000 s is above the maximum of 86400 s \(1 day\): 86400 s is used/);
  });

  it('a duration setting that is not a number is refused with what to enter', async () => {
    const bad = ctx({ queryTimeoutSeconds: 'soon' }, 'bad-timeout');
    const h = await host.checkHealth(bad);
    assert.equal(h.status, 'ERROR');
    assert.match(h.message, /Query timeout \("queryTimeoutSeconds"\) must be a positive number of seconds/);
    const q = await host.checkHealth(ctx({ queueTimeoutSeconds: -5 }, 'bad-queue'));
    assert.match(q.message, /Queue timeout \("queueTimeoutSeconds"\) must be a positive number of seconds/);
  });

  it('time bounds beyond what a timestamp holds: "time range out of bounds" for that query only', async () => {
    const now = Date.now();
    const r = await host.queryData(ctx(), [
      dataQuery('far', { query: 'SELECT 1 AS one', format: 'table' }, { from: now, to: 9e15 }),
      dataQuery('both', { query: 'SELECT 1 AS one', format: 'table' }, { from: 8.7e15, to: 9e15 }),
      dataQuery('ok', { query: 'SELECT 2 AS two', format: 'table' }),
    ]);
    for (const refId of ['far', 'both']) {
      assert.match(r[refId].error, /time range out of bounds/, refId);
      assert.equal(r[refId].status, 400, refId);
      assert.equal(r[refId].errorSource, 'plugin', refId);
    }
    assert.equal(r.ok.error, '');
  });

  it('two queries with the same refId are refused clearly instead of one silently replacing the other', async () => {
    const r = await host.queryData(ctx(), [
      dataQuery('A', { query: 'SELECT 1 AS first', format: 'table' }),
      dataQuery('A', { query: 'SELECT 2 AS second', format: 'table' }),
      dataQuery('B', { query: 'SELECT 3 AS third', format: 'table' }),
    ]);
    assert.match(r.A.error, /2 queries in this request share refId "A"/);
    assert.equal(r.A.status, 400);
    assert.equal(r.B.error, '');
    assert.equal(Number(frameTable(r.B.frames[0]).getChild('third')!.get(0)), 3);
  });

  it('a timeout that hits mid-stream gives the same advice as one before the first batch', async () => {
    const slow = ctx({ queryTimeoutSeconds: 1 }, 'slow');
    // The dev server waits 400 ms before the first batch and between batches of 10 rows: the
    // 1 s deadline falls after some batches arrived.
    const sql = 'SELECT i FROM range(100) t(i) /* devserver:delay_ms=400 */ /* devserver:batch_rows=10 */';
    const r = await host.queryData(slow, [dataQuery('A', { query: sql, format: 'table', autoLimit: false })]);
    assert.match(r.A.error, /did not finish within the query timeout \(1 s\): narrow the time range/);
    assert.doesNotMatch(r.A.error, /DEADLINE_EXCEEDED/);
    assert.equal(r.A.status, 504);
    assert.equal(r.A.frames.length, 0, 'no partial result shown as complete');
  });

  it('an unreachable OAuth issuer is reported as unreachable, with its URL, not as rejected credentials', async () => {
    const oauth = pluginContext({
      uid: 'issuer-down',
      jsonData: {
        url: dev.uri,
        authType: 'oauth2',
        oauthIssuer: 'http://127.0.0.1:1/realms/grafana',
        oauthClientId: 'grafana',
      },
      decryptedSecureJsonData: { oauthClientSecret: 'issuer-down-secret' },
    });
    const h = await host.checkHealth(oauth);
    assert.equal(h.status, 'ERROR');
    assert.match(h.message, /the OAuth issuer http:\/\/127\.0\.0\.1:1\/realms\/grafana is unreachable/);
    assert.doesNotMatch(h.message, /rejected the credentials/);
    const r = await host.queryData(oauth, [dataQuery('A', { query: 'SELECT 1', format: 'table' })]);
    assert.match(r.A.error, /the OAuth issuer http:\/\/127\.0\.0\.1:1\/realms\/grafana is unreachable/);
    assert.equal(r.A.status, 503);
  });

  it('many queries at once raise no MaxListenersExceededWarning', async () => {
    const many = Array.from({ length: 24 }, (_, i) =>
      dataQuery(`Q${i}`, { query: `SELECT ${i} AS v`, format: 'table' })
    );
    const single = Array.from({ length: 16 }, (_, i) =>
      host.queryData(ctx(), [dataQuery('S', { query: `SELECT ${i} AS v`, format: 'table' })])
    );
    const [batch, ...singles] = await Promise.all([host.queryData(ctx(), many), ...single]);
    assert.ok(Object.values(batch).every((d) => d.error === ''));
    assert.ok(singles.every((s) => s.S.error === ''));
    // A warning is printed synchronously when the listener is added: the answers above came later.
    await host.ping();
    assert.doesNotMatch(host.stderrText(), /MaxListenersExceeded/);
  });
});
