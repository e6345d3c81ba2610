// The built executable under the real client Grafana uses: hashicorp/go-plugin
// launches it and grpc-go calls it (tests/go-host), against the dev server.
// Skips, saying why, when Go and Debian's go-plugin/grpc sources are unavailable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { ensureGoHost, GoCallError, GoHost, type HostLogLine } from '../harness/go-host';
import { BACKEND_EXECUTABLE, dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';
import { sdkDataResponseStatus } from '../harness/sdk-status';

const availability = ensureGoHost();
const skip = availability.ok ? false : availability.reason;
if (skip) {
  console.log(`skipping the go-plugin host tests: ${skip}`);
}

/** go-plugin names the plugin's logger after the executable file. */
const PLUGIN_MODULE = `plugin.${path.basename(BACKEND_EXECUTABLE)}`;
const fromPlugin = (l: HostLogLine) => l['@module'] === PLUGIN_MODULE;
const rowText = (row: unknown) => JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));

describe('the executable under go-plugin + grpc-go (as Grafana runs it)', { skip }, () => {
  let dev: DevServer;
  let host: GoHost;
  // Grafana's settings version is epoch ms: a large integer in the plugin's log fields.
  const SETTINGS_VERSION = 1_790_000_000_123;
  const ctx = () => pluginContext({ uid: 'go-host', jsonData: { url: dev.uri }, lastUpdatedMS: SETTINGS_VERSION });
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'go-host-log-'));
  const textLog = path.join(logDir, 'text.log');

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.01 }),
      GoHost.start((availability as { binary: string }).binary, {
        minPort: 20000,
        maxPort: 20499,
        env: { GF_PLUGIN_LOG_LEVEL: 'debug' },
        textLog,
      }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.stop(), dev?.stop()]);
    rmSync(logDir, { recursive: true, force: true });
  });

  it('go-plugin accepts the handshake line and negotiates gRPC, protocol version 2', async () => {
    assert.equal(host.started.protocol, 'grpc');
    assert.equal(host.started.negotiatedVersion, 2);
    const using = await host.waitForLog((l) => l['@message'] === 'using plugin');
    assert.equal(using.version, 2);
    const started = await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'plugin started');
    assert.equal(Number(started.pid), host.started.pid);
  });

  it('go-plugin\'s Ping (gRPC health of service "plugin") answers', async () => {
    const latencies = await host.ping(3);
    assert.equal(latencies.length, 3);
    assert.ok(latencies.every((ns) => ns > 0));
  });

  it('QueryData returns frames that decode with apache-arrow and pass the frame validator, equal to the Node host emulator', async () => {
    const queries = [
      dataQuery('A', { query: 'SELECT time, msg FROM log_entries ORDER BY time LIMIT 20', format: 'table' }),
      dataQuery('B', { query: "SELECT i AS n, 'row ' || i AS s FROM range(300) t(i)", format: 'table' }),
    ];
    const viaGo = await host.queryData(ctx(), queries);
    // The same request through the Node emulator: a second, independent client of the same executable.
    const node = await GrafanaHost.start({ minPort: 20500, maxPort: 20999 });
    let viaNode: Awaited<ReturnType<GrafanaHost['queryData']>>;
    try {
      viaNode = await node.queryData(ctx(), queries);
    } finally {
      await node.kill();
    }
    for (const refId of ['A', 'B']) {
      assert.equal(viaGo[refId].error, '', `${refId}: ${viaGo[refId].error}`);
      assert.equal(viaGo[refId].frames.length, viaNode[refId].frames.length);
      const go = assertGrafanaFrame(viaGo[refId].frames[0]).table;
      const nd = assertGrafanaFrame(viaNode[refId].frames[0]).table;
      assert.ok(go.numRows > 0, `${refId} has rows`);
      assert.deepEqual(
        go.schema.fields.map((f) => f.name),
        nd.schema.fields.map((f) => f.name)
      );
      assert.deepEqual(go.toArray().map(rowText), nd.toArray().map(rowText));
    }
    const b = assertGrafanaFrame(viaGo.B.frames[0]).table;
    assert.equal(b.numRows, 300);
    assert.equal(b.getChild('s')!.get(299), 'row 299');
  });

  it('large frames (written by the plugin as pre-framed pieces) and concurrent calls on one connection decode in grpc-go', async () => {
    const n = 60_000; // > 1 MiB: the plugin writes such responses to the stream as pieces (pkg/grafana/preframed.ts)
    const big = (refId: string, offset: number) =>
      dataQuery(refId, {
        query: `SELECT i + ${offset} AS n, 'row number ' || (i + ${offset}) AS s FROM range(${n}) t(i)`,
        format: 'table',
        autoLimit: false,
      });
    // Grafana multiplexes panels' queries over its one connection to the plugin.
    const results = await Promise.all([0, 1, 2].map((k) => host.queryData(ctx(), [big('A', k * 1000)])));
    results.forEach((res, k) => {
      assert.equal(res.A.error, '');
      assert.ok(res.A.frames[0].byteLength > 1024 * 1024, `frame of ${res.A.frames[0].byteLength} bytes`);
      const t = assertGrafanaFrame(res.A.frames[0]).table;
      assert.equal(t.numRows, n);
      assert.equal(Number(t.getChild('n')!.get(n - 1)), n - 1 + k * 1000);
      assert.equal(t.getChild('s')!.get(12_345), `row number ${12_345 + k * 1000}`);
    });
  });

  it('CheckHealth is OK', async () => {
    const h = await host.checkHealth(ctx());
    assert.equal(h.status, 'OK', h.message);
  });

  it('CallResource (server stream) answers tables', async () => {
    const r = await host.callResource(ctx(), { path: 'tables' });
    assert.equal(r.code, 200);
    const tables = (r.json as { tables: Array<{ name: string; kind: string }> }).tables;
    assert.ok(
      tables.some((t) => t.name === 'log_entries'),
      `tables: ${tables.map((t) => t.name).join(', ')}`
    );
  });

  it('a bad query is a per-query error in a successful call, its neighbour still answers', async () => {
    const res = await host.queryData(ctx(), [
      dataQuery('bad', { query: 'SELEC broken', format: 'table' }),
      dataQuery('good', { query: 'SELECT 7 AS x', format: 'table' }),
    ]);
    assert.match(res.bad.error, /syntax|SELEC/i);
    assert.ok(res.bad.status >= 400, `status ${res.bad.status}`);
    assert.equal(res.bad.frames.length, 0);
    assert.equal(res.good.error, '');
    assert.equal(Number(assertGrafanaFrame(res.good.frames[0]).table.getChild('x')!.get(0)), 7);
  });

  it("statuses as Grafana's SDK reads them: 200 for every successful refId, the error's own status kept", async () => {
    const res = await host.queryData(ctx(), [
      dataQuery('ok', { query: 'SELECT 1 AS x', format: 'table' }),
      dataQuery('empty', { query: 'SELECT 1 AS x WHERE false', format: 'table' }),
      dataQuery('bad', { query: 'SELEC broken', format: 'table' }),
    ]);
    // A status 0 would read as "unknown" (500) in /api/ds/query, failing a query that succeeded.
    assert.equal(res.ok.status, 200);
    assert.equal(sdkDataResponseStatus(res.ok.status), 200);
    assert.equal(sdkDataResponseStatus(res.empty.status), 200);
    assert.equal(res.bad.status, 400);
    assert.equal(sdkDataResponseStatus(res.bad.status), 400);
  });

  it('a method the plugin does not serve is a gRPC status (Unimplemented), and the plugin keeps serving', async () => {
    await assert.rejects(
      host.call('/pluginv2.Data/NoSuchMethod', Buffer.alloc(0)),
      (e: unknown) => e instanceof GoCallError && e.code === 12
    );
    assert.equal((await host.ping()).length, 1);
  });

  it("the plugin's JSON log lines reach go-plugin's logger parsed, with their level, message and fields", async () => {
    const warn = await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'query failed');
    assert.equal(warn['@level'], 'warn');
    assert.equal(warn.refId, 'bad');
    // go-plugin re-logs the plugin's own @timestamp as "timestamp" (the zero time when absent).
    assert.match(String(warn.timestamp), /^20\d\d-/);
    const debug = await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'running query');
    assert.equal(debug['@level'], 'debug');
    // go-plugin logs a line it cannot parse verbatim at debug: none of ours may end up that way.
    const demoted = host.logs.filter((l) => fromPlugin(l) && l['@message'].trimStart().startsWith('{'));
    assert.deepEqual(demoted, []);
    assert.deepEqual(host.rawStderr, []);
  });

  it("the plugin's lines read cleanly once go-plugin re-logs them as text (as Grafana's server log prints them)", async () => {
    await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'data source client created');
    // hclog text: `<time> [INFO]  plugin.<exe>: <message>: key=value ...`, values printed with %v.
    const lines = readFileSync(textLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`${PLUGIN_MODULE}: `));
    const started = lines.find((l) => l.includes(': plugin started:'));
    assert.ok(started, `no "plugin started" line in:\n${lines.join('\n')}`);
    // The line's level is hclog's own [INFO]: a second "level" key reads as a contradiction.
    assert.doesNotMatch(started, / level=/);
    const created = lines.find((l) => l.includes(': data source client created:'));
    assert.ok(created);
    assert.match(created, new RegExp(` version=${SETTINGS_VERSION}( |$)`));
    for (const line of lines) {
      // go-plugin parses JSON numbers as float64: %v prints large ones as 1.790000000123e+12.
      assert.doesNotMatch(line, /=-?\d+(\.\d+)?e[+-]\d+/, line);
    }
  });

  it('Kill stops the plugin gracefully: Shutdown, then the process exits by itself', async () => {
    const k = await host.kill();
    assert.equal(k.exited, true);
    assert.equal(k.signal, undefined, 'the process was not killed by a signal');
    assert.equal(k.exitCode, 0);
    assert.ok(!host.logs.some((l) => l['@message'] === 'plugin failed to exit gracefully'));
    const down = await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'plugin shutting down');
    assert.equal(down['@level'], 'info');
    await host.waitForLog((l) => l['@message'] === 'plugin exited');
    assert.deepEqual(await host.exited, { code: 0, signal: null });
  });
});
