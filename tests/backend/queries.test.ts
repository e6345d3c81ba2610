// The built executable against the dev server (a Micromegas-compatible FlightSQL
// server): health, QueryData isolation, crash resistance, cancellation, settings
// changes, upstream-shaped settings and secret hygiene.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame } from '../harness/frame-validate';
import {
  dataQuery,
  ensureBackendBuilt,
  frameTable,
  GrafanaHost,
  pluginContext,
  type DataQueryMessage,
} from '../harness/grafana-host';

const API_KEY = 'mm-devserver-key-0a1b2c3d4e5f';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(50);
  }
}

describe('backend executable against the dev server', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ours = () =>
    pluginContext({
      uid: 'mm',
      jsonData: { url: dev.uri, authType: 'token' },
      decryptedSecureJsonData: { token: API_KEY },
    });
  /** Waits until the dev server logged the query carrying `marker` as cancelled (its DoGet stopped). */
  const devServerLoggedCancelled = (marker: string) =>
    waitFor(
      () =>
        dev
          .stderr()
          .split('\n')
          .some((l) => l.includes(marker) && /\bcancelled\b/.test(l)),
      8000,
      'the dev server to log the cancelled query'
    );

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ apiKeys: [{ name: 'grafana', key: API_KEY }] }),
      GrafanaHost.start({ minPort: 22000, maxPort: 22999, env: { GF_PLUGIN_LOG_LEVEL: 'debug' } }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('CheckHealth is OK with a valid API key', async () => {
    const h = await host.checkHealth(ours());
    assert.equal(h.status, 'OK', h.message);
  });

  it('QueryData: large frames (sent as pieces, not one copied buffer) arrive whole, next to small ones', async () => {
    const n = 60_000; // a few MB: above the size from which frames are written to the stream by reference
    const responses = await host.queryData(ours(), [
      dataQuery('big', {
        query: `SELECT i AS n, 'row number ' || i AS s, to_timestamp(i) AS time FROM range(${n}) t(i)`,
        format: 'table',
        autoLimit: false,
      }),
      dataQuery('small', { query: 'SELECT 7 AS x', format: 'table' }),
      dataQuery('bad', { query: 'SELEC broken', format: 'table' }),
    ]);
    assert.equal(responses.big.error, '');
    assert.ok(
      responses.big.frames[0].byteLength > 2 * 1024 * 1024,
      `frame of ${responses.big.frames[0].byteLength} bytes`
    );
    const big = assertGrafanaFrame(responses.big.frames[0]).table;
    assert.equal(big.numRows, n);
    assert.equal(Number(big.getChild('n')!.get(n - 1)), n - 1);
    assert.equal(big.getChild('s')!.get(12_345), 'row number 12345');
    assert.equal(Number(frameTable(responses.small.frames[0]).getChild('x')!.get(0)), 7);
    assert.match(responses.bad.error, /syntax|SELEC/i);
  });

  it('CheckHealth reports a rejected token actionably', async () => {
    const h = await host.checkHealth(
      pluginContext({
        uid: 'wrong-key',
        jsonData: { url: dev.uri },
        decryptedSecureJsonData: { token: 'not-the-key-xyz' },
      })
    );
    assert.equal(h.status, 'ERROR');
    assert.match(h.message, /UNAUTHENTICATED|rejected the credentials|invalid token/i);
    assert.match(h.message, /token|API key/i);
    assert.ok(!h.message.includes('not-the-key-xyz'));
  });

  it('QueryData: queries of one request are isolated; one failure leaves the others intact', async () => {
    const responses = await host.queryData(ours(), [
      dataQuery('A', { query: 'SELECT 1 AS x', format: 'table' }),
      dataQuery('B', { query: 'SELEC broken', format: 'table' }),
      dataQuery('C', { query: 'SELECT time, msg FROM log_entries ORDER BY time LIMIT 5', format: 'table' }),
    ]);
    assert.deepEqual(Object.keys(responses).sort(), ['A', 'B', 'C']);
    assert.equal(responses.A.error, '');
    assert.equal(frameTable(responses.A.frames[0]).get(0)?.toJSON().x, 1);
    assert.equal(responses.C.error, '');
    const c = frameTable(responses.C.frames[0]);
    assert.ok(c.numRows > 0 && c.numRows <= 5);
    assert.deepEqual(
      c.schema.fields.map((f) => f.name),
      ['time', 'msg']
    );
    assert.match(responses.B.error, /syntax error|SELEC/);
    assert.equal(responses.B.errorSource, 'downstream');
    assert.ok(responses.B.status >= 400, `status ${responses.B.status}`);
    assert.equal(responses.B.frames.length, 0);
  });

  it('malformed queries become per-query errors, never a crash', async () => {
    const broken = (refId: string, json: Buffer): DataQueryMessage => ({ ...dataQuery(refId, {}), json });
    const responses = await host.queryData(ours(), [
      broken('NOT_JSON', Buffer.from('{"query": "SELECT 1"')),
      broken('NULL', Buffer.from('null')),
      broken('ARRAY', Buffer.from('[1,2,3]')),
      broken('BAD_TYPES', Buffer.from(JSON.stringify({ query: 42, format: { nested: true }, rowLimit: 'lots' }))),
      broken('BINARY', Buffer.from([0xff, 0xfe, 0x00, 0x81])),
      dataQuery('OK', { query: 'SELECT 2 AS y', format: 'table' }),
    ]);
    for (const refId of ['NOT_JSON', 'NULL', 'ARRAY', 'BAD_TYPES', 'BINARY']) {
      assert.notEqual(responses[refId].error, '', `${refId} answers with an error`);
      assert.equal(responses[refId].errorSource, 'plugin', `${refId} is the plugin's (user's) error`);
    }
    assert.equal(responses.OK.error, '');
    assert.equal(host.running, true);
    assert.equal(await host.ping(), 'SERVING');
  });

  it('a mid-stream server failure is an error, not a partial result shown as complete', async () => {
    const responses = await host.queryData(ours(), [
      dataQuery('F', {
        query: '/* devserver:fail_after_batches=1 */ /* devserver:batch_rows=10 */ SELECT i FROM range(1000) t(i)',
        format: 'table',
      }),
    ]);
    assert.notEqual(responses.F.error, '');
    assert.equal(responses.F.errorSource, 'downstream');
    assert.equal(await host.ping(), 'SERVING');
  });

  it('cancellation from Grafana aborts the FlightSQL call; the plugin stays healthy', async () => {
    const marker = `cancel_probe_${Date.now()}`;
    const controller = new AbortController();
    const pending = host.queryData(
      ours(),
      [dataQuery('SLOW', { query: `/* devserver:delay_ms=1500 */ SELECT 1 AS ${marker}`, format: 'table' })],
      { signal: controller.signal }
    );
    await sleep(300);
    controller.abort();
    await assert.rejects(pending, /CANCELLED|Cancelled/);
    // The server notices the cancelled DoGet and logs it as such (no rows sent).
    await devServerLoggedCancelled(marker);
    await host.waitForLog((l) => l['@message'] === 'query cancelled' && l.refId === 'SLOW');
    assert.equal(await host.ping(), 'SERVING');
    const again = await host.queryData(ours(), [dataQuery('A', { query: 'SELECT 3 AS z', format: 'table' })]);
    assert.equal(again.A.error, '');
  });

  it('a Grafana deadline cancels the query too', async () => {
    const marker = `deadline_probe_${Date.now()}`;
    await assert.rejects(
      host.queryData(
        ours(),
        [dataQuery('D', { query: `/* devserver:delay_ms=1500 */ SELECT 1 AS ${marker}`, format: 'table' })],
        { deadlineMs: 300 }
      ),
      /DEADLINE_EXCEEDED|Deadline/i
    );
    await devServerLoggedCancelled(marker);
    assert.equal(await host.ping(), 'SERVING');
  });

  it("CallResource streams the pipeline's answer (code, headers, JSON body)", async () => {
    const tables = await host.callResource(ours(), { path: 'tables', method: 'GET', url: 'tables' });
    assert.equal(tables.code, 200);
    assert.match(tables.headers['Content-Type']?.[0] ?? tables.headers['content-type']?.[0] ?? '', /json/);
    const names = (tables.json as { tables: Array<{ name: string }> }).tables.map((t) => t.name);
    assert.ok(names.includes('log_entries'), `tables: ${names.join(', ')}`);
    const missing = await host.callResource(ours(), { path: 'columns', method: 'GET', url: 'columns' });
    assert.ok(missing.code >= 400 && missing.code < 500);
    assert.equal(typeof (missing.json as { error: string }).error, 'string');
  });

  it('a settings change (new lastUpdatedMS) disposes the old client', async () => {
    const v1 = pluginContext({
      uid: 'versioned',
      lastUpdatedMS: 1000,
      jsonData: { url: dev.uri },
      decryptedSecureJsonData: { token: API_KEY },
    });
    assert.equal((await host.queryData(v1, [dataQuery('A', { query: 'SELECT 1 AS v', format: 'table' })])).A.error, '');
    const v2 = pluginContext({
      uid: 'versioned',
      lastUpdatedMS: 2000,
      jsonData: { url: dev.uri, rowLimit: 10 },
      decryptedSecureJsonData: { token: API_KEY },
    });
    assert.equal((await host.queryData(v2, [dataQuery('A', { query: 'SELECT 2 AS v', format: 'table' })])).A.error, '');
    await host.waitForLog(
      (l) => l['@message'] === 'data source client disposed' && l.datasource === 'versioned' && l.version === '1000'
    );
    const created = host.logs.filter(
      (l) => l['@message'] === 'data source client created' && l.datasource === 'versioned'
    );
    assert.deepEqual(
      created.map((l) => l.version),
      ['1000', '2000']
    );
    // Same version again: served from the cache, no new client.
    await host.queryData(v2, [dataQuery('A', { query: 'SELECT 2 AS v', format: 'table' })]);
    assert.equal(
      host.logs.filter((l) => l['@message'] === 'data source client created' && l.datasource === 'versioned').length,
      2
    );
  });

  it('upstream-shaped settings (host, selectedAuthType token, secure token) work', async () => {
    const upstream = pluginContext({
      uid: 'upstream',
      jsonData: {
        host: `127.0.0.1:${dev.port}`,
        secure: false,
        selectedAuthType: 'token',
        metadata: [{ 'x-team': 'obs' }],
        enableUserAttribution: true,
      },
      decryptedSecureJsonData: { token: API_KEY },
    });
    assert.equal((await host.checkHealth(upstream)).status, 'OK');
    const r = await host.queryData(upstream, [dataQuery('A', { queryText: 'SELECT 7 AS seven', format: 'table' })]);
    assert.equal(r.A.error, '');
    assert.equal(frameTable(r.A.frames[0]).get(0)?.toJSON().seven, 7);
  });

  it('logs are JSON lines and never contain the token', async () => {
    await host.waitForLog((l) => l['@message'] === 'data source client created' && l.datasource === 'mm');
    assert.equal(host.rawStderr.length, 0, host.rawStderr.join('\n'));
    assert.ok(!host.stderrText().includes(API_KEY));
    assert.ok(!host.stderrText().includes('not-the-key-xyz'));
  });

  it('CollectMetrics counts the queries served', async () => {
    const text = await host.collectMetrics();
    const total = Number(/^micromegas_plugin_queries_total (\d+)$/m.exec(text)?.[1]);
    const failed = Number(/^micromegas_plugin_queries_failed_total (\d+)$/m.exec(text)?.[1]);
    assert.ok(total >= 12, `queries_total ${total}`);
    assert.ok(failed >= 7 && failed < total, `queries_failed_total ${failed}`);
  });

  it('Shutdown while a query runs: the query is cancelled and the process exits promptly', async () => {
    const marker = `shutdown_probe_${Date.now()}`;
    const pending = host
      .queryData(ours(), [
        dataQuery('S', { query: `/* devserver:delay_ms=1500 */ SELECT 1 AS ${marker}`, format: 'table' }),
      ])
      .catch((e: Error) => e);
    await sleep(200);
    const res = await host.shutdown();
    assert.equal(res.code, 0);
    const outcome = await pending;
    // Either the call was cut or it answered with a cancellation error: never a result.
    if (!(outcome instanceof Error)) {
      assert.match(outcome.S.error, /cancel|shutting down/i);
    }
    await devServerLoggedCancelled(marker);
  });
});
