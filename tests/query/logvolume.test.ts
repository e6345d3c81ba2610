// Log volume: the derived SQL (tail ORDER BY / LIMIT removed at top level only) and the
// per-level frames through the real pipeline, client and dev server, checked against an
// independent count over the same range.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { joinChunks } from '../../pkg/frames';
import { FlightSQLClient } from '../../pkg/micromegas';
import { runQuery, type DataQueryInput, type QueryEnv, type QueryResult } from '../../pkg/query';
import { LEVEL_NAMES } from '../../pkg/frames/logs';
import { isLogVolumeQuery, withoutTrailingOrderLimit } from '../../pkg/query/logvolume';
import { frameToJson, type DataFrameJSON } from '../harness/frame-json';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { startDevServer, type DevServer } from '../harness/devserver';

import { testEnv } from './env';

const HOUR = 3_600_000;

describe('withoutTrailingOrderLimit', () => {
  it('removes a top-level trailing ORDER BY / LIMIT / OFFSET and the semicolon', () => {
    assert.equal(
      withoutTrailingOrderLimit('SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 100;'),
      'SELECT time, level, msg FROM log_entries'
    );
    assert.equal(withoutTrailingOrderLimit('select * from t limit 5 offset 10'), 'select * from t');
    assert.equal(withoutTrailingOrderLimit('SELECT * FROM t\nORDER BY\n  time DESC\n'), 'SELECT * FROM t');
    assert.equal(withoutTrailingOrderLimit('SELECT * FROM t WHERE x = 1'), 'SELECT * FROM t WHERE x = 1');
  });

  it('keeps ORDER BY / LIMIT inside parentheses (subqueries, window specs)', () => {
    const sub = 'SELECT * FROM (SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 10) AS s';
    assert.equal(withoutTrailingOrderLimit(sub), sub);
    assert.equal(withoutTrailingOrderLimit(`${sub} ORDER BY time LIMIT 3`), sub);
    const win = 'SELECT time, row_number() OVER (ORDER BY time) AS n FROM t';
    assert.equal(withoutTrailingOrderLimit(win), win);
  });

  it('keeps LIMIT / ORDER BY in strings, quoted identifiers and comments', () => {
    const s = `SELECT time, msg FROM log_entries WHERE msg LIKE '%ORDER BY x LIMIT 5%'`;
    assert.equal(withoutTrailingOrderLimit(s), s);
    const ident = `SELECT "limit", time FROM t WHERE "order by" = 1`;
    assert.equal(withoutTrailingOrderLimit(ident), ident);
    // The clause after a comment is still the statement's tail; the comment's text is not.
    assert.equal(
      withoutTrailingOrderLimit('SELECT time FROM t -- LIMIT 3\nWHERE x = 1 LIMIT 7'),
      'SELECT time FROM t -- LIMIT 3\nWHERE x = 1'
    );
  });

  it('keeps a LIMIT that belongs to a UNION branch in parentheses, removes the union tail', () => {
    const u = '(SELECT time FROM a LIMIT 2) UNION ALL (SELECT time FROM b LIMIT 3)';
    assert.equal(withoutTrailingOrderLimit(`${u} ORDER BY time DESC LIMIT 4`), u);
  });
});

describe('isLogVolumeQuery', () => {
  it('reads the protocol queryType, else the JSON object or text', () => {
    assert.equal(isLogVolumeQuery('logVolume', {}), true);
    assert.equal(isLogVolumeQuery('other', { queryType: 'logVolume' }), false);
    assert.equal(isLogVolumeQuery(undefined, { queryType: 'logVolume' }), true);
    assert.equal(isLogVolumeQuery(undefined, '{"queryType":"logVolume"}'), true);
    assert.equal(isLogVolumeQuery(undefined, '{"query":"SELECT \'logVolume\'"}'), false);
    assert.equal(isLogVolumeQuery(undefined, { query: 'SELECT 1' }), false);
  });
});

let server: DevServer;
let client: FlightSQLClient;
let now: number;

const env = (): QueryEnv => testEnv(client);

