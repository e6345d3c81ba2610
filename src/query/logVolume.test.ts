// Explore's "Logs volume": which queries get a volume query, its shape (refId prefix,
// queryType, no auto limit), and the request Grafana's query API receives for it.
import {
  CoreApp,
  createDataFrame,
  DataFrame,
  DataQueryRequest,
  DataSourceApi,
  dateTime,
  FieldType,
  hasSupplementaryQuerySupport,
  SupplementaryQueryType,
} from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from '../__testutils__/fakeGrafana';
import { DataSource } from '../datasource';
import type { MicromegasQuery } from '../types';
import { LOG_VOLUME_QUERY_TYPE, LOG_VOLUME_REF_PREFIX } from './logVolume';

const LOGS: MicromegasQuery = {
  refId: 'A',
  query: 'SELECT time, level, msg FROM log_entries WHERE $__timeFilter(time) ORDER BY time DESC LIMIT 100',
  format: 'logs',
  version: 3,
  autoLimit: true,
};

function setup() {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv([]).install();
  const sent: Array<Record<string, unknown>> = [];
  backend.onQuery((queries) => {
    sent.push(...queries);
    const out: Record<string, { frames: DataFrame[] }> = {};
    for (const q of queries) {
      const refId = String(q.refId);
      out[refId] = {
        frames: [
          createDataFrame({
            refId,
            name: 'error',
            fields: [
              { name: 'time', type: FieldType.time, values: [0] },
              { name: 'count', type: FieldType.number, values: [3], labels: { level: 'error' } },
            ],
          }),
        ],
      };
    }
    return out;
  });
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
  return { ds, sent };
}

function request(targets: MicromegasQuery[]): DataQueryRequest<MicromegasQuery> {
  const from = dateTime(1_700_000_000_000);
  const to = dateTime(1_700_003_600_000);
  return {
    requestId: 'explore_left',
    app: CoreApp.Explore,
    targets,
    range: { from, to, raw: { from, to } },
    interval: '1m',
    intervalMs: 60_000,
    maxDataPoints: 800,
    scopedVars: {},
    timezone: 'utc',
    startTime: Date.now(),
  };
}

describe('log volume (supplementary queries)', () => {
  it('offers only the logs volume, and Grafana sees the support', () => {
    const { ds } = setup();
    expect(ds.getSupportedSupplementaryQueryTypes()).toEqual([SupplementaryQueryType.LogsVolume]);
    // Explore holds the instance as a plain DataSourceApi and checks the methods by name.
    const api = ds as unknown as DataSourceApi;
    expect(hasSupplementaryQuerySupport(api, SupplementaryQueryType.LogsVolume)).toBe(true);
    expect(hasSupplementaryQuerySupport(api, SupplementaryQueryType.LogsSample)).toBe(false);
  });

  it('derives a volume query from a logs query: prefixed refId, queryType, same SQL, no auto limit', () => {
    const { ds } = setup();
    const q = ds.getSupplementaryQuery({ type: SupplementaryQueryType.LogsVolume }, LOGS);
    expect(q).toEqual({
      ...LOGS,
      refId: `${LOG_VOLUME_REF_PREFIX}A`,
      queryType: LOG_VOLUME_QUERY_TYPE,
      autoLimit: false,
      timeFilter: true,
    });
    expect(q?.hide).toBeUndefined();
  });

  it('no volume for other formats, upstream queries without format, hidden or empty queries, or other types', () => {
    const { ds } = setup();
    const volume = { type: SupplementaryQueryType.LogsVolume } as const;
    expect(ds.getSupplementaryQuery(volume, { ...LOGS, format: 'table' })).toBeUndefined();
    expect(ds.getSupplementaryQuery(volume, { ...LOGS, format: 'time_series' })).toBeUndefined();
    // Upstream-shaped (no version, no format) runs as time series: no lines, no volume.
    expect(ds.getSupplementaryQuery(volume, { refId: 'A', query: LOGS.query })).toBeUndefined();
    expect(ds.getSupplementaryQuery(volume, { ...LOGS, hide: true })).toBeUndefined();
    expect(ds.getSupplementaryQuery(volume, { ...LOGS, query: '  ' })).toBeUndefined();
    expect(ds.getSupplementaryQuery({ type: SupplementaryQueryType.LogsSample }, LOGS)).toBeUndefined();
    // A volume query is not derived again.
    const derived = ds.getSupplementaryQuery(volume, LOGS)!;
    expect(ds.getSupplementaryQuery(volume, derived)).toBeUndefined();
  });

  it('getSupplementaryRequest keeps the range and interval, with the logs queries only', () => {
    const { ds } = setup();
    const req = request([LOGS, { ...LOGS, refId: 'B', format: 'table' }, { ...LOGS, refId: 'C' }]);
    const out = ds.getSupplementaryRequest(SupplementaryQueryType.LogsVolume, req);
    expect(out?.targets.map((t) => t.refId)).toEqual(['log-volume-A', 'log-volume-C']);
    expect(out?.range).toBe(req.range);
    expect(out?.intervalMs).toBe(60_000);
    expect(out?.requestId).toBe('explore_left_log_volume');
    expect(ds.getSupplementaryRequest(SupplementaryQueryType.LogsVolume, request([{ ...LOGS, format: 'table' }]))).toBe(
      undefined
    );
    expect(ds.getSupplementaryRequest(SupplementaryQueryType.LogsSample, req)).toBeUndefined();
  });

  it("Explore's interval on the volume request leaves the logs request's scopedVars alone", () => {
    const { ds } = setup();
    const main = request([LOGS]);
    main.scopedVars = { __interval: { text: '1m', value: '1m' }, __interval_ms: { text: '60000', value: 60000 } };
    const volume = ds.getSupplementaryRequest(SupplementaryQueryType.LogsVolume, main)!;
    // What Grafana's queryLogsVolume (public/app/features/logs/logsModel.ts) does to the request it gets.
    volume.scopedVars.__interval = { text: '10s', value: '10s' };
    volume.scopedVars.__interval_ms = { text: '10000', value: 10000 };
    expect(main.scopedVars.__interval).toEqual({ text: '1m', value: '1m' });
    expect(main.scopedVars.__interval_ms).toEqual({ text: '60000', value: 60000 });
  });

  it('the volume request goes through the normal query path with queryType and interval', async () => {
    const { ds, sent } = setup();
    const req = ds.getSupplementaryRequest(SupplementaryQueryType.LogsVolume, request([LOGS]))!;
    const res = await lastValueFrom(ds.query(req));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      refId: 'log-volume-A',
      queryType: LOG_VOLUME_QUERY_TYPE,
      format: 'logs',
      autoLimit: false,
      intervalMs: 60_000,
      query: LOGS.query,
    });
    expect(res.data[0].refId).toBe('log-volume-A');
    expect(res.data[0].fields[1].labels).toEqual({ level: 'error' });
  });
});
