// Ad hoc filters in the data source: filters sent with the query, keys and values looked
// up through the backend's resources (Grafana's HTTP API is the fake boundary).
import { CoreApp, createDataFrame, dateTime, FieldType, GetTagResponse, MetricFindValue } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { FakeBackend, FakeTemplateSrv, instanceSettings, RecordedRequest } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { ADHOC_VALUES_LIMIT } from './query/adhoc';
import { MicromegasQuery } from './types';

const COLUMNS: Record<string, Array<{ name: string; type: string; nullable: boolean }>> = {
  log_entries: [
    { name: 'time', type: 'Timestamp(ns, "+00:00")', nullable: false },
    { name: 'exe', type: 'Dictionary(Int16, Utf8)', nullable: false },
    { name: 'level', type: 'Int32', nullable: false },
    { name: 'properties', type: 'List(Struct(key Utf8, value Utf8))', nullable: true },
  ],
  measures: [
    { name: 'time', type: 'Timestamp(ns, "+00:00")', nullable: false },
    { name: 'name', type: 'Utf8', nullable: false },
    { name: 'exe', type: 'Utf8', nullable: false },
  ],
  processes: [
    { name: 'exe', type: 'Utf8', nullable: false },
    { name: 'properties', type: 'Dictionary(Int32, Binary)', nullable: true },
  ],
};

const range = {
  from: dateTime(1_700_000_000_000),
  to: dateTime(1_700_003_600_000),
  raw: { from: 'now-1h', to: 'now' },
};

function setup(variables: ConstructorParameters<typeof FakeTemplateSrv>[0] = []) {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv(variables).install();
  backend.on('columns', (req) => {
    const table = String(req.params?.table);
    return COLUMNS[table]
      ? { data: { table, columns: COLUMNS[table] } }
      : { status: 404, data: { error: `unknown table ${table}` } };
  });
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
  return { backend, ds };
}

const names = (r: GetTagResponse | MetricFindValue[]) => ('data' in r ? r.data : r).map((v) => v.text);
const posted = (backend: FakeBackend, path: string) =>
  backend.requests
    .filter((r: RecordedRequest) => r.url.endsWith(`/resources/${path}`))
    .map((r) => r.data as Record<string, unknown>);

describe('ad hoc filters: applyTemplateVariables', () => {
  it('sends the filters with the query for the backend to apply, and nothing without filters', () => {
    const { ds } = setup();
    const q: MicromegasQuery = { refId: 'A', query: 'SELECT exe FROM processes', version: 3 };
    const out = ds.applyTemplateVariables(q, {}, [
      { key: 'exe', operator: '=', value: "a'.exe" },
      { key: 'level', operator: '=|', value: '1', values: ['1', '2'], origin: 'dashboard' },
    ]);
    expect(out.adhocFilters).toEqual([
      { key: 'exe', operator: '=', value: "a'.exe" },
      { key: 'level', operator: '=|', value: '1', values: ['1', '2'] },
    ]);
    // The SQL itself is untouched: the backend decides where the filters go.
    expect(out.query).toBe('SELECT exe FROM processes');
    expect('adhocFilters' in ds.applyTemplateVariables(q, {}, [])).toBe(false);
    expect('adhocFilters' in ds.applyTemplateVariables(q, {})).toBe(false);
  });

  it('reaches /api/ds/query through query() when Grafana passes request.filters', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({
      A: { frames: [createDataFrame({ refId: 'A', fields: [{ name: 'x', type: FieldType.number, values: [1] }] })] },
    }));
    await lastValueFrom(
      ds.query({
        requestId: 'r',
        app: CoreApp.Dashboard,
        interval: '1s',
        intervalMs: 1000,
        range,
        scopedVars: {},
        startTime: 0,
        timezone: 'utc',
        filters: [{ key: 'exe', operator: '!=', value: 'b' }],
        targets: [{ refId: 'A', query: 'SELECT 1 AS x', version: 3 }],
      })
    );
    const sent = (
      backend.requests.find((r) => r.url.startsWith('/api/ds/query'))!.data as { queries: MicromegasQuery[] }
    ).queries;
    expect(sent[0].adhocFilters).toEqual([{ key: 'exe', operator: '!=', value: 'b' }]);
  });
});

