import { AnnotationQuery, createDataFrame, dateTime, FieldType, getDefaultTimeRange, CoreApp } from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { MicromegasQuery } from './types';

function setup(variables: ConstructorParameters<typeof FakeTemplateSrv>[0] = []) {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv(variables).install();
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051', rowLimit: 5000 }));
  return { backend, ds };
}

const sentQueries = (backend: FakeBackend) =>
  backend.requests
    .filter((r) => r.url.startsWith('/api/ds/query'))
    .flatMap((r) => (r.data as { queries: MicromegasQuery[] }).queries);

describe('applyTemplateVariables', () => {
  it('escapes single values and quotes multi-value and All selections', () => {
    const { ds } = setup([
      { name: 'target', current: "it's" },
      { name: 'exe', current: ['a.exe', "b'.exe"], multi: true },
      { name: 'all', current: ['x', 'y'], includeAll: true },
    ]);
    const q = ds.applyTemplateVariables(
      {
        refId: 'A',
        query: "SELECT * FROM log_entries WHERE target = '$target' AND exe IN ($exe) AND computer IN (${all})",
        version: 3,
      },
      {}
    );
    expect(q.query).toBe(
      "SELECT * FROM log_entries WHERE target = 'it''s' AND exe IN ('a.exe','b''.exe') AND computer IN ('x','y')"
    );
  });

  it('leaves $__interval, $__interval_ms and macros for the backend even when Grafana provides them', () => {
    const { ds } = setup();
    const q = ds.applyTemplateVariables(
      {
        refId: 'A',
        query:
          'SELECT date_bin($__interval, time) AS t, $__interval_ms AS ms, ${__interval} FROM measures WHERE $__timeFilter(time)',
        version: 3,
      },
      { __interval: { text: '10s', value: '10s' }, __interval_ms: { text: '10000', value: 10000 } }
    );
    expect(q.query).toBe(
      'SELECT date_bin($__interval, time) AS t, $__interval_ms AS ms, ${__interval} FROM measures WHERE $__timeFilter(time)'
    );
  });

  it('uses scoped variables (repeated panels) over dashboard ones', () => {
    const { ds } = setup([{ name: 'exe', current: 'dashboard' }]);
    const q = ds.applyTemplateVariables(
      { refId: 'A', query: "WHERE exe = '$exe'", version: 3 },
      { exe: { text: 'repeat', value: 'repeat' } }
    );
    expect(q.query).toBe("WHERE exe = 'repeat'");
  });

  it('migrates an upstream query on the way out, so it runs unchanged', () => {
    const { ds } = setup();
    const q = ds.applyTemplateVariables(
      { refId: 'A', queryText: 'SELECT time, value FROM measures' } as MicromegasQuery,
      {}
    );
    expect(q).toMatchObject({
      query: 'SELECT time, value FROM measures',
      format: 'time_series',
      timeFilter: true,
      autoLimit: true,
    });
  });
});

describe('filterQuery and defaults', () => {
  it('skips empty and hidden queries', () => {
    const { ds } = setup();
    expect(ds.filterQuery({ refId: 'A', query: '  \n' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', query: 'SELECT 1', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', query: 'SELECT 1' })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', queryText: 'SELECT 1' })).toBe(true);
  });

  it('defaults to a table query bound to the time range with auto limit', () => {
    const { ds } = setup();
    expect(ds.getDefaultQuery(CoreApp.PanelEditor)).toEqual({
      query: '',
      format: 'table',
      timeFilter: true,
      autoLimit: true,
      version: 3,
    });
  });

  it('defaults alert rule queries to time series, as the backend reads a rule saved without a format', () => {
    const { ds } = setup();
    for (const app of [CoreApp.UnifiedAlerting, CoreApp.CloudAlerting]) {
      expect(ds.getDefaultQuery(app)).toEqual({
        query: '',
        format: 'time_series',
        timeFilter: true,
        autoLimit: true,
        version: 3,
      });
    }
    expect(ds.getDefaultQuery(CoreApp.Explore).format).toBe('table');
  });
});

describe('query through the backend', () => {
  it('sends the interpolated, migrated query with the time range', async () => {
    const { backend, ds } = setup([{ name: 'exe', current: 'svc' }]);
    backend.onQuery(() => ({
      A: { frames: [createDataFrame({ refId: 'A', fields: [{ name: 'n', type: FieldType.number, values: [1] }] })] },
    }));
    const range = {
      from: dateTime(1_700_000_000_000),
      to: dateTime(1_700_000_600_000),
      raw: { from: 'now-10m', to: 'now' },
    };
    const rsp = await lastValueFrom(
      ds.query({
        requestId: 'r',
        app: CoreApp.Dashboard,
        interval: '1s',
        intervalMs: 1000,
        maxDataPoints: 500,
        range,
        scopedVars: {},
        startTime: 0,
        timezone: 'utc',
        targets: [
          { refId: 'A', queryText: "SELECT count(*) AS n FROM processes WHERE exe = '$exe'" } as MicromegasQuery,
        ],
      })
    );
    expect(rsp.data[0].fields[0].values).toEqual([1]);
    const [sent] = sentQueries(backend);
    expect(sent).toMatchObject({
      query: "SELECT count(*) AS n FROM processes WHERE exe = 'svc'",
      format: 'time_series',
      maxDataPoints: 500,
    });
    expect(backend.requests[0].data).toMatchObject({ from: '1700000000000', to: '1700000600000' });
  });

  it('reports a failing query as an error response, not an exception', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ A: { error: 'error building dataframe: table not found (query_id=1)', status: 400 } }));
    const rsp = await lastValueFrom(
      ds.query({
        requestId: 'r',
        app: CoreApp.Dashboard,
        interval: '1s',
        intervalMs: 1000,
        range: getDefaultTimeRange(),
        scopedVars: {},
        startTime: 0,
        timezone: 'utc',
        targets: [{ refId: 'A', query: 'SELECT * FROM nope', version: 3 }],
      })
    );
    expect(rsp.errors?.[0].message).toContain('table not found');
  });
});

