// Live tail end to end: the built executable (launched as Grafana launches it) streams a
// logs query over pluginv2.Stream against the real dev server, while this test ingests
// new lines into the dev server (DoPut into `processes`, the dev server's ingestible view:
// insert_time is the line's time, exe its text). Packets are decoded from their JSON.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { connect, type FlightSQLClient } from '../../pkg/micromegas';
import { tailPath } from '../../pkg/stream';
import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';

import { allLines, decode, ingestLines, tailLogsQuery } from './tail-helpers';

const POLL_MS = 500;
const TOKEN = 'live-tail-secret-token-5f1e';

describe('live tail through the backend executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  let client: FlightSQLClient;
  const ctx = () =>
    pluginContext({
      uid: 'live-tail',
      jsonData: { url: dev.uri, authType: 'token' },
      decryptedSecureJsonData: { token: TOKEN },
    });

  const tailQuery = (tag: string, sql?: string) => tailLogsQuery(tag, POLL_MS, sql);
  const ingest = (lines: Array<{ body: string; ns: bigint }>) => ingestLines(client, lines);

  /** Dev server log lines of the queries for `tag` (one per poll; failed ones included). */
  const queriesFor = (tag: string) =>
    dev
      .stderr()
      .split('\n')
      .filter((l) => l.includes(`${tag}-%`)).length;

  async function waitForQueries(tag: string, n: number, timeoutMs = 15000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (queriesFor(tag) < n) {
      if (Date.now() > until) {
        throw new Error(`the dev server saw ${queriesFor(tag)} of ${n} queries for ${tag}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const nowNs = () => BigInt(Date.now()) * 1_000_000n;

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.02, hours: 1 }),
      GrafanaHost.start({ minPort: 27700, maxPort: 27749 }),
    ]);
    client = connect(dev.uri);
  });
  after(async () => {
    client?.close();
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('SubscribeStream: OK for a logs query on its own path, NOT_FOUND (reason logged) otherwise', async () => {
    const q = tailQuery('sub');
    assert.equal((await host.subscribeStream(ctx(), tailPath(q), q)).status, 'OK');
    const refused: Array<[string, unknown, RegExp]> = [
      ['garbage', q, /unknown stream path/],
      [tailPath({ ...q, query: 'SELECT 1' }), q, /does not match its query/],
      ['tail/0123456789abcdef', 'not json', /not JSON/],
      [tailPath({ ...q, format: 'table' }), { ...q, format: 'table' }, /formatted as Logs/],
      [tailPath({ ...q, query: ' ' }), { ...q, query: ' ' }, /query is empty/],
      [tailPath({ ...q, query: 'SELECT $__nope(x)' }), { ...q, query: 'SELECT $__nope(x)' }, /invalid query/],
      [tailPath({ ...q, liveIntervalMs: 'soon' }), { ...q, liveIntervalMs: 'soon' }, /liveIntervalMs/],
    ];
    for (const [path, data, reason] of refused) {
      const before = host.logs.length;
      const r = await host.subscribeStream(ctx(), path, data);
      assert.equal(r.status, 'NOT_FOUND', `${path} ${JSON.stringify(data)}`);
      const line = await host.waitForLog(
        (l) => host.logs.indexOf(l) >= before && l['@message'] === 'stream subscription refused'
      );
      assert.match(String(line.reason), reason);
    }
    assert.equal((await host.publishStream(ctx(), tailPath(q), {})).status, 'PERMISSION_DENIED');
  });

  it('RunStream sends each new line once, in time order, as logs frames; history and old lines are not sent', async () => {
    const tag = 'run';
    await ingest([{ body: `${tag}-history`, ns: nowNs() - 60_000_000_000n }]);
    const q = tailQuery(tag);
    const stream = host.openStream(ctx(), tailPath(q), q);
    try {
      await waitForQueries(tag, 1);
      const t1 = nowNs();
      // Two lines share a timestamp; written in one ingest, out of time order.
      await ingest([
        { body: `${tag}-3`, ns: t1 + 2_000_000n },
        { body: `${tag}-1`, ns: t1 },
        { body: `${tag}-2`, ns: t1 },
      ]);
      await stream.waitUntil(() => allLines(stream.packets).length >= 3);
      const seen = queriesFor(tag);
      await waitForQueries(tag, seen + 1);
      // A late line (its time is already behind the polls) and a new one.
      await ingest([
        { body: `${tag}-4`, ns: t1 + 3_000_000n },
        { body: `${tag}-5`, ns: nowNs() },
      ]);
      await stream.waitUntil(() => allLines(stream.packets).length >= 5);
      // Further polls re-read the overlap window: nothing may come twice.
      await waitForQueries(tag, queriesFor(tag) + 3);
      const lines = allLines(stream.packets);
      assert.deepEqual(
        lines
          .map((l) => l.body)
          .slice(0, 3)
          .sort(),
        [`${tag}-1`, `${tag}-2`, `${tag}-3`]
      );
      assert.deepEqual(
        lines
          .map((l) => l.body)
          .slice(3)
          .sort(),
        [`${tag}-4`, `${tag}-5`]
      );
      assert.equal(lines.length, 5, JSON.stringify(lines.map((l) => l.body)));
      for (const p of stream.packets) {
        const ns = decode(p).map((l) => l.ns);
        assert.deepEqual(
          ns,
          [...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
          'time order within a packet'
        );
      }
      const first = lines.slice(0, 3);
      assert.equal(first[0].ns, t1);
      assert.equal(first[1].ns, t1);
      assert.equal(first[2].body, `${tag}-3`);
      assert.ok(lines.every((l) => l.severity === 'info' && l.processId.startsWith('00000000-0000-4000-8000-')));
    } finally {
      stream.cancel();
      await stream.ended;
    }
  });

  it('cancelling the RunStream stops polling; the process keeps serving QueryData', async () => {
    const tag = 'cancel';
    const q = tailQuery(tag);
    const stream = host.openStream(ctx(), tailPath(q), q);
    await waitForQueries(tag, 2);
    stream.cancel();
    await stream.ended;
    await host.waitForLog((l) => l['@message'] === 'live tail ended' && l.stream === tailPath(q));
    const count = queriesFor(tag);
    // Three poll intervals with no subscriber: no query may reach the server.
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    assert.equal(queriesFor(tag), count, 'no poll after the cancel');
    const r = await host.queryData(ctx(), [dataQuery('B', { query: 'SELECT 1 AS one', format: 'table', version: 3 })]);
    assert.equal(r.B.error, '');
    assert.equal(r.B.frames.length, 1);
  });

  it('a failing poll sends nothing, is logged and retried with backoff; the stream stays open', async () => {
    const tag = 'flaky';
    const q = tailQuery(
      tag,
      `SELECT insert_time AS time, exe AS msg FROM processes /* devserver:fail_after_batches=0 */ WHERE exe LIKE '${tag}-%'`
    );
    const stream = host.openStream(ctx(), tailPath(q), q);
    try {
      await ingest([{ body: `${tag}-1`, ns: nowNs() + 200_000_000n }]);
      const warnings = () =>
        host.logs.filter((l) => l['@message'] === 'live tail poll failed; retrying' && l.stream === tailPath(q));
      await host.waitForLog(() => warnings().length >= 2);
      const [w1, w2] = warnings();
      assert.match(String(w1.error), /injected failure/);
      assert.ok(Number(w2.retryInMs) > Number(w1.retryInMs), 'the retry delay grows');
      assert.equal(stream.packets.length, 0, 'nothing partial is sent');
      assert.ok(!host.stderrText().includes(TOKEN), 'the token never reaches the log');
      assert.ok(host.running);
    } finally {
      stream.cancel();
      await stream.ended;
    }
  });

  it('a query that cannot succeed ends the RunStream with a clear status (no token in it)', async () => {
    const q = tailQuery('broken', `SELECT insert_time AS time, no_such_column AS msg FROM processes`);
    const stream = host.openStream(ctx(), tailPath(q), q);
    const { error } = await stream.ended;
    assert.ok(error, 'the stream ends with an error');
    assert.equal(error.code, 3, error.message); // INVALID_ARGUMENT
    assert.match(error.details, /^live tail stopped: .*no_such_column/);
    assert.ok(!error.details.includes(TOKEN));
    assert.ok(!host.stderrText().includes(TOKEN));
    assert.equal(stream.packets.length, 0);
  });

  it('Shutdown ends running streams and the process exits', async () => {
    const own = await GrafanaHost.start({ minPort: 27750, maxPort: 27799 });
    try {
      const q = tailQuery('shutdown');
      const stream = own.openStream(ctx(), tailPath(q), q);
      await waitForQueries('shutdown', 1);
      const exit = await own.shutdown();
      const { error } = await stream.ended;
      assert.equal(exit.code, 0);
      assert.ok(!error || error.code === 0 || error.code === 14, `stream end: ${error?.message}`);
      await own.waitForLog((l) => l['@message'] === 'live tail ended').catch(() => undefined);
    } finally {
      await own.kill();
    }
  });
});
