// What Grafana's own code paths do to the data source's side requests: BackendSrv cancels an
// in-flight request when another starts with the same requestId (the fake reproduces it, see
// __testutils__/fakeGrafana.ts), and @grafana/runtime's real toDataQueryResponse reports a
// non-200 answer without per-query results through `error` / `state: Error` only.
import {
  createDataFrame,
  dateTime,
  FieldType,
  GetTagResponse,
  LoadingState,
  LogLevel,
  LogRowContextQueryDirection,
  LogRowModel,
} from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { ADHOC_VALUES_LIMIT } from './query/adhoc';
import { CONTEXT_WINDOW_MS } from './query/logContext';
import { MicromegasQuery } from './types';

const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: 'a', to: 'b' } };
const ROW_MS = 1_700_000_000_123;

function setup() {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv([]).install();
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
  const queryRequests = () => backend.requests.filter((r) => r.url.startsWith('/api/ds/query'));
  return { backend, ds, queryRequests };
}

/** Answers each query with one frame whose single value is the SQL asked. */
function echo(backend: FakeBackend) {
  backend.onQuery((queries) =>
    Object.fromEntries(
      queries.map((q) => [
        String(q.refId),
        {
          frames: [
            createDataFrame({
              refId: String(q.refId),
              fields: [{ name: 'value', type: FieldType.string, values: [String(q.query)] }],
            }),
          ],
        },
      ])
    )
  );
}

/** A request-level failure: a non-200 answer without per-query results (plugin 500, proxy 502). */
function failRequests(backend: FakeBackend, status: number, message: string) {
  backend.on('/api/ds/query', () => ({ status, data: { message } }));
}

function row(): LogRowModel {
  return {
    uid: 'A_0',
    rowIndex: 0,
    entry: 'hello',
    labels: { process_id: 'p-1' },
    logLevel: LogLevel.info,
    timeEpochMs: ROW_MS,
    timeEpochNs: '1700000000123000000',
    dataFrame: createDataFrame({ fields: [] }),
  } as unknown as LogRowModel;
}

describe('request ids: one per logical request (BackendSrv cancels a duplicate in flight)', () => {
  it('two variables created in the UI (both refId metricFindQuery) loading at once both get their values', async () => {
    const { backend, ds, queryRequests } = setup();
    echo(backend);
    const [a, b] = await Promise.all([
      ds.metricFindQuery({ refId: 'metricFindQuery', query: "SELECT 'variable one'" }, { range }),
      ds.metricFindQuery({ refId: 'metricFindQuery', query: "SELECT 'variable two'" }, { range }),
    ]);
    expect(a.map((v) => v.text)).toEqual(["SELECT 'variable one'"]);
    expect(b.map((v) => v.text)).toEqual(["SELECT 'variable two'"]);
    const ids = queryRequests().map((r) => r.requestId);
    expect(new Set(ids).size).toBe(2);
  });

  it('the same through the variable support Scenes calls', async () => {
    const { backend, ds } = setup();
    echo(backend);
    const variables = ds.variables as unknown as { query: (r: unknown) => ReturnType<DataSource['query']> };
    const run = (sql: string) =>
      lastValueFrom(variables.query({ targets: [{ refId: 'metricFindQuery', query: sql }], range, scopedVars: {} }));
    const [a, b] = await Promise.all([run("SELECT 'first'"), run("SELECT 'second'")]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    expect(a.data[0].fields[0].values).toEqual(["SELECT 'first'"]);
    expect(b.data[0].fields[0].values).toEqual(["SELECT 'second'"]);
  });

  it('log context: Grafana opens both directions at once, both come back', async () => {
    const { backend, ds, queryRequests } = setup();
    echo(backend);
    const [before, after] = await Promise.all([
      ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Backward, limit: 5 }),
      ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Forward, limit: 5 }),
    ]);
    /* eslint-disable @typescript-eslint/no-deprecated -- the field toDataQueryResponse sets for a failed request */
    expect(before.error).toBeUndefined();
    expect(after.error).toBeUndefined();
    /* eslint-enable @typescript-eslint/no-deprecated */
    expect(before.data[0].fields[0].values[0]).toMatch(/DESC\nLIMIT 5$/);
    expect(after.data[0].fields[0].values[0]).toMatch(/ASC\nLIMIT 5$/);
    expect(new Set(queryRequests().map((r) => r.requestId)).size).toBe(2);
  });

  it('ad hoc key probes of two panel queries (empty runs, the schema resource cannot plan them) both come back', async () => {
    const { backend, ds } = setup();
    backend.on('schema', () => ({ status: 400, data: { error: 'needs a time range' } }));
    backend.on('columns', () => ({ data: { table: 't', columns: [] } }));
    backend.onQuery((queries) =>
      Object.fromEntries(
        queries.map((q) => {
          const column = String(q.query).includes('first') ? 'first_col' : 'second_col';
          return [
            String(q.refId),
            { frames: [createDataFrame({ fields: [{ name: column, type: FieldType.string, values: [] }] })] },
          ];
        })
      )
    );
    const r = (await ds.getTagKeys({
      filters: [],
      timeRange: range,
      queries: [
        { refId: 'A', query: "SELECT 'first' AS first_col" },
        { refId: 'B', query: "SELECT 'second' AS second_col" },
      ],
    })) as GetTagResponse;
    expect(r.error).toBeUndefined();
    expect(r.data.map((v) => v.text)).toEqual(['first_col', 'second_col']);
  });

  it('ad hoc value look-ups of result-only columns, for two keys at once, both come back', async () => {
    const { backend, ds } = setup();
    backend.on('columns', () => ({ data: { table: 'processes', columns: [] } }));
    backend.on('schema', () => ({
      data: {
        columns: [
          { name: 'program', type: 'Utf8', nullable: false },
          { name: 'host', type: 'Utf8', nullable: false },
        ],
      },
    }));
    echo(backend);
    const queries: MicromegasQuery[] = [
      { refId: 'A', query: 'SELECT exe AS program, computer AS host FROM processes' },
    ];
    const [program, host] = await Promise.all([
      ds.getTagValues({ key: 'program', timeRange: range, filters: [], queries }),
      ds.getTagValues({ key: 'host', timeRange: range, filters: [], queries }),
    ]);
    expect((program as GetTagResponse).error).toBeUndefined();
    expect((host as GetTagResponse).error).toBeUndefined();
    expect(program.data).toHaveLength(1);
    expect(host.data).toHaveLength(1);
  });
});