describe('metricFindQuery', () => {
  const frame = () =>
    createDataFrame({
      refId: 'metricFindQuery',
      fields: [
        { name: 'process_id', type: FieldType.string, values: ['p1', 'p2', 'p1', null] },
        { name: 'label', type: FieldType.string, values: ['svc on a', 'svc on b', 'svc on a', 'x'] },
        { name: 'n', type: FieldType.number, values: [1, 2, 1, 4] },
      ],
    });

  it('maps the chosen value and text columns, dropping nulls and duplicates', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ metricFindQuery: { frames: [frame()] } }));
    const values = await ds.metricFindQuery({
      refId: 'metricFindQuery',
      query: 'SELECT process_id, label, n FROM t',
      variable: { valueField: 'process_id', textField: 'label' },
    });
    expect(values).toEqual([
      { value: 'p1', text: 'svc on a' },
      { value: 'p2', text: 'svc on b' },
    ]);
    const [sent] = sentQueries(backend);
    expect(sent).toMatchObject({ format: 'table', autoLimit: false, timeFilter: true });
  });

  it('uses the first column when no column is named, and accepts a bare SQL string', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ metricFindQuery: { frames: [frame()] } }));
    const values = await ds.metricFindQuery('SELECT process_id, label, n FROM t');
    expect(values).toEqual([
      { value: 'p1', text: 'p1' },
      { value: 'p2', text: 'p2' },
    ]);
  });

  it('passes the time range binding and the range to the backend', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ metricFindQuery: { frames: [frame()] } }));
    const range = { from: dateTime(1000), to: dateTime(2000), raw: { from: 'a', to: 'b' } };
    await ds.metricFindQuery({ refId: 'metricFindQuery', query: 'SELECT 1', timeFilter: false }, { range });
    expect(sentQueries(backend)[0]).toMatchObject({ timeFilter: false });
    expect(backend.requests[0].data).toMatchObject({ from: '1000', to: '2000' });
  });

  it('explains a missing column and surfaces backend errors', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ metricFindQuery: { frames: [frame()] } }));
    await expect(
      ds.metricFindQuery({ refId: 'metricFindQuery', query: 'SELECT 1', variable: { valueField: 'exe' } })
    ).rejects.toThrow('The value column "exe" is not in the result; the query returns: process_id, label, n.');

    backend.onQuery(() => ({ metricFindQuery: { error: 'invalid token', status: 401 } }));
    await expect(ds.metricFindQuery('SELECT 1')).rejects.toThrow('invalid token');
  });

  it('feeds the variable support with text/value frames', async () => {
    const { backend, ds } = setup();
    backend.onQuery(() => ({ metricFindQuery: { frames: [frame()] } }));
    const variables = ds.variables as unknown as { query: (r: unknown) => ReturnType<DataSource['query']> };
    const rsp = await lastValueFrom(
      variables.query({
        targets: [
          { refId: 'metricFindQuery', query: 'SELECT 1', variable: { valueField: 'process_id', textField: 'label' } },
        ],
        range: getDefaultTimeRange(),
        scopedVars: {},
      })
    );
    const [f] = rsp.data;
    expect(f.fields.map((x: { name: string }) => x.name)).toEqual(['text', 'value']);
    expect(f.fields[1].values).toEqual(['p1', 'p2']);

    backend.onQuery(() => ({ metricFindQuery: { error: 'boom', status: 500 } }));
    const failed = await lastValueFrom(
      variables.query({
        targets: [{ refId: 'metricFindQuery', query: 'SELECT 1' }],
        range: getDefaultTimeRange(),
        scopedVars: {},
      })
    );
    expect(failed.errors?.[0].message).toBe('boom');
  });
});

