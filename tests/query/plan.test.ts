// runQuery's plan: the statements it sends, counted on a wrapped client. The two result
// schema probes (the statement's columns for ad hoc filters, the filtered statement's
// columns for the log volume) are different statements and are cached under different keys.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { FlightSQLClient } from '../../pkg/micromegas';
import { runQuery, type DataQueryInput } from '../../pkg/query';
import { startDevServer, type DevServer } from '../harness/devserver';
import { countTurns } from '../harness/loop-turns';

import { countingClient, testEnv } from './env';

const HOUR = 3_600_000;

describe('runQuery plans, then executes', () => {
  let server: DevServer;
  let client: FlightSQLClient;
  let now: number;
  before(async () => {
    now = Math.floor(Date.now() / 60_000) * 60_000;
    server = await startDevServer({ now: new Date(now).toISOString(), hours: 2 });
    client = new FlightSQLClient(server.uri);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  const volumeQuery = (query: string): DataQueryInput => ({
    refId: 'log-volume-A',
    maxDataPoints: 100,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: now - HOUR, toEpochMS: now },
    queryType: 'logVolume',
    json: {
      query,
      format: 'logs',
      version: 3,
      adhocFilters: [{ key: 'level', operator: '<=', value: '4' }],
    },
  });

  it('a filtered log volume probes the statement and the filtered statement under distinct keys', async () => {
    const sent: string[] = [];
    const c = countingClient(client, sent);
    const sql = 'SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 50 /* plan-keys-1 */';
    const first = await runQuery(testEnv(c), volumeQuery(sql));
    assert.equal(first.error, undefined, first.error);
    const probes = sent.filter((s) => s.endsWith('LIMIT 0'));
    assert.equal(probes.length, 2, `two different probes:\n${probes.join('\n---\n')}`);
    assert.ok(!probes[0].includes('AS adhoc WHERE'), 'the first probe reads the statement itself');
    assert.ok(probes[1].includes('AS adhoc WHERE'), 'the second probe reads the filtered statement');
    // Refreshed: both answers come from the cache, only the volume query is sent.
    sent.length = 0;
    const again = await runQuery(testEnv(c), volumeQuery(sql));
    assert.equal(again.error, undefined, again.error);
    assert.equal(sent.filter((s) => s.endsWith('LIMIT 0')).length, 0);
    assert.equal(sent.length, 1);
  });

  it('a multi-megabyte statement lets other work run between its passes', async () => {
    // Event-loop turns counted until the statement is sent: a plan that never yields sends it
    // before any turn.
    const sentAfter: number[] = [];
    const c = countingClient(client, [], () => sentAfter.push(counter.turns));
    const values = Array.from({ length: 40_000 }, (_, i) => `'v${i}'`).join(',');
    const query = `SELECT count(*) AS n FROM range(10) t(i) WHERE $__timeFilter(now()) AND CAST(i AS VARCHAR) IN (${values})`;
    const counter = countTurns();
    try {
      const res = await runQuery(testEnv(c), {
        refId: 'A',
        maxDataPoints: 100,
        intervalMS: 60_000,
        timeRange: { fromEpochMS: now - HOUR, toEpochMS: now },
        json: { query, format: 'table', version: 3 },
      });
      assert.equal(res.error, undefined, res.error);
    } finally {
      counter.stop();
    }
    assert.equal(sentAfter.length, 1);
    assert.ok(sentAfter[0] >= 2, `the event loop turned ${sentAfter[0]} time(s) while the statement was planned`);
  });
});
