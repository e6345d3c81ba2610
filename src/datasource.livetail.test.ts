// Explore's Live button: a live request's logs queries go to Grafana Live (the fake live
// service stands in for the Grafana app boundary) on a stable channel of this data source;
// other queries and non-live requests go to the backend's /api/ds/query as before.
import { CoreApp, createDataFrame, DataQueryRequest, dateTime, FieldType, LiveChannelScope } from '@grafana/data';
import { GrafanaLiveSrv, LiveDataStreamOptions, setGrafanaLiveSrv } from '@grafana/runtime';
import { lastValueFrom, of } from 'rxjs';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { liveTailPath } from './query/liveTailKey';
import { MicromegasQuery } from './types';

function setup() {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv([{ name: 'level', current: '2' }]).install();
  const sent: Array<Record<string, unknown>> = [];
  backend.onQuery((queries) => {
    sent.push(...queries);
    return Object.fromEntries(
      queries.map((q) => [
        String(q.refId),
        {
          frames: [
            createDataFrame({ refId: String(q.refId), fields: [{ name: 'v', type: FieldType.number, values: [1] }] }),
          ],
        },
      ])
    );
  });
  const streams: LiveDataStreamOptions[] = [];
  setGrafanaLiveSrv({
    getDataStream: (options: LiveDataStreamOptions) => {
      streams.push(options);
      return of({ data: [], key: options.key });
    },
  } as unknown as GrafanaLiveSrv);
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
  return { ds, sent, streams };
}

const logsQuery: MicromegasQuery = {
  refId: 'A',
  query: 'SELECT time, level, msg FROM log_entries WHERE level <= $level',
  format: 'logs',
  version: 3,
};

function request(targets: MicromegasQuery[], liveStreaming: boolean): DataQueryRequest<MicromegasQuery> {
  const now = dateTime();
  return {
    requestId: 'explore-1',
    app: CoreApp.Explore,
    targets,
    range: { from: now, to: now, raw: { from: 'now-1h', to: 'now' } },
    interval: '1s',
    intervalMs: 1000,
    maxDataPoints: 500,
    scopedVars: {},
    timezone: 'utc',
    startTime: Date.now(),
    liveStreaming,
  };
}

describe('live tail', () => {
  it('streams a live logs query from the data source channel tail/<hash of the query>', async () => {
    const { ds, sent, streams } = setup();
    await lastValueFrom(ds.query(request([logsQuery], true)));
    expect(sent).toHaveLength(0);
    expect(streams).toHaveLength(1);
    const { addr, buffer } = streams[0];
    expect(addr.scope).toBe(LiveChannelScope.DataSource);
    expect(addr.stream).toBe('mm-uid');
    const data = addr.data as Record<string, unknown>;
    // Template variables are applied before the query leaves the browser.
    expect(data).toEqual({
      refId: 'A',
      query: 'SELECT time, level, msg FROM log_entries WHERE level <= 2',
      format: 'logs',
      version: 3,
      // Filled in by the query migration, as on the backend path.
      timeFilter: true,
      autoLimit: true,
    });
    expect(addr.path).toMatch(/^tail\/[0-9a-f]{16}$/);
    expect(addr.path).toBe(liveTailPath(data));
    expect(buffer?.maxLength).toBe(500);

    // Same query → same channel (subscribers share one backend stream); another → another.
    await lastValueFrom(ds.query(request([{ ...logsQuery }], true)));
    expect(streams[1].addr.path).toBe(addr.path);
    await lastValueFrom(ds.query(request([{ ...logsQuery, query: 'SELECT time, msg FROM log_entries' }], true)));
    expect(streams[2].addr.path).not.toBe(addr.path);
  });

  it('sends non-live requests, and the non-logs queries of a live one, to the backend', async () => {
    const { ds, sent, streams } = setup();
    const table: MicromegasQuery = { refId: 'B', query: 'SELECT 1', format: 'table', version: 3 };
    const res = await lastValueFrom(ds.query(request([logsQuery, table], false)));
    expect(streams).toHaveLength(0);
    expect(sent.map((q) => q.refId)).toEqual(['A', 'B']);
    expect(res.data).toHaveLength(2);

    sent.length = 0;
    await lastValueFrom(ds.query(request([logsQuery, table], true)));
    expect(streams.map((s) => (s.addr.data as MicromegasQuery).refId)).toEqual(['A']);
    expect(sent.map((q) => q.refId)).toEqual(['B']);
  });
});