describe('request-level failures (no per-query results) are shown, never read as "no rows"', () => {
  it('variables: metricFindQuery rejects, the variable support answers an error', async () => {
    const { backend, ds } = setup();
    failRequests(backend, 502, 'Bad Gateway: the plugin is unavailable');
    await expect(ds.metricFindQuery({ refId: 'metricFindQuery', query: 'SELECT 1' }, { range })).rejects.toThrow(
      /plugin is unavailable/
    );
    const variables = ds.variables as unknown as { query: (r: unknown) => ReturnType<DataSource['query']> };
    const res = await lastValueFrom(
      variables.query({ targets: [{ refId: 'metricFindQuery', query: 'SELECT 1' }], range, scopedVars: {} })
    );
    expect(res.state).toBe(LoadingState.Error);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- Scenes' variables read `error`
    expect(res.error?.message).toMatch(/plugin is unavailable/);
    expect(res.errors?.[0].message).toMatch(/plugin is unavailable/);
  });

  it('ad hoc values of a result-only column: the failure is the GetTagResponse error', async () => {
    const { backend, ds } = setup();
    backend.on('columns', () => ({ data: { table: 'processes', columns: [] } }));
    backend.on('schema', () => ({ data: { columns: [{ name: 'program', type: 'Utf8', nullable: false }] } }));
    failRequests(backend, 500, 'Internal Server Error');
    const r = (await ds.getTagValues({
      key: 'program',
      timeRange: range,
      filters: [],
      queries: [{ refId: 'A', query: 'SELECT exe AS program FROM processes' }],
    })) as GetTagResponse;
    expect(r.error?.message).toMatch(/Values of program could not be listed: .*Internal Server Error/);
  });

  it('log context: the failure rejects (Grafana shows it in the context view)', async () => {
    const { backend, ds } = setup();
    failRequests(backend, 401, 'Unauthorized');
    await expect(
      ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Backward, limit: 5 })
    ).rejects.toThrow(/Unauthorized/);
  });
});

describe("log context: Grafana's time window", () => {
  it("searches timeWindowMs on the line's side instead of the default hour", async () => {
    const { backend, ds, queryRequests } = setup();
    echo(backend);
    const window = 10 * 60_000;
    await ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Backward, timeWindowMs: window });
    await ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Forward, timeWindowMs: window });
    await ds.getLogRowContext(row(), { direction: LogRowContextQueryDirection.Forward });
    const bodies = queryRequests().map((r) => r.data as { from: string; to: string });
    expect([Number(bodies[0].from), Number(bodies[0].to)]).toEqual([ROW_MS - window, ROW_MS + 1]);
    expect([Number(bodies[1].from), Number(bodies[1].to)]).toEqual([ROW_MS, ROW_MS + window]);
    expect([Number(bodies[2].from), Number(bodies[2].to)]).toEqual([ROW_MS, ROW_MS + CONTEXT_WINDOW_MS]);
  });
});

describe('ad hoc values: the first 1000 is information, not an error', () => {
  it('a full list has no GetTagResponse.error (Scenes shows an error as a permanent warning)', async () => {
    const { backend, ds } = setup();
    backend.on('columns', () => ({
      data: { table: 'measures', columns: [{ name: 'name', type: 'Utf8', nullable: false }] },
    }));
    backend.on('values', () => ({
      data: { values: Array.from({ length: ADHOC_VALUES_LIMIT }, (_, i) => `v${i}`), more: true },
    }));
    const r = (await ds.getTagValues({ key: 'name', timeRange: range, filters: [] })) as GetTagResponse;
    expect(r.data).toHaveLength(ADHOC_VALUES_LIMIT);
    expect(r.error).toBeUndefined();
  });
});
