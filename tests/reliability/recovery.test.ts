// Recovery after a Micromegas outage (issue 14, finding 3): once the server is back, the
// very next query and health check succeed, however long the outage made grpc-js's
// reconnect back-off; a stream broken mid-way is an error, never a partial result shown as
// complete. The outage is played by a TCP relay (outage-proxy.ts) in front of the dev server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';
import { OutageProxy } from './outage-proxy';

/** grpc-js's trace of a failed connection attempt (GRPC_TRACE=subchannel). */
const FAILED_ATTEMPT = /subchannel.* CONNECTING -> TRANSIENT_FAILURE/;

describe('reliability: recovery after an outage', () => {
  let dev: DevServer;
  let proxy: OutageProxy;
  let host: GrafanaHost;
  const ctx = () => pluginContext({ uid: 'outage', jsonData: { url: proxy.uri } });
  const select = (n: number) => [dataQuery('A', { query: `SELECT ${n} AS v`, format: 'table' })];
  const failedAttempts = () => host.logs.filter((l) => FAILED_ATTEMPT.test(String(l['@message']))).length;

  before(async () => {
    ensureBackendBuilt();
    dev = await startDevServer();
    proxy = await OutageProxy.start(dev.uri);
    host = await GrafanaHost.start({
      minPort: 23200,
      maxPort: 23399,
      // The connection attempts are the events this test waits on.
      env: { GRPC_TRACE: 'subchannel', GRPC_VERBOSITY: 'DEBUG' },
    });
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), proxy?.stop(), dev?.stop()]);
  });

  it('the first query and health check after the server is back succeed, whatever the back-off reached', async () => {
    const before = await host.queryData(ctx(), select(1));
    assert.equal(before.A.error, '');

    await proxy.down();
    // A query racing the drop fails with "Connection dropped" and leaves the channel idle; the
    // next one makes it try to connect, which is refused.
    let down = await host.queryData(ctx(), select(2));
    while (!/ECONNREFUSED/.test(down.A.error)) {
      assert.match(down.A.error, /could not reach Micromegas/);
      down = await host.queryData(ctx(), select(2));
    }
    assert.equal(down.A.status, 503);
    // Let the channel fail to reconnect several times: grpc-js's default back-off grows to
    // ~10 s by the 6th attempt, which is when the stale failures used to start.
    const seen = failedAttempts();
    await host.waitForLog(() => failedAttempts() >= seen + 6, 60_000);

    await proxy.up();
    const first = await host.queryData(ctx(), select(3));
    assert.equal(first.A.error, '', 'the first query after the server returned');
    assert.equal(Number(frameTable(first.A.frames[0]).getChild('v')!.get(0)), 3);
    const health = await host.checkHealth(ctx());
    assert.equal(health.status, 'OK', health.message);
  });

  it('a stream broken mid-way is an error without frames, and the next query succeeds', async () => {
    // ~100 KB batches, 150 ms apart: the stream is under way once the first ones went through.
    const sql =
      "SELECT i, repeat('x', 100) AS s FROM range(100000) t(i) /* devserver:delay_ms=150 */ /* devserver:batch_rows=1000 */";
    const streaming = proxy.waitForDownstreamBytes(150_000);
    const running = host.queryData(ctx(), [dataQuery('S', { query: sql, format: 'table', autoLimit: false })]);
    const first = await Promise.race([
      streaming.then(() => 'streaming' as const),
      running.then(() => 'ended' as const),
    ]);
    assert.equal(first, 'streaming', 'the query was under way when the server went away');
    await proxy.down();
    const broken = await running;
    assert.notEqual(broken.S.error, '', 'a broken stream is an error');
    assert.equal(broken.S.frames.length, 0, 'no partial result shown as complete');
    await proxy.up();
    const next = await host.queryData(ctx(), select(4));
    assert.equal(next.A.error, '');
  });
});