describe('annotations', () => {
  it('maps time, end, text and tags columns to events', async () => {
    const { ds } = setup();
    const support = ds.annotations!;
    const anno = {
      enable: true,
      name: 'errors',
      iconColor: 'red',
      target: { refId: 'Anno', query: 'SELECT 1', annotation: { textField: 'msg' } },
    } as AnnotationQuery<MicromegasQuery>;
    const frames = [
      createDataFrame({
        fields: [
          { name: 'time', type: FieldType.time, values: [1000, 2000] },
          { name: 'time_end', type: FieldType.time, values: [1500, 2000] },
          { name: 'msg', type: FieldType.string, values: ['deploy', 'crash'] },
          { name: 'tags', type: FieldType.string, values: ['a, b', '["x","y"]'] },
        ],
      }),
    ];
    const events = await lastValueFrom(support.processEvents!(anno, frames));
    expect(events).toEqual([
      { time: 1000, timeEnd: 1500, isRegion: true, text: 'deploy', tags: ['a', 'b'] },
      { time: 2000, text: 'crash', tags: ['x', 'y'] },
    ]);
  });

  it('prepares a table query and skips empty SQL; upgrades old annotation JSON', () => {
    const { ds } = setup();
    const support = ds.annotations!;
    const anno = {
      enable: true,
      name: 'a',
      iconColor: 'red',
      target: { refId: 'Anno', queryText: 'SELECT 1' },
    } as AnnotationQuery<MicromegasQuery>;
    expect(support.prepareQuery!(anno)).toMatchObject({ query: 'SELECT 1', format: 'table' });
    expect(support.prepareQuery!({ ...anno, target: { refId: 'Anno', query: ' ' } })).toBeUndefined();
    expect(
      support.prepareAnnotation!({ enable: true, name: 'old', iconColor: 'red', query: 'SELECT time FROM x' }).target
    ).toMatchObject({
      query: 'SELECT time FROM x',
      format: 'table',
    });
  });

  it('fails with a clear message when the named time column is missing', async () => {
    const { ds } = setup();
    const anno = {
      enable: true,
      name: 'a',
      iconColor: 'red',
      target: { refId: 'Anno', query: 'x', annotation: { timeField: 'when' } },
    } as AnnotationQuery<MicromegasQuery>;
    const frames = [createDataFrame({ fields: [{ name: 'time', type: FieldType.time, values: [1] }] })];
    await expect(lastValueFrom(ds.annotations!.processEvents!(anno, frames))).rejects.toThrow(
      'The time column "when" is not in the result'
    );
  });
});

describe('editor resources', () => {
  it('loads tables, columns and functions through the resource API and caches them', async () => {
    const { backend, ds } = setup();
    backend
      .on('tables', () => ({ data: { tables: [{ name: 'log_entries', kind: 'view', description: 'logs' }] } }))
      .on('columns', (req) => ({
        data: { table: req.params?.table, columns: [{ name: 'msg', type: 'Utf8', nullable: false }] },
      }))
      .on('functions', () => ({
        data: { functions: [{ name: 'property_get', signature: 'property_get(p, k)', description: 'd' }], macros: [] },
      }));
    expect(await ds.schema.tables()).toEqual([{ name: 'log_entries', kind: 'view', description: 'logs' }]);
    expect(await ds.schema.columns('log_entries')).toEqual([{ name: 'msg', type: 'Utf8', nullable: false }]);
    expect((await ds.schema.functions()).functions[0].name).toBe('property_get');
    await ds.schema.tables();
    expect(backend.requests.map((r) => r.url)).toEqual([
      '/api/datasources/uid/mm-uid/resources/tables',
      '/api/datasources/uid/mm-uid/resources/columns',
      '/api/datasources/uid/mm-uid/resources/functions',
    ]);
    expect(backend.requests[1].params).toEqual({ table: 'log_entries' });
  });

  it('fails quietly with a hint when the backend is down, and recovers', async () => {
    const { backend, ds } = setup();
    backend.on('tables', () => ({
      status: 502,
      data: { error: 'cannot reach grpc://localhost:50051: connection refused' },
    }));
    const hints: Array<string | undefined> = [];
    ds.schema.onProblem((p) => hints.push(p));
    expect(await ds.schema.tables()).toEqual([]);
    expect(hints).toEqual([
      undefined,
      'Autocomplete unavailable: cannot reach grpc://localhost:50051: connection refused',
    ]);
    backend.on('tables', () => ({ data: { tables: [] } }));
    expect(await ds.schema.tables()).toEqual([]);
    expect(hints[hints.length - 1]).toBeUndefined();
  });

  it('does not hint for an unknown table name (CTE, alias)', async () => {
    const { backend, ds } = setup();
    backend.on('columns', () => ({ status: 404, data: { error: 'unknown table cte' } }));
    expect(await ds.schema.columns('cte')).toEqual([]);
    expect(ds.schema.currentProblem()).toBeUndefined();
  });
});
