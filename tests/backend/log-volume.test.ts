// Explore's logs volume end to end on the backend side: the supplementary query the
// frontend derives from a logs query (src/query/logVolume.ts, checked by its jest test:
// same query, refId "log-volume-<refId>", queryType "logVolume", auto limit off) runs
// through the built executable, with queryType in the protocol field as Grafana sends it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LEVEL_NAMES } from '../../pkg/frames/logs';
import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

const LOGS_SQL =
  'SELECT time, level, msg, process_id FROM log_entries WHERE $__timeFilter(time) ORDER BY time DESC LIMIT 10';

describe('log volume through the backend executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ctx = () => pluginContext({ uid: 'log-volume', jsonData: { url: dev.uri } });
  const to = Date.now();
  const from = to - 2 * 3600_000;

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.05, hours: 3, now: new Date(to).toISOString() }),
      GrafanaHost.start({ minPort: 27700, maxPort: 27799 }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('counts every line of the logs query over the range, per level, one time series frame per level', async () => {
    const logs = { query: LOGS_SQL, format: 'logs', version: 3, timeFilter: true };
    const r = await host.queryData(ctx(), [
      dataQuery('A', logs, { from, to }),
      dataQuery(
        'log-volume-A',
        { ...logs, queryType: 'logVolume', autoLimit: false },
        { from, to, intervalMS: 60_000, queryType: 'logVolume' }
      ),
      dataQuery(
        'C',
        {
          query: 'SELECT level, count(*) AS n FROM log_entries WHERE $__timeFilter(time) GROUP BY level',
          format: 'table',
          version: 3,
        },
        { from, to }
      ),
    ]);
    for (const refId of ['A', 'log-volume-A', 'C']) {
      assert.equal(r[refId].error, '', `${refId}: ${r[refId].error}`);
    }
    // The logs query itself still shows its 10 lines; the volume is not cut by its LIMIT.
    assert.equal(frameTable(r.A.frames[0]).numRows, 10);

    const expected = new Map<string, number>();
    const counts = frameTable(r.C.frames[0]);
    for (let i = 0; i < counts.numRows; i++) {
      const level = Number(counts.getChild('level')!.get(i));
      expected.set(LEVEL_NAMES[level], Number(counts.getChild('n')!.get(i)));
    }
    assert.ok(expected.size >= 2, `the sample data has several levels (${[...expected.keys()].join(', ')})`);

    const got = new Map<string, number>();
    for (const bytes of r['log-volume-A'].frames) {
      const { table, meta } = assertGrafanaFrame(bytes);
      assert.equal(meta?.type, 'timeseries-multi');
      assert.deepEqual(
        table.schema.fields.map((f) => f.name),
        ['time', 'count']
      );
      const labels = JSON.parse(table.schema.fields[1].metadata.get('labels') ?? '{}') as { level?: string };
      assert.ok(labels.level, 'each series carries its level label (Explore colours by it)');
      const times = table.getChild('time')!.toArray() as BigInt64Array;
      for (let i = 1; i < times.length; i++) {
        // Buckets of the panel interval, ascending (a bucket without any line is left out).
        const step = times[i] - times[i - 1];
        assert.ok(step > 0n && step % 60_000_000_000n === 0n, `bucket step ${step} ns`);
      }
      const sum = (table.getChild('count')!.toArray() as Float64Array).reduce((a, b) => a + b, 0);
      got.set(labels.level, sum);
    }
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected));
  });

  it('a logs query without a time column gets a clear error for its volume, not a crash', async () => {
    const r = await host.queryData(ctx(), [
      dataQuery(
        'log-volume-B',
        { query: 'SELECT msg FROM log_entries LIMIT 5', format: 'logs', version: 3, queryType: 'logVolume' },
        { from, to, queryType: 'logVolume' }
      ),
    ]);
    assert.match(r['log-volume-B'].error, /timestamp column/);
    assert.equal(r['log-volume-B'].errorSource, 'plugin');
    // The process still serves queries.
    const ok = await host.queryData(ctx(), [dataQuery('D', { query: 'SELECT 1 AS x', format: 'table' }, { from, to })]);
    assert.equal(ok.D.error, '');
  });
});
