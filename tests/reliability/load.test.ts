// Load and a bounded soak through the built executable (issue 14): at 1/8/32/128 queries in
// flight every query gets its own answer (a result, or the clear overload error when the line
// is too long), the process stays healthy, and a soak leaves no error behind. The figures
// (latency percentiles, RSS) are in `npm run bench -- reliability`, not asserted here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

describe('reliability: load and soak', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ctx = (uid: string) => pluginContext({ uid, jsonData: { url: dev.uri } });

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([startDevServer(), GrafanaHost.start({ minPort: 23800, maxPort: 23999 })]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  for (const n of [1, 8, 32, 128]) {
    it(`${n} concurrent queries over two data sources: each answered with its own result`, async () => {
      const answers = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          host.queryData(ctx(i % 2 === 0 ? 'even' : 'odd'), [
            dataQuery('A', { query: `SELECT ${i} AS v, i FROM range(500) t(i)`, format: 'table' }),
          ])
        )
      );
      answers.forEach((a, i) => {
        assert.equal(a.A.error, '', `query ${i}`);
        const t = frameTable(a.A.frames[0]);
        assert.equal(t.numRows, 500);
        assert.equal(Number(t.getChild('v')!.get(0)), i, 'no answer mixed up with another');
      });
      assert.equal(await host.ping(), 'SERVING');
    });
  }

  it('a bounded soak (400 queries, 8 in flight, three shapes) leaves no error and a healthy process', async () => {
    const shapes = [
      { query: 'SELECT 1 AS one', format: 'table' },
      {
        query: "SELECT to_timestamp(i) AS time, 'k' || (i % 3) AS k, i * 1.0 AS v FROM range(300) t(i)",
        format: 'time_series',
      },
      { query: 'SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 50', format: 'logs' },
    ];
    let next = 0;
    let errors = 0;
    const worker = async () => {
      while (next < 400) {
        const i = next++;
        const r = await host.queryData(ctx('soak'), [dataQuery('S', shapes[i % shapes.length])]);
        errors += r.S.error === '' ? 0 : 1;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.equal(errors, 0);
    assert.equal((await host.checkHealth(ctx('soak'))).status, 'OK');
    assert.doesNotMatch(host.stderrText(), /MaxListenersExceeded|uncaught|unhandled/i);
  });
});
