// Heatmap format on Arrow input shaped like Micromegas results: histogram structs as
// make_histogram returns them (Micromegas declares the struct as Struct{start, end, min, max,
// sum, sum_sq: Float64; count: UInt64; bins: List<UInt64>}), expand_histogram's
// bin_center/count rows, and plain time/bucket/count rows with gaps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { convert, values } from './helpers';

const T0 = 1_714_557_600_000; // 2024-05-01T10:00:00Z
const tz = new arrow.TimestampNanosecond('+00:00');

function times(ms: number[]): arrow.Vector {
  // apache-arrow's Timestamp builders take epoch milliseconds.
  return arrow.vectorFromArray(ms, tz);
}

describe('heatmap format', () => {
  it('histogram structs: one cell per bin, bounds from start/end/bins, x-major and dense', async () => {
    const histType = new arrow.Struct([
      new arrow.Field('start', new arrow.Float64()),
      new arrow.Field('end', new arrow.Float64()),
      new arrow.Field('min', new arrow.Float64()),
      new arrow.Field('max', new arrow.Float64()),
      new arrow.Field('sum', new arrow.Float64()),
      new arrow.Field('sum_sq', new arrow.Float64()),
      new arrow.Field('count', new arrow.Uint64()),
      new arrow.Field('bins', new arrow.List(new arrow.Field('item', new arrow.Uint64(), true))),
    ]);
    const hist = (bins: number[]) => ({
      start: 0,
      end: 40,
      min: 1,
      max: 39,
      sum: 100,
      sum_sq: 1000,
      count: BigInt(bins.reduce((a, b) => a + b, 0)),
      bins: bins.map(BigInt),
    });
    const table = new arrow.Table({
      time: times([T0 + 60_000, T0]),
      h: arrow.vectorFromArray([hist([0, 5, 1, 0]), hist([2, 3, 0, 1])], histType),
    });
    const c = await convert(table, 'heatmap');
    assert.equal(c.meta?.type, 'heatmap-cells');
    assert.deepEqual(values(c, 'xMin'), [T0, T0, T0, T0, T0 + 60_000, T0 + 60_000, T0 + 60_000, T0 + 60_000]);
    assert.deepEqual(values(c, 'yMin'), [0, 10, 20, 30, 0, 10, 20, 30]);
    assert.deepEqual(values(c, 'yMax'), [10, 20, 30, 40, 10, 20, 30, 40]);
    assert.deepEqual(values(c, 'count'), [2, 3, 0, 1, 0, 5, 1, 0]);
  });

  it('expand_histogram rows (bin_center, count): bounds half a bin each side of the centre', async () => {
    const table = new arrow.Table({
      time: times([T0, T0, T0 + 60_000]),
      bin_center: arrow.vectorFromArray([5, 15, 5], new arrow.Float64()),
      count: arrow.vectorFromArray([1n, 2n, 3n], new arrow.Uint64()),
    });
    const c = await convert(table, 'heatmap');
    assert.deepEqual(values(c, 'yMin'), [0, 10, 0, 10]);
    assert.deepEqual(values(c, 'yMax'), [10, 20, 10, 20]);
    assert.deepEqual(values(c, 'count'), [1, 2, 3, 0], 'a bucket missing at a time is a 0 cell');
  });

  it('time, bucket, count with a unit: lower bounds, width from the spacing, unit on the bounds', async () => {
    const table = new arrow.Table({
      time: times([T0, T0]),
      bucket: arrow.vectorFromArray([0.5, 0.75], new arrow.Float64()),
      unit: arrow.vectorFromArray(['ms', 'ms'], new arrow.Utf8()),
      count: arrow.vectorFromArray([4n, 6n], new arrow.Int64()),
    });
    const c = await convert(table, 'heatmap');
    assert.deepEqual(values(c, 'yMin'), [0.5, 0.75]);
    assert.deepEqual(values(c, 'yMax'), [0.75, 1]);
    const yMin = c.json.schema.fields.find((f) => f.name === 'yMin')!;
    assert.equal((yMin.config as { unit?: string }).unit, 'ms');
  });
});