describe('ad hoc filters: getTagKeys', () => {
  it('without panel queries: the filterable columns of log_entries, measures and processes', async () => {
    const { backend, ds } = setup();
    const r = (await ds.getTagKeys({ filters: [] })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    // Lists and binary properties have no key = value to offer.
    expect(names(r)).toEqual(['exe', 'level', 'name', 'time']);
    expect(backend.requests.map((q) => q.params?.table)).toEqual(['log_entries', 'measures', 'processes']);
  });

  it("with panel queries: their result columns (after variables are replaced), plus the tables' columns of $__adhocFilters queries", async () => {
    const { backend, ds } = setup([{ name: 'view', current: 'measures' }]);
    backend.on('schema', (req) => {
      const sql = String((req.data as { sql: string }).sql);
      if (sql === 'SELECT name AS metric, count(*) AS n FROM measures GROUP BY 1') {
        return {
          data: {
            columns: [
              { name: 'metric', type: 'Utf8', nullable: false },
              { name: 'n', type: 'Int64', nullable: false },
            ],
          },
        };
      }
      return { data: { columns: [{ name: 'msg', type: 'Utf8', nullable: false }] } };
    });
    const r = (await ds.getTagKeys({
      filters: [],
      queries: [
        { refId: 'A', query: 'SELECT name AS metric, count(*) AS n FROM $view GROUP BY 1', version: 3 },
        { refId: 'B', query: 'SELECT msg FROM log_entries WHERE $__adhocFilters', version: 3 },
        { refId: 'C', query: 'SELECT hidden FROM t', hide: true, version: 3 },
      ],
    })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    expect(names(r)).toEqual(['exe', 'level', 'metric', 'msg', 'n', 'time']);
    expect(posted(backend, 'schema').map((b) => b.sql)).toEqual([
      'SELECT name AS metric, count(*) AS n FROM measures GROUP BY 1',
      'SELECT msg FROM log_entries WHERE $__adhocFilters',
    ]);
  });

  it('a statement the schema resource cannot plan without a range (thread spans): an empty run with the range', async () => {
    const { backend, ds } = setup();
    backend.on('schema', () => ({
      status: 500,
      data: {
        error: 'INTERNAL: error creating physical plan: External error: query range mandatory for thread_spans view',
      },
    }));
    backend.onQuery(() => ({
      adhocColumns: {
        frames: [
          createDataFrame({
            fields: [
              { name: 'name', type: FieldType.string, values: [] },
              { name: 'depth', type: FieldType.number, values: [] },
              { name: 'props', type: FieldType.other, values: [] },
              { name: 'odd name', type: FieldType.string, values: [] },
            ],
          }),
        ],
      },
    }));
    const sql = "SELECT * FROM view_instance('thread_spans', 's1')";
    const r = (await ds.getTagKeys({
      filters: [],
      timeRange: range,
      queries: [{ refId: 'A', query: sql, version: 3 }],
    })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    expect(names(r)).toEqual(['depth', 'name']);
    const request = backend.requests.find((q) => q.url.startsWith('/api/ds/query'))!;
    expect((request.data as { queries: MicromegasQuery[] }).queries[0].query).toBe(
      `SELECT * FROM (\n${sql}\n) AS adhoc_columns LIMIT 0`
    );
    expect(request.data).toMatchObject({ from: '1700000000000', to: '1700003600000' });
  });

  it('reports a query whose columns cannot be read, and still offers the default keys', async () => {
    const { backend, ds } = setup();
    backend.on('schema', () => ({ status: 400, data: { error: 'syntax error at or near "SELEC"' } }));
    const r = (await ds.getTagKeys({
      filters: [],
      queries: [{ refId: 'A', query: 'SELEC 1', version: 3 }],
    })) as GetTagResponse;
    expect(r.error?.message).toBe('Some filter keys could not be listed: syntax error at or near "SELEC"');
    expect(names(r)).toEqual(['exe', 'level', 'name', 'time']);
  });
});

describe('ad hoc filters: getTagValues', () => {
  it('asks each table that has the column for its values over the range, narrowed by the other filters on its columns', async () => {
    const { backend, ds } = setup();
    backend.on('values', (req) => {
      const body = req.data as { table: string };
      return { data: { values: body.table === 'log_entries' ? ['b.exe', 'a.exe'] : ['c.exe', 'a.exe'], more: false } };
    });
    const r = (await ds.getTagValues({
      key: 'exe',
      timeRange: range,
      filters: [
        { key: 'level', operator: '<', value: '3' },
        { key: 'exe', operator: '=', value: 'ignored.exe' },
      ],
    })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    expect(names(r)).toEqual(['a.exe', 'b.exe', 'c.exe']);
    const bodies = posted(backend, 'values');
    expect(bodies.map((b) => b.table).sort()).toEqual(['log_entries', 'measures', 'processes']);
    const logs = bodies.find((b) => b.table === 'log_entries')!;
    expect(logs).toEqual({
      table: 'log_entries',
      column: 'exe',
      from: '2023-11-14T22:13:20.000Z',
      to: '2023-11-14T23:13:20.000Z',
      limit: ADHOC_VALUES_LIMIT,
      filters: [{ key: 'level', operator: '<', value: '3' }],
    });
    // measures has no level column: that filter is not sent there.
    expect(bodies.find((b) => b.table === 'measures')!.filters).toEqual([]);
  });

  it('uses the tables of the panel queries when Grafana passes them', async () => {
    const { backend, ds } = setup();
    backend.on('values', () => ({ data: { values: ['x'] } }));
    await ds.getTagValues({
      key: 'exe',
      timeRange: range,
      filters: [],
      queries: [{ refId: 'A', query: 'SELECT exe FROM processes', version: 3 }],
    });
    expect(posted(backend, 'values').map((b) => b.table)).toEqual(['processes']);
  });

  it("a result-only column (alias): the distinct values of that query's result, through the backend", async () => {
    const { backend, ds } = setup();
    backend.on('schema', () => ({ data: { columns: [{ name: 'program', type: 'Utf8', nullable: false }] } }));
    backend.onQuery(() => ({
      adhocValues: {
        frames: [createDataFrame({ fields: [{ name: 'value', type: FieldType.string, values: ['p1', 'p2'] }] })],
      },
    }));
    const r = (await ds.getTagValues({
      key: 'program',
      timeRange: range,
      filters: [{ key: 'program', operator: '!=', value: 'p3' }],
      queries: [{ refId: 'A', query: 'SELECT exe AS program FROM processes;', version: 3 }],
    })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    expect(names(r)).toEqual(['p1', 'p2']);
    const sent = (
      backend.requests.find((q) => q.url.startsWith('/api/ds/query'))!.data as { queries: MicromegasQuery[] }
    ).queries[0];
    expect(sent.query).toBe(
      'SELECT DISTINCT CAST("program" AS VARCHAR) AS value FROM (\nSELECT exe AS program FROM processes\n) AS adhoc_values WHERE "program" IS NOT NULL AND $__adhocFilters ORDER BY value LIMIT 1001'
    );
    expect(sent.adhocFilters).toEqual([]);
  });

  it('a backend error and a key no table has are reported, not swallowed', async () => {
    const { backend, ds } = setup();
    backend.on('values', () => ({
      status: 504,
      data: { error: 'the query did not finish within the query timeout (300 s)' },
    }));
    const failed = (await ds.getTagValues({ key: 'level', timeRange: range, filters: [] })) as GetTagResponse;
    expect(failed.error?.message).toBe(
      'Values of level could not be listed: log_entries: the query did not finish within the query timeout (300 s)'
    );
    const unknown = (await ds.getTagValues({ key: 'nope', timeRange: range, filters: [] })) as GetTagResponse;
    expect(unknown.error?.message).toBe(
      'No table of log_entries, measures, processes has a column nope: type the value to filter on'
    );
    const bad = (await ds.getTagValues({ key: 'a"b', timeRange: range, filters: [] })) as GetTagResponse;
    expect(bad.error?.message).toMatch(/not a plain column name/);
  });
});