function input(json: Record<string, unknown>, extra: Partial<DataQueryInput> = {}): DataQueryInput {
  return {
    refId: 'log-volume-A',
    maxDataPoints: 100, // smaller than the volume's rows: auto limit must not cut them
    intervalMS: 60_000,
    timeRange: { fromEpochMS: now - 6 * HOUR, toEpochMS: now },
    json,
    queryType: 'logVolume',
    ...extra,
  };
}

function frames(r: QueryResult): DataFrameJSON[] {
  assert.equal(r.error, undefined, `unexpected error: ${r.error}`);
  return r.frames.map((chunks) => {
    const bytes = joinChunks(chunks);
    assertGrafanaFrame(bytes);
    return frameToJson(bytes);
  });
}

/** Total count per level name over all frames (each frame: time, count with labels.level). */
function totals(fs: DataFrameJSON[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of fs) {
    const [time, count] = f.schema.fields;
    assert.equal(time.type, 'time');
    assert.equal(count.type, 'number');
    const level = count.labels?.level ?? 'logs';
    assert.equal(f.schema.name, level);
    const values = f.data.values[1] as number[];
    out.set(level, (out.get(level) ?? 0) + values.reduce((a, b) => a + b, 0));
  }
  return out;
}

/** The independent answer: lines per level over the same range, straight from the server. */
async function countsByLevel(where = ''): Promise<Map<string, number>> {
  const r = frames(
    await runQuery(env(), {
      ...input({
        query: `SELECT level, count(*) AS n FROM log_entries ${where} GROUP BY level`,
        format: 'table',
        version: 3,
      }),
      refId: 'check',
      queryType: undefined,
      maxDataPoints: 0,
    })
  );
  const [levels, counts] = r[0].data.values as [number[], number[]];
  const out = new Map<string, number>();
  levels.forEach((lvl, i) => out.set(LEVEL_NAMES[lvl] ?? 'unknown', counts[i]));
  return out;
}

before(async () => {
  now = Math.floor(Date.now() / 60_000) * 60_000;
  server = await startDevServer({ now: new Date(now).toISOString(), hours: 8 });
  client = new FlightSQLClient(server.uri);
});

after(async () => {
  client?.close();
  await server?.stop();
});

