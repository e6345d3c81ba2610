import { migrateQuery, sqlOf } from './migrate';

describe('migrateQuery', () => {
  it('turns an upstream v1 query (queryText, no format) into one that runs the same', () => {
    const migrated = migrateQuery({ refId: 'A', queryText: 'SELECT time, value FROM measures' });
    expect(migrated).toEqual({
      refId: 'A',
      query: 'SELECT time, value FROM measures',
      format: 'time_series',
      timeFilter: true,
      autoLimit: true,
      version: 3,
    });
  });

  it('keeps what an upstream v2 query set, including builder fields and disabled toggles', () => {
    const saved = {
      refId: 'B',
      query: 'SELECT * FROM processes',
      format: 'table' as const,
      timeFilter: false,
      autoLimit: false,
      version: 2,
      rawEditor: false,
      table: 'processes',
      columns: [{ value: '*' }],
    };
    const migrated = migrateQuery(saved);
    expect(migrated).toMatchObject({ ...saved, version: 3 });
  });

  it('prefers query over queryText when both exist', () => {
    expect(migrateQuery({ refId: 'A', query: 'SELECT 2', queryText: 'SELECT 1', version: 2 }).query).toBe('SELECT 2');
  });

  it('defaults an unknown format to time series for upstream queries, table for ours', () => {
    expect(migrateQuery({ refId: 'A', query: 'x', format: 'graph' as never }).format).toBe('time_series');
    expect(migrateQuery({ refId: 'A', query: 'x', version: 3 }).format).toBe('table');
  });

  it('accepts a bare SQL string (upstream variable queries)', () => {
    expect(migrateQuery('SELECT DISTINCT exe FROM processes', 'metricFindQuery')).toMatchObject({
      refId: 'metricFindQuery',
      query: 'SELECT DISTINCT exe FROM processes',
      timeFilter: true,
    });
  });

  it('is idempotent', () => {
    const once = migrateQuery({ refId: 'A', queryText: 'SELECT 1' });
    expect(migrateQuery(once)).toEqual(once);
  });
});

describe('sqlOf', () => {
  it('reads query, then queryText, then nothing', () => {
    expect(sqlOf({ query: 'a', queryText: 'b' })).toBe('a');
    expect(sqlOf({ queryText: 'b' })).toBe('b');
    expect(sqlOf({})).toBe('');
  });
});
