// Explore's hooks, checked the way Explore finds them (@grafana/data's type guards): query
// history shows the SQL, and log details' filter buttons and "Add to filters" edit the SQL.
import { hasQueryModificationSupport, hasToggleableQueryFiltersSupport } from '@grafana/data';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { MicromegasQuery } from './types';

function setup() {
  new FakeBackend().install();
  new FakeTemplateSrv([]).install();
  return new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
}

const LOGS: MicromegasQuery = {
  refId: 'A',
  query: 'SELECT time, level, msg, exe FROM log_entries WHERE $__timeFilter(time) ORDER BY time DESC LIMIT 100',
  format: 'logs',
  version: 3,
};

describe('Explore', () => {
  it('query history and the query library show the SQL, also of upstream queries', () => {
    const ds = setup();
    expect(ds.getQueryDisplayText(LOGS)).toBe(LOGS.query);
    expect(ds.getQueryDisplayText({ refId: 'A', queryText: 'SELECT 1' } as MicromegasQuery)).toBe('SELECT 1');
  });

  it("log details' filter for / filter out value toggle a condition in the SQL", () => {
    const ds = setup();
    expect(hasToggleableQueryFiltersSupport(ds)).toBe(true);
    const on = ds.toggleQueryFilter(LOGS, { type: 'FILTER_FOR', options: { key: 'exe', value: 'a.exe' } });
    expect(on.query).toBe(
      "SELECT time, level, msg, exe FROM log_entries WHERE $__timeFilter(time)\n  AND exe = 'a.exe' ORDER BY time DESC LIMIT 100"
    );
    expect(ds.queryHasFilter(on, { key: 'exe', value: 'a.exe' })).toBe(true);
    expect(ds.queryHasFilter(LOGS, { key: 'exe', value: 'a.exe' })).toBe(false);
    const out = ds.toggleQueryFilter(on, { type: 'FILTER_OUT', options: { key: 'exe', value: 'a.exe' } });
    expect(out.query).toContain("AND exe != 'a.exe' ORDER BY");
    expect(ds.queryHasFilter(out, { key: 'exe', value: 'a.exe' })).toBe(false);
    expect(ds.toggleQueryFilter(on, { type: 'FILTER_FOR', options: { key: 'exe', value: 'a.exe' } }).query).toBe(
      LOGS.query
    );
    // The rest of the query is kept.
    expect(out).toMatchObject({ refId: 'A', format: 'logs', version: 3 });
  });

  it('"Add to filters" (ADD_FILTER / ADD_FILTER_OUT) adds the condition once', () => {
    const ds = setup();
    expect(hasQueryModificationSupport(ds)).toBe(true);
    expect(ds.getSupportedQueryModifications()).toEqual(['ADD_FILTER', 'ADD_FILTER_OUT']);
    const added = ds.modifyQuery(LOGS, { type: 'ADD_FILTER', options: { key: 'level', value: 'error' } });
    expect(added.query).toContain('AND level = 2 ORDER BY');
    expect(ds.modifyQuery(added, { type: 'ADD_FILTER', options: { key: 'level', value: 'error' } }).query).toBe(
      added.query
    );
    const excluded = ds.modifyQuery(added, { type: 'ADD_FILTER_OUT', options: { key: 'level', value: 'error' } });
    expect(excluded.query).toContain('AND level != 2 ORDER BY');
    expect(excluded.query).not.toContain('level = 2');
    expect(ds.modifyQuery(LOGS, { type: 'ADD_STRING_FILTER', options: { value: 'x' } })).toBe(LOGS);
  });
});