describe('log volume through the pipeline and the dev server', () => {
  it('counts every line of the range per level, not only the LIMIT the logs view shows', async () => {
    const sql = 'SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 10';
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3 })));
    const expected = await countsByLevel();
    assert.ok(expected.size >= 3, 'the sample has several levels');
    assert.deepEqual(totals(fs), expected);
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    assert.ok(total > 10, 'more lines than the logs LIMIT');

    // Frame shape Explore reads: one timeseries-multi frame per level, most severe first,
    // the same buckets (zero-filled) in every frame, aligned on the 1 min interval.
    const order = Object.values(LEVEL_NAMES);
    const names = fs.map((f) => f.schema.name ?? '');
    assert.deepEqual(
      names,
      [...names].sort((a, b) => order.indexOf(a) - order.indexOf(b))
    );
    const times = fs[0].data.values[0] as number[];
    for (const f of fs) {
      assert.equal(f.schema.meta?.type, 'timeseries-multi');
      assert.equal(f.schema.refId, 'log-volume-A');
      assert.deepEqual(f.data.values[0], times);
      assert.equal((f.schema.fields[1].config as { displayNameFromDS?: string }).displayNameFromDS, f.schema.name);
    }
    assert.ok(times.every((t, i) => t % 60_000 === 0 && (i === 0 || t > times[i - 1])));
    assert.ok(times[0] >= now - 6 * HOUR - 60_000 && times[times.length - 1] <= now);

    const executed = String(fs[0].schema.meta?.executedQueryString);
    assert.match(executed, /^SELECT date_bin\(interval '60 second', "time"/);
    assert.ok(!/LIMIT 10/.test(executed), executed);
    assert.deepEqual((fs[0].schema.meta?.custom as { queryRange?: unknown }).queryRange, {
      begin: new Date(now - 6 * HOUR).toISOString(),
      end: new Date(now).toISOString(),
    });
  });

  it('keeps a LIMIT inside a subquery and a "LIMIT" inside a string', async () => {
    const inner = 'SELECT time, level, msg FROM (SELECT * FROM log_entries ORDER BY time DESC LIMIT 50) AS s';
    const fs = frames(
      await runQuery(env(), input({ query: `${inner} ORDER BY time LIMIT 5`, format: 'logs', version: 3 }))
    );
    assert.equal(
      [...totals(fs).values()].reduce((a, b) => a + b, 0),
      50
    );

    const where = `WHERE msg NOT LIKE '%LIMIT 1%'`;
    const str = `SELECT time, level, msg FROM log_entries ${where} ORDER BY time DESC LIMIT 3`;
    const fs2 = frames(await runQuery(env(), input({ query: str, format: 'logs', version: 3 })));
    assert.deepEqual(totals(fs2), await countsByLevel(where));
  });

  it('follows aliases: the time column named timestamp and the level named severity', async () => {
    const sql = 'SELECT time AS timestamp, level AS severity, msg AS body FROM log_entries WHERE level <= 3 LIMIT 2';
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3 })));
    assert.deepEqual(totals(fs), await countsByLevel('WHERE level <= 3'));
  });

  it('applies the dashboard ad hoc filters like the logs query does', async () => {
    const first = frames(
      await runQuery(env(), {
        ...input({ query: 'SELECT min(exe) AS exe FROM log_entries', format: 'table', version: 3 }),
        queryType: undefined,
      })
    );
    const exe = String((first[0].data.values[0] as string[])[0]);
    const sql = 'SELECT time, level, msg, exe FROM log_entries ORDER BY time DESC LIMIT 5';
    const filters = [{ key: 'exe', operator: '=', value: exe }];
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3, adhocFilters: filters })));
    const expected = await countsByLevel(`WHERE exe = '${exe.replace(/'/g, "''")}'`);
    assert.deepEqual(totals(fs), expected);
    assert.ok(
      [...expected.values()].reduce((a, b) => a + b, 0) <
        [...(await countsByLevel()).values()].reduce((a, b) => a + b, 0)
    );
  });

  it('stays within the range when the query is sent without the range headers (timeFilter off)', async () => {
    const sql = 'SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 5';
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3, timeFilter: false })));
    assert.equal((fs[0].schema.meta?.custom as { queryRange?: unknown }).queryRange, undefined);
    assert.deepEqual(totals(fs), await countsByLevel());
  });

  it('without a level column: one "logs" series with every line', async () => {
    const sql = 'SELECT time, msg FROM log_entries LIMIT 1';
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3 })));
    assert.equal(fs.length, 1);
    assert.equal(fs[0].schema.fields[1].labels, undefined);
    const expected = [...(await countsByLevel()).values()].reduce((a, b) => a + b, 0);
    assert.deepEqual(totals(fs), new Map([['logs', expected]]));
  });

  it('without a time column: a clear error, no frames', async () => {
    const r = await runQuery(
      env(),
      input({ query: 'SELECT level, msg FROM log_entries LIMIT 5', format: 'logs', version: 3 })
    );
    assert.equal(r.frames.length, 0);
    assert.match(String(r.error), /Log volume needs the logs query to select a timestamp column.*\(level, msg\)/);
  });

  it('no line in the range: one empty frame', async () => {
    const sql = "SELECT time, level, msg FROM log_entries WHERE msg = 'no such line'";
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3 })));
    assert.equal(fs.length, 1);
    assert.equal((fs[0].data.values[0] as unknown[]).length, 0);
  });

  it('widens a too fine interval to at most 2000 buckets', async () => {
    const sql = 'SELECT time, level, msg FROM log_entries';
    const fs = frames(await runQuery(env(), input({ query: sql, format: 'logs', version: 3 }, { intervalMS: 1 })));
    // 6 h / 2000 = 10.8 s → 11 s buckets.
    assert.match(String(fs[0].schema.meta?.executedQueryString), /interval '11 second'/);
    assert.deepEqual(totals(fs), await countsByLevel());
  });
});
