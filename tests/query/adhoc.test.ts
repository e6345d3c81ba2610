// Ad hoc filters: the SQL they become (every operator, quoting, injection attempts) and
// the pipeline applying them through the real client against the real dev server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Field, Int32, Schema, Utf8 } from 'apache-arrow';

import { joinChunks } from '../../pkg/frames';
import { FlightSQLClient } from '../../pkg/micromegas';
import { handleResource, runQuery, type DataQueryInput, type QueryEnv } from '../../pkg/query';
import {
  AdhocFilterError,
  adhocCondition,
  filterCondition,
  outerOrderBy,
  parseAdhocFilters,
  wrapWithFilters,
} from '../../pkg/query/adhoc';
import { expandMacros } from '../../pkg/query/macros';
import { startDevServer, type DevServer } from '../harness/devserver';

import { countingClient, testEnv } from './env';
import { assertGrafanaFrame } from '../harness/frame-validate';

const one = (key: string, operator: string, value: string, values?: string[]) =>
  parseAdhocFilters([{ key, operator, value, values }])[0];

describe('ad hoc filters: validation', () => {
  it('absent or null means no filters; operator defaults to =', () => {
    assert.deepEqual(parseAdhocFilters(undefined), []);
    assert.deepEqual(parseAdhocFilters(null), []);
    assert.deepEqual(parseAdhocFilters([{ key: 'exe', value: 'a' }]), [{ key: 'exe', operator: '=', value: 'a' }]);
  });

  it('rejects keys that are not plain column names, saying what a key must be', () => {
    for (const key of ['exe" OR 1=1 --', 'a.b', '1abc', '', 'x y', 'properties->>k', '"exe"']) {
      assert.throws(
        () => parseAdhocFilters([{ key, operator: '=', value: 'v' }]),
        (e: Error) => e instanceof AdhocFilterError && /not a plain column name/.test(e.message),
        key
      );
    }
    assert.throws(() => parseAdhocFilters([{ key: 5, operator: '=', value: 'v' }]), /not a plain column name/);
  });

  it('rejects unknown operators, non-list filters and non-scalar values with the accepted forms', () => {
    assert.throws(
      () => parseAdhocFilters([{ key: 'exe', operator: 'LIKE', value: 'v' }]),
      /use one of = != < > <= >= =~ !~ =\| !=\|/
    );
    assert.throws(() => parseAdhocFilters({ key: 'exe' }), /must be a list like \[\{"key"/);
    assert.throws(() => parseAdhocFilters(['exe=a']), /#1 must be an object/);
    assert.throws(() => parseAdhocFilters([{ key: 'exe', operator: '=', value: { a: 1 } }]), /value must be a string/);
    assert.throws(() => parseAdhocFilters([{ key: 'exe', operator: '=|', values: [] }]), /needs at least one value/);
  });
});

describe('ad hoc filters: SQL conditions', () => {
  it('every operator, with values as quoted literals', () => {
    const cases: Array<[string, string, string[] | undefined, string]> = [
      ['=', 'a.exe', undefined, `"exe" = 'a.exe'`],
      ['!=', 'a.exe', undefined, `("exe" IS NULL OR "exe" <> 'a.exe')`],
      ['<', '4', undefined, `"exe" < 4`],
      ['>', '2024-01-01T00:00:00Z', undefined, `"exe" > '2024-01-01T00:00:00Z'`],
      ['<=', '-1.5e3', undefined, `"exe" <= -1.5e3`],
      ['>=', 'b', undefined, `"exe" >= 'b'`],
      ['=~', 'app.*', undefined, `CAST("exe" AS VARCHAR) ~ '^(?:app.*)$'`],
      ['!~', 'app.*', undefined, `("exe" IS NULL OR CAST("exe" AS VARCHAR) !~ '^(?:app.*)$')`],
      ['=|', '', ['a', 'b'], `"exe" IN ('a', 'b')`],
      ['!=|', '', ['a'], `("exe" IS NULL OR "exe" NOT IN ('a'))`],
    ];
    for (const [op, value, values, sql] of cases) {
      assert.equal(filterCondition(one('exe', op, value, values)), sql, op);
    }
  });

  it('numbers are bare only for numeric columns (equality) or comparisons', () => {
    assert.equal(filterCondition(one('level', '=', '4'), 'numeric'), `"level" = 4`);
    assert.equal(filterCondition(one('level', '=', '4'), 'other'), `"level" = '4'`);
    assert.equal(filterCondition(one('level', '=', '4')), `"level" = '4'`);
    assert.equal(filterCondition(one('level', '<', '4'), 'other'), `"level" < '4'`);
    assert.equal(filterCondition(one('level', '=|', '', ['1', 'x']), 'numeric'), `"level" IN (1, 'x')`);
  });

  it('injection attempts in values stay inside one literal', () => {
    const evil = `x' OR '1'='1`;
    assert.equal(filterCondition(one('exe', '=', evil)), `"exe" = 'x'' OR ''1''=''1'`);
    assert.equal(
      filterCondition(one('exe', '=~', `a')$' OR 1=1 --`)),
      `CAST("exe" AS VARCHAR) ~ '^(?:a'')$'' OR 1=1 --)$'`
    );
    assert.equal(filterCondition(one('level', '<', `1; DROP TABLE x`)), `"level" < '1; DROP TABLE x'`);
    assert.equal(filterCondition(one('exe', '=|', '', [`a'`, `b\\'`])), `"exe" IN ('a''', 'b\\''')`);
  });

  it('$__adhocFilters is the AND of the conditions, 1=1 without filters', () => {
    const ctx = { from: new Date('2023-01-01T00:00:00Z'), to: new Date('2023-01-01T00:10:00Z'), intervalMs: 10_000 };
    const filters = parseAdhocFilters([
      { key: 'exe', operator: '=', value: 'a' },
      { key: 'level', operator: '<', value: '3' },
    ]);
    const adhoc = { filters, used: false };
    assert.equal(
      expandMacros('SELECT * FROM log_entries WHERE $__adhocFilters AND x = 1', { ...ctx, adhoc }),
      `SELECT * FROM log_entries WHERE ("exe" = 'a') AND ("level" < 3) AND x = 1`
    );
    assert.equal(adhoc.used, true);
    assert.equal(expandMacros('WHERE $__adhocFilters()', ctx), 'WHERE 1=1');
    assert.equal(adhocCondition([]), '1=1');
    // In a string or comment it is text, not a macro.
    const untouched = { filters, used: false };
    assert.equal(
      expandMacros(`SELECT '$__adhocFilters' -- $__adhocFilters`, { ...ctx, adhoc: untouched }),
      `SELECT '$__adhocFilters' -- $__adhocFilters`
    );
    assert.equal(untouched.used, false);
  });

  it('the wrapper applies result columns only and reports the others; no filters = unchanged SQL', () => {
    const schema = new Schema([new Field('exe', new Utf8(), true), new Field('level', new Int32(), true)]);
    const filters = parseAdhocFilters([
      { key: 'level', operator: '=', value: '4' },
      { key: 'host', operator: '=', value: 'h1' },
    ]);
    const w = wrapWithFilters('SELECT exe, level FROM log_entries;', schema, filters);
    assert.equal(w.sql, `SELECT * FROM (\nSELECT exe, level FROM log_entries\n) AS adhoc WHERE ("level" = 4)`);
    assert.equal(w.notices.length, 1);
    assert.match(
      w.notices[0].text,
      /host = 'h1' not applied: this query's result has no column host \(its columns: exe, level\)/
    );
    assert.match(w.notices[0].text, /\$__adhocFilters/);

    const explain = wrapWithFilters('-- plan\nEXPLAIN SELECT level FROM t', schema, filters);
    assert.equal(explain.sql, '-- plan\nEXPLAIN SELECT level FROM t');
    assert.match(explain.notices[0].text, /not applied: they filter SELECT queries only/);
    assert.equal(wrapWithFilters('/* c */ (SELECT level FROM t)', schema, filters).notices.length, 1);
    assert.match(
      wrapWithFilters('with x AS (SELECT 1) SELECT level FROM x', schema, filters).sql,
      /^SELECT \* FROM \(\nwith/
    );
    const none = wrapWithFilters('SELECT 1', schema, []);
    assert.deepEqual(none, { sql: 'SELECT 1', notices: [] });
    const limited = wrapWithFilters('SELECT exe FROM t -- note\nLIMIT 5 -- trailing', schema, filters.slice(0, 1));
    assert.ok(limited.sql.endsWith('-- trailing\n) AS adhoc WHERE ("level" = 4)'), limited.sql);
    assert.match(limited.notices[0].text, /after its LIMIT/);
  });
});

describe('ad hoc filters: the order of a wrapped query is restated outside', () => {
  const cols = ['time', 'exe', 'Level'];
  const cases: Array<[string, ReturnType<typeof outerOrderBy>]> = [
    ['SELECT time, exe FROM t ORDER BY time DESC LIMIT 10', { clause: 'ORDER BY "time" DESC' }],
    ['SELECT * FROM t ORDER BY 1, "exe" asc nulls last;', { clause: 'ORDER BY 1, "exe" ASC NULLS LAST' }],
    ['SELECT l.time FROM t l ORDER BY l.Time -- newest last\n', { clause: 'ORDER BY "time"' }],
    ['SELECT "Level" FROM t ORDER BY "Level" OFFSET 2', { clause: 'ORDER BY "Level"' }],
    ['SELECT row_number() OVER (ORDER BY time) AS n FROM t', {}],
    ['SELECT * FROM (SELECT time FROM t ORDER BY time) x', {}],
    ["SELECT 'order by time' AS s -- order by exe", {}],
    ['SELECT exe, count(*) AS n FROM t GROUP BY exe ORDER BY count(*) DESC', { problem: 'count(*) DESC' }],
    ['SELECT exe FROM t ORDER BY begin_time', { problem: 'begin_time' }],
    ['SELECT exe FROM t ORDER BY 4', { problem: '4' }],
  ];
  for (const [sql, expected] of cases) {
    it(sql, () => assert.deepEqual(outerOrderBy(sql, cols), expected));
  }

  it('the wrapper appends it, and warns when the order cannot be kept', () => {
    const schema = new Schema([new Field('exe', new Utf8(), true), new Field('n', new Int32(), true)]);
    const filters = parseAdhocFilters([{ key: 'exe', value: 'a' }]);
    const kept = wrapWithFilters('SELECT exe, n FROM t ORDER BY n DESC', schema, filters);
    assert.equal(
      kept.sql,
      `SELECT * FROM (\nSELECT exe, n FROM t ORDER BY n DESC\n) AS adhoc WHERE ("exe" = 'a') ORDER BY "n" DESC`
    );
    assert.deepEqual(kept.notices, []);
    const lost = wrapWithFilters('SELECT exe, count(*) AS n FROM t GROUP BY exe ORDER BY count(*)', schema, filters);
    assert.equal(lost.notices[0].severity, 'warning');
    assert.match(lost.notices[0].text, /may not follow this query's ORDER BY \(count\(\*\)\)/);
  });
});

describe('ad hoc filters through the pipeline (real client, dev server)', () => {
  const HOUR = 3_600_000;
  let server: DevServer;
  let client: FlightSQLClient;
  let now: number;

  before(async () => {
    now = Math.floor(Date.now() / 1000) * 1000;
    server = await startDevServer({ now: new Date(now).toISOString() });
    client = new FlightSQLClient(server.uri);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  const env = (): QueryEnv => testEnv(client, { user: undefined });
  const query = (json: Record<string, unknown>): DataQueryInput => ({
    refId: 'A',
    maxDataPoints: 0,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: now - HOUR, toEpochMS: now },
    json: { format: 'table', version: 3, autoLimit: false, ...json },
  });
  async function run(json: Record<string, unknown>) {
    const r = await runQuery(env(), query(json));
    assert.equal(r.error, undefined, `unexpected error: ${r.error}`);
    const v = assertGrafanaFrame(joinChunks(r.frames[0]));
    const meta = v.meta as { executedQueryString?: string; notices?: Array<{ severity: string; text: string }> };
    return { table: v.table, executed: String(meta.executedQueryString), notices: meta.notices ?? [] };
  }
  const column = (t: { getChild(n: string): { toArray(): ArrayLike<unknown> } | null }, name: string) =>
    Array.from(t.getChild(name)!.toArray()).map(String);

  it('the wrapper narrows rows to the filter, on any operator', async () => {
    const sql = 'SELECT exe, level, msg FROM log_entries WHERE $__timeFilter(time)';
    const all = await run({ query: sql });
    const exes = [...new Set(column(all.table, 'exe'))].sort();
    assert.ok(exes.length >= 2, `dev data has several exes: ${exes}`);
    const target = exes[0];

    const eq = await run({ query: sql, adhocFilters: [{ key: 'exe', operator: '=', value: target }] });
    assert.ok(eq.table.numRows > 0 && eq.table.numRows < all.table.numRows);
    assert.deepEqual([...new Set(column(eq.table, 'exe'))], [target]);
    assert.match(eq.executed, /^SELECT \* FROM \(\nSELECT exe, level, msg FROM log_entries WHERE time >= /);

    const ne = await run({ query: sql, adhocFilters: [{ key: 'exe', operator: '!=', value: target }] });
    assert.equal(ne.table.numRows + eq.table.numRows, all.table.numRows);

    const re = await run({
      query: sql,
      adhocFilters: [{ key: 'exe', operator: '=~', value: `${target.slice(0, 3)}.*` }],
    });
    assert.ok(
      column(re.table, 'exe').every((e) => e.startsWith(target.slice(0, 3))) && re.table.numRows >= eq.table.numRows
    );
    const partial = await run({
      query: sql,
      adhocFilters: [{ key: 'exe', operator: '=~', value: target.slice(1, 3) }],
    });
    assert.equal(partial.table.numRows, 0, 'a regex matches the whole value');

    const oneOf = await run({
      query: sql,
      adhocFilters: [{ key: 'exe', operator: '=|', value: '', values: exes.slice(0, 2) }],
    });
    assert.ok(column(oneOf.table, 'exe').every((e) => exes.slice(0, 2).includes(e)));

    const levels = column(all.table, 'level').map(Number);
    const low = await run({ query: sql, adhocFilters: [{ key: 'level', operator: '<', value: '3' }] });
    assert.equal(low.table.numRows, levels.filter((l) => l < 3).length);
  });

  it('a wrapped query keeps its ORDER BY', async () => {
    const sql = 'SELECT time, exe FROM log_entries WHERE $__timeFilter(time) ORDER BY time DESC';
    const all = await run({ query: sql });
    const target = column(all.table, 'exe')[0];
    const r = await run({ query: sql, adhocFilters: [{ key: 'exe', operator: '=', value: target }] });
    assert.ok(r.executed.endsWith(`) AS adhoc WHERE ("exe" = '${target}') ORDER BY "time" DESC`), r.executed);
    const times = Array.from(r.table.getChild('time')!.toArray() as ArrayLike<number | bigint>, Number);
    assert.ok(times.length > 1);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a)
    );
  });

  it('a query with a CTE is wrapped whole', async () => {
    const r = await run({
      query:
        'WITH l AS (SELECT exe, level FROM log_entries) SELECT level, count(*) AS n FROM l GROUP BY level ORDER BY level',
      adhocFilters: [{ key: 'level', operator: '>=', value: '3' }],
    });
    const levels = column(r.table, 'level').map(Number);
    assert.ok(levels.length > 0 && levels.every((l) => l >= 3));
    assert.deepEqual(
      levels,
      [...levels].sort((a, b) => a - b)
    );
  });

  it('thread spans (range mandatory) are filtered too: the result columns are read with the range', async () => {
    const streams = await run({
      query:
        "SELECT stream_id FROM streams WHERE array_has(tags, 'cpu') AND NOT array_has(tags, 'async') ORDER BY stream_id LIMIT 1",
    });
    const stream = column(streams.table, 'stream_id')[0];
    const sql = `SELECT name, depth, duration FROM view_instance('thread_spans', '${stream}') ORDER BY begin`;
    const all = await run({ query: sql });
    assert.ok(all.table.numRows > 0);
    const r = await run({ query: sql, adhocFilters: [{ key: 'depth', operator: '=', value: '0' }] });
    const depths = column(r.table, 'depth');
    assert.ok(depths.length > 0 && depths.length < all.table.numRows);
    assert.ok(depths.every((d) => d === '0'));
    assert.deepEqual(r.notices, [
      {
        severity: 'warning',
        text: "Ad hoc filters: the rows may not follow this query's ORDER BY (begin), which names no column of its result. Order by a selected column or its position, or write $__adhocFilters in the WHERE clause.",
      },
    ]);
  });

  it('the result columns of a statement are read once per client and 30 s, not on every refresh', async () => {
    // Counts the statements sent through a wrapped client (the cache is per client).
    const sent: string[] = [];
    const counting = countingClient(client, sent);
    const json = { query: 'SELECT exe AS x FROM processes', adhocFilters: [{ key: 'x', value: 'x' }] };
    const probes = () => sent.filter((sql) => sql.endsWith('AS adhoc LIMIT 0')).length;
    for (let i = 0; i < 3; i++) {
      const r = await runQuery(testEnv(counting, { user: undefined }), query(json));
      assert.equal(r.error, undefined, `unexpected error: ${r.error}`);
    }
    assert.equal(probes(), 1);
    assert.equal(sent.length, 4, 'one probe, then the three filtered queries');
  });

  it('an injection attempt in a value is just a value that matches nothing', async () => {
    const r = await run({
      query: 'SELECT exe FROM log_entries',
      adhocFilters: [{ key: 'exe', operator: '=', value: `x' OR '1'='1` }],
    });
    assert.equal(r.table.numRows, 0);
  });

  it('$__adhocFilters filters before GROUP BY / LIMIT and suppresses the wrapper', async () => {
    const r = await run({
      query: 'SELECT exe, count(*) AS n FROM log_entries WHERE $__adhocFilters GROUP BY exe ORDER BY exe LIMIT 1',
      adhocFilters: [{ key: 'level', operator: '<=', value: '2' }],
    });
    assert.ok(!r.executed.includes('AS adhoc'));
    assert.match(r.executed, /WHERE \("level" <= 2\) GROUP BY/);
    assert.equal(r.notices.length, 0);
  });

  it('a filter on a column the result lacks is skipped with a visible notice', async () => {
    const r = await run({ query: 'SELECT 1 AS x', adhocFilters: [{ key: 'exe', operator: '=', value: 'a' }] });
    assert.equal(r.table.numRows, 1);
    assert.equal(r.executed, 'SELECT 1 AS x');
    assert.equal(r.notices[0].severity, 'info');
    assert.match(r.notices[0].text, /exe = 'a' not applied: this query's result has no column exe \(its columns: x\)/);
  });

  it('values resource: narrowed by other filters, capped with a "more" flag, bad filters rejected', async () => {
    const values = async (body: Record<string, unknown>) => {
      const r = await handleResource(env(), { path: 'values', method: 'POST', body: JSON.stringify(body) });
      return { status: r.status, body: JSON.parse(Buffer.from(r.body ?? []).toString('utf8')) };
    };
    const range = { from: new Date(now - HOUR).toISOString(), to: new Date(now).toISOString() };
    const all = await values({ table: 'log_entries', column: 'exe', ...range });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.equal(all.body.more, false);
    assert.ok(all.body.values.length >= 2);

    const first = all.body.values[0];
    const narrowed = await values({
      table: 'log_entries',
      column: 'level',
      ...range,
      filters: [{ key: 'exe', operator: '=', value: first }],
    });
    const direct = await run({
      query: `SELECT DISTINCT CAST(level AS VARCHAR) AS v FROM log_entries WHERE exe = '${first}' AND $__timeFilter(time) ORDER BY v`,
    });
    assert.deepEqual(narrowed.body.values, column(direct.table, 'v'));

    const capped = await values({ table: 'log_entries', column: 'exe', ...range, limit: 1 });
    assert.deepEqual(capped.body, { values: [first], more: true });

    const bad = await values({ table: 'log_entries', column: 'exe', filters: [{ key: 'exe; --', value: 'x' }] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /not a plain column name/);
  });

  it('a bad key or operator fails the query with an actionable plugin error', async () => {
    const bad = await runQuery(
      env(),
      query({ query: 'SELECT 1 AS x', adhocFilters: [{ key: 'x"; DROP', operator: '=', value: 'a' }] })
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.errorSource, 'plugin');
    assert.match(String(bad.error), /not a plain column name/);
    const op = await runQuery(
      env(),
      query({ query: 'SELECT 1 AS x', adhocFilters: [{ key: 'x', operator: 'like', value: 'a' }] })
    );
    assert.match(String(op.error), /operator "like" is not supported; use one of/);
  });
});
