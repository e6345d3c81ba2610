// Table frames merge small record batches (pkg/frames/coalesce.ts): fewer batches for
// Grafana to read, the same values, and large batches still written as they are.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { COALESCE_ROWS } from '../../pkg/frames/coalesce';
import { batchesOf, convert, throughIpc } from './helpers';

const T0 = 1_700_000_000_000n * 1_000_000n;

function input(batches: number, rows: number) {
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('msg', new arrow.Utf8(), true),
    new arrow.Field('n', new arrow.Int64(), false),
    new arrow.Field('f', new arrow.Float64(), true),
    new arrow.Field('ok', new arrow.Bool(), true),
  ]);
  const cols = Array.from({ length: batches }, (_, b) => {
    const r = (i: number) => b * rows + i;
    const ids = Array.from({ length: rows }, (_, i) => r(i));
    return {
      time: arrow.makeData({
        type: new arrow.TimestampNanosecond('+00:00'),
        length: rows,
        data: BigInt64Array.from(ids, (x) => T0 + BigInt(x)),
      }),
      msg: arrow.vectorFromArray(
        ids.map((x) => (x % 7 === 0 ? null : `line ${x}`)),
        new arrow.Utf8()
      ).data[0],
      n: arrow.makeData({ type: new arrow.Int64(), length: rows, data: BigInt64Array.from(ids, BigInt) }),
      f: arrow.vectorFromArray(
        ids.map((x) => (x % 5 === 0 ? null : x / 4)),
        new arrow.Float64()
      ).data[0],
      ok: arrow.vectorFromArray(
        ids.map((x) => (x % 3 === 0 ? null : x % 2 === 0)),
        new arrow.Bool()
      ).data[0],
    };
  });
  return batchesOf(schema, ...cols);
}

describe('table frames coalesce small record batches', () => {
  it('writes 40 batches of 100 rows as one record batch with the same values', async () => {
    const { schema, batches } = input(40, 100);
    const c = await convert(throughIpc(schema, batches), 'table');
    assert.equal(c.table.batches.length, 1);
    assert.equal(c.table.numRows, 4000);
    const expected = new arrow.Table(batches);
    for (const name of ['time', 'msg', 'n', 'f', 'ok']) {
      assert.deepEqual([...c.table.getChild(name)!], [...expected.getChild(name)!], name);
    }
  });

  it('keeps batches of COALESCE_ROWS rows or more as they are', async () => {
    const { schema, batches } = input(3, COALESCE_ROWS);
    const c = await convert({ schema, batches }, 'table');
    assert.equal(c.table.batches.length, 3);
    assert.equal(c.table.numRows, 3 * COALESCE_ROWS);
  });
});
