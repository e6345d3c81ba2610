// Span input shared by the event-loop test (tests/frames/event-loop.test.ts) and the
// benchmark (scripts/bench/loop-hold.ts): one generator, so both measure the same shape.
import * as arrow from 'apache-arrow';

const T0 = 1_700_000_000_000_000_000n;

/**
 * `rows` spans of a binary call tree (span i + 1 under span (i + 1) / 2), as thread_spans
 * returns them: id, parent, name (50 distinct), begin (1 µs apart), duration (500 ns).
 * Cut into batches of `batchRows` (one batch by default). With `traces` > 1, the rows are that
 * many trees of equal size with the same ids, told apart by a `trace_id` column.
 */
export function spanTree(
  rows: number,
  batchRows = rows,
  traces = 1
): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const perTrace = Math.ceil(rows / traces);
  const schema = new arrow.Schema([
    new arrow.Field('id', new arrow.Int64(), false),
    new arrow.Field('parent', new arrow.Int64(), false),
    new arrow.Field('name', new arrow.Utf8(), false),
    new arrow.Field('begin', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('duration', new arrow.Int64(), false),
    ...(traces > 1 ? [new arrow.Field('trace_id', new arrow.Utf8(), false)] : []),
  ]);
  const batches: arrow.RecordBatch[] = [];
  for (let start = 0; start < rows; start += batchRows) {
    const n = Math.min(batchRows, rows - start);
    const i64 = (f: (k: number) => bigint) =>
      arrow.makeData({ type: new arrow.Int64(), length: n, data: BigInt64Array.from({ length: n }, (_, k) => f(k)) });
    const children = [
      i64((k) => BigInt(((start + k) % perTrace) + 1)),
      i64((k) => BigInt((((start + k) % perTrace) + 1) >> 1)),
      arrow.vectorFromArray(
        Array.from({ length: n }, (_, k) => `fn_${(start + k) % 50}`),
        new arrow.Utf8()
      ).data[0],
      arrow.makeData({
        type: schema.fields[3].type,
        length: n,
        data: BigInt64Array.from({ length: n }, (_, k) => T0 + BigInt(start + k) * 1000n),
      }),
      i64(() => 500n),
    ];
    if (traces > 1) {
      children.push(
        arrow.vectorFromArray(
          Array.from({ length: n }, (_, k) => `trace-${Math.floor((start + k) / perTrace)}`),
          new arrow.Utf8()
        ).data[0]
      );
    }
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return { schema, batches };
}
