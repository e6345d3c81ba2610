import { createDataFrame } from '@grafana/data';

import { sentQueryRange } from './sentRange';

const frame = (refId: string, custom?: Record<string, unknown>) =>
  createDataFrame({ refId, fields: [], meta: custom ? { custom } : undefined });

describe('sentQueryRange', () => {
  const range = { begin: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z' };

  it('reads meta.custom.queryRange of the query’s own frames', () => {
    expect(
      sentQueryRange(
        [frame('B', { queryRange: { begin: 'x', end: 'y' } }), frame('A', { queryRange: range, limit: 1001 })],
        'A'
      )
    ).toEqual(range);
  });

  it('is undefined without a run, without binding, or with a malformed value', () => {
    expect(sentQueryRange(undefined, 'A')).toBeUndefined();
    expect(sentQueryRange([frame('A')], 'A')).toBeUndefined();
    expect(sentQueryRange([frame('A', { limit: 1001 })], 'A')).toBeUndefined();
    expect(sentQueryRange([frame('A', { queryRange: { begin: 1, end: 2 } })], 'A')).toBeUndefined();
    expect(sentQueryRange([frame('B', { queryRange: range })], 'A')).toBeUndefined();
  });
});
