// Ad hoc filters through the built executable against the dev server, as Grafana sends
// them (adhocFilters in the query JSON): they narrow rows, they narrow the values
// resource, and a bad key is an actionable per-query error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

describe('ad hoc filters through the backend executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ctx = () => pluginContext({ uid: 'adhoc', jsonData: { url: dev.uri } });
  const SQL = 'SELECT time, exe, level, msg FROM log_entries WHERE $__timeFilter(time) ORDER BY time';
  // One fixed range for every query, so rows compared across requests cover the same window.
  const range = { to: Date.now(), from: Date.now() - 3600_000 };

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.05 }),
      GrafanaHost.start({ minPort: 27000, maxPort: 27499 }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  const exesOf = (frame: Buffer) => {
    const t = frameTable(frame);
    return Array.from({ length: t.numRows }, (_, i) => String(t.getChild('exe')!.get(i)));
  };

  it('a filter narrows the rows; the executed SQL shows how; other queries of the request are unaffected', async () => {
    const base = await host.queryData(ctx(), [
      dataQuery('ALL', { query: SQL, format: 'table', version: 3, autoLimit: false }, range),
    ]);
    assert.equal(base.ALL.error, '');
    const exes = [...new Set(exesOf(base.ALL.frames[0]))].sort();
    assert.ok(exes.length >= 2, `several exes in the sample data: ${exes.join(', ')}`);

    const filters = [{ key: 'exe', operator: '=', value: exes[0] }];
    const r = await host.queryData(ctx(), [
      dataQuery('F', { query: SQL, format: 'table', version: 3, autoLimit: false, adhocFilters: filters }, range),
      dataQuery('LOGS', { query: SQL, format: 'logs', version: 3, autoLimit: false, adhocFilters: filters }, range),
      dataQuery('PLAIN', { query: SQL, format: 'table', version: 3, autoLimit: false }, range),
    ]);
    for (const refId of ['F', 'LOGS', 'PLAIN']) {
      assert.equal(r[refId].error, '', `${refId}: ${r[refId].error}`);
    }
    const filtered = exesOf(r.F.frames[0]);
    const expected = exesOf(base.ALL.frames[0]).filter((e) => e === exes[0]).length;
    assert.equal(filtered.length, expected);
    assert.ok(filtered.length > 0 && filtered.every((e) => e === exes[0]));
    assert.equal(frameTable(r.LOGS.frames[0]).numRows, expected);
    assert.equal(frameTable(r.PLAIN.frames[0]).numRows, exesOf(base.ALL.frames[0]).length);

    const meta = assertGrafanaFrame(r.F.frames[0]).meta as { executedQueryString?: string };
    assert.match(String(meta.executedQueryString), /\) AS adhoc WHERE \("exe" = '[^']+'\) ORDER BY "time"$/);
  });

  it('a filter on a column the result lacks is reported as a notice on the frame', async () => {
    const r = await host.queryData(ctx(), [
      dataQuery('A', {
        query: 'SELECT count(*) AS n FROM log_entries',
        format: 'table',
        version: 3,
        adhocFilters: [{ key: 'exe', operator: '=', value: 'x' }],
      }),
    ]);
    assert.equal(r.A.error, '');
    const meta = assertGrafanaFrame(r.A.frames[0]).meta as { notices?: Array<{ severity: string; text: string }> };
    assert.ok(
      meta.notices?.some((n) =>
        /exe = 'x' not applied: this query's result has no column exe \(its columns: n\)/.test(n.text)
      ),
      JSON.stringify(meta.notices)
    );
  });

  it('a bad key or operator is an actionable error of that query only; the process lives on', async () => {
    const r = await host.queryData(ctx(), [
      dataQuery('KEY', {
        query: SQL,
        format: 'table',
        version: 3,
        adhocFilters: [{ key: 'exe" = exe OR "1', operator: '=', value: 'x' }],
      }),
      dataQuery('OP', {
        query: SQL,
        format: 'table',
        version: 3,
        adhocFilters: [{ key: 'exe', operator: 'LIKE', value: 'x%' }],
      }),
      dataQuery('OK', { query: 'SELECT 1 AS x', format: 'table', version: 3 }),
    ]);
    assert.match(r.KEY.error, /ad hoc filter key "exe\\" = exe OR \\"1" is not a plain column name/);
    assert.match(r.KEY.error, /pick a column of the query's result/);
    assert.equal(r.KEY.errorSource, 'plugin');
    assert.equal(r.KEY.status, 400);
    assert.match(r.OP.error, /operator "LIKE" is not supported; use one of = != < > <= >= =~ !~ =\| !=\|/);
    assert.equal(r.OK.error, '');
    assert.equal(await host.ping(), 'SERVING');
  });

  it('the values resource lists values narrowed by the other filters and flags a capped list', async () => {
    const values = async (body: object) => {
      const res = await host.callResource(ctx(), { path: 'values', method: 'POST', body });
      return { code: res.code, json: res.json as { values: string[]; more: boolean; error?: string } };
    };
    const to = Date.now();
    const range = { from: new Date(to - 3_600_000).toISOString(), to: new Date(to).toISOString() };
    const all = await values({ table: 'log_entries', column: 'exe', ...range });
    assert.equal(all.code, 200, JSON.stringify(all.json));
    assert.equal(all.json.more, false);
    const capped = await values({ table: 'log_entries', column: 'exe', ...range, limit: 1 });
    assert.deepEqual(capped.json, { values: all.json.values.slice(0, 1), more: true });
    const none = await values({
      table: 'log_entries',
      column: 'exe',
      ...range,
      filters: [{ key: 'exe', operator: '=', value: `nothing' OR '1'='1` }],
    });
    assert.deepEqual(none.json, { values: [], more: false });
    const bad = await values({ table: 'log_entries', column: 'exe', filters: [{ key: '1x', value: 'a' }] });
    assert.equal(bad.code, 400);
    assert.match(String(bad.json.error), /not a plain column name/);
  });
});
