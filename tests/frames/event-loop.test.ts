// One query's conversion never holds the event loop for its whole length: the backend is
// one Node process shared by every panel, so a large result's pivot or conversion pauses
// (setImmediate) once its slice's budget is spent. Deterministic: a 0 ms budget pauses at
// every check point, and the test counts the event-loop turns other work got meanwhile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { framesFromBatches, joinChunks, type FrameOptions } from '../../pkg/frames';
import { encodeJsonb } from '../../pkg/jsonb';
import { countTurns } from '../harness/loop-turns';
import { spanTree } from './span-tree';

const T0 = 1_700_000_000_000_000_000n;

/** One batch (so no pause can come from batch boundaries) of `series` × `times` long rows, ordered by time (or reversed). */
function longTimeSeries(
  series: number,
  times: number,
  reversed = false
): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('name', new arrow.Utf8(), false),
    new arrow.Field('value', new arrow.Float64(), false),
  ]);
  const n = series * times;
  const time = new BigInt64Array(n);
  const names: string[] = new Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = reversed ? n - 1 - i : i;
    time[i] = T0 + BigInt(Math.floor(r / series)) * 1_000_000_000n;
    names[i] = `series ${r % series}`;
    value[i] = r;
  }
  const children = [
    arrow.makeData({ type: schema.fields[0].type, length: n, data: time }),
    arrow.vectorFromArray(names, new arrow.Utf8()).data[0],
    arrow.makeData({ type: new arrow.Float64(), length: n, data: value }),
  ];
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
  return { schema, batches: [new arrow.RecordBatch(schema, struct)] };
}

/** Many table batches, all received already (they resolve at once, as a fast server's do). */
function tableBatches(count: number, rows: number): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const schema = new arrow.Schema([new arrow.Field('i', new arrow.Float64(), false)]);
  const batches = Array.from({ length: count }, (_, b) => {
    const data = arrow.makeData({
      type: new arrow.Float64(),
      length: rows,
      data: Float64Array.from({ length: rows }, (_, i) => b * rows + i),
    });
    const struct = arrow.makeData({
      type: new arrow.Struct(schema.fields),
      length: rows,
      nullCount: 0,
      children: [data],
    });
    return new arrow.RecordBatch(schema, struct);
  });
  return { schema, batches };
}

/** Event-loop turns (setImmediate callbacks) that ran while `work` was pending. */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  const counter = countTurns();
  try {
    const result = await work();
    return { result, turns: counter.turns };
  } finally {
    counter.stop();
  }
}

const convert = (input: { schema: arrow.Schema; batches: arrow.RecordBatch[] }, options: Partial<FrameOptions>) =>
  framesFromBatches(input.schema, input.batches, { refId: 'A', format: 'time_series', ...options });

describe('conversion gives the event loop back', () => {
  it('pivots 2,000 series × 200 points (one batch) in slices, to the same bytes', async () => {
    const input = longTimeSeries(2000, 200);
    const { result, turns } = await turnsDuring(() => convert(input, { sliceMs: 0 }));
    // 400,000 rows: the time, series and value loops check every 4,096 rows, the fields loop every 256 series.
    assert.ok(turns >= 100, `other work ran ${turns} time(s) during the pivot; expected at least 100`);
    const whole = await convert(input, { sliceMs: 1e9 });
    assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
    assert.equal(result.rowCount, 400_000);
  });

  it('encodes the schema of a frame of 3,000 series field by field, to the same bytes', async () => {
    // Few rows, many fields: the pause points are in the schema's encoding (every 64 fields, twice).
    const input = longTimeSeries(3000, 2);
    const { result, turns } = await turnsDuring(() => convert(input, { sliceMs: 0 }));
    assert.ok(turns >= 80, `other work ran ${turns} time(s) during the conversion; expected at least 80`);
    const whole = await convert(input, { sliceMs: 1e9 });
    assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
    assert.equal(arrow.tableFromIPC(joinChunks(result.frames[0])).schema.fields.length, 3001);
  });

  it('sorts an unordered time series in slices, to the frame of the ordered rows', async () => {
    const { result, turns } = await turnsDuring(() => convert(longTimeSeries(100, 1000, true), { sliceMs: 0 }));
    assert.ok(turns >= 50, `other work ran ${turns} time(s) during the conversion; expected at least 50`);
    const ordered = await convert(longTimeSeries(100, 1000), { sliceMs: 1e9 });
    assert.deepEqual(joinChunks(result.frames[0]), joinChunks(ordered.frames[0]));
  });

  it('converts already-received table batches with pauses between them', async () => {
    const { turns } = await turnsDuring(() => convert(tableBatches(50, 1000), { format: 'table', sliceMs: 0 }));
    assert.ok(turns >= 49, `other work ran ${turns} time(s) during 50 batches; expected at least 49`);
  });

  it('converts a large batch of JSONB and lists cell by cell in row ranges, to the same bytes', async () => {
    const n = 20_000;
    const schema = new arrow.Schema([
      new arrow.Field('properties', new arrow.Binary(), true),
      new arrow.Field('list', new arrow.List(new arrow.Field('item', new arrow.Int32(), true)), true),
    ]);
    const children = [
      arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : encodeJsonb({ row: i, tags: ['a', 'b'] }))),
        new arrow.Binary()
      ).data[0],
      arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => [i, i + 1]),
        schema.fields[1].type
      ).data[0],
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    const input = { schema, batches: [new arrow.RecordBatch(schema, struct)] };
    const { result, turns } = await turnsDuring(() => convert(input, { format: 'table', sliceMs: 0 }));
    // 20 ranges of 1,024 rows per column.
    assert.ok(turns >= 30, `other work ran ${turns} time(s) during the conversion; expected at least 30`);
    const whole = await convert(input, { format: 'table', sliceMs: 1e9 });
    assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
  });

  it('shapes 50,000 log lines (one batch) in slices, to the same bytes', async () => {
    const n = 50_000;
    const schema = new arrow.Schema([
      new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
      new arrow.Field('level', new arrow.Utf8(), false),
      new arrow.Field('msg', new arrow.Utf8(), false),
      new arrow.Field('exe', new arrow.Utf8(), false),
    ]);
    const text = (f: (i: number) => string) =>
      arrow.vectorFromArray(
        Array.from({ length: n }, (_, i) => f(i)),
        new arrow.Utf8()
      ).data[0];
    const children = [
      arrow.makeData({
        type: schema.fields[0].type,
        length: n,
        data: BigInt64Array.from({ length: n }, (_, i) => T0 + BigInt(i) * 1000n),
      }),
      text((i) => (i % 3 === 0 ? 'warn' : 'info')),
      text((i) => `request ${i} handled`),
      text((i) => `service-${i % 7}.exe`),
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    const input = { schema, batches: [new arrow.RecordBatch(schema, struct)] };
    const { result, turns } = await turnsDuring(() => convert(input, { format: 'logs', sliceMs: 0 }));
    // Six row loops over 50,000 lines, checking every 1,024.
    assert.ok(turns >= 200, `other work ran ${turns} time(s) during the conversion; expected at least 200`);
    const whole = await convert(input, { format: 'logs', sliceMs: 1e9 });
    assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
  });

  for (const format of ['flame_graph', 'traces'] as const) {
    it(`builds the ${format} of 50,000 spans (one batch) in slices, to the same bytes`, async () => {
      const input = spanTree(50_000);
      const { result, turns } = await turnsDuring(() => convert(input, { format, sliceMs: 0 }));
      assert.ok(turns >= 90, `other work ran ${turns} time(s) during the conversion; expected at least 90`);
      const whole = await convert(input, { format, sliceMs: 1e9 });
      assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
    });
  }

  // Every pass over the spans, the call paths or the graph's nodes pauses at its check points
  // (every 1,024 items): with a 0 ms budget, a pass over 50,000 gives at least 48 turns. A pass
  // that never checks (a typed-array copy, an index of every span id, the columns built after
  // the walk) gives none and held the event loop 40–55 ms on 200,000 spans.
  const read = ['rows', 'id index', 'parents'];
  const traceColumns = ['traceID', 'spanID', 'parentSpanID', 'operationName', 'serviceName', 'serviceTags', 'tags'];
  const cases: Array<{ label: string; format: 'flame_graph' | 'traces'; traces: number; passes: string[] }> = [
    {
      label: 'flame graph',
      format: 'flame_graph',
      traces: 1,
      passes: [...read, 'call paths', 'path totals', 'path list', 'bottom-up totals', 'depth-first order', 'columns'],
    },
    { label: 'traces', format: 'traces', traces: 1, passes: [...read, 'parent ids', 'services', ...traceColumns] },
    {
      label: 'traces of 2 traces sharing span ids',
      format: 'traces',
      traces: 2,
      passes: [
        ...read,
        'distinct ids',
        'qualified ids',
        'distinct qualified ids',
        'parent ids',
        'services',
        ...traceColumns,
      ],
    },
  ];
  for (const { label, format, traces, passes } of cases) {
    it(`pauses in every pass over 50,000 spans: ${label}`, async () => {
      const input = spanTree(50_000, 50_000, traces);
      const { result, turns } = await turnsDuring(() => convert(input, { format, sliceMs: 0 }));
      const expected = passes.length * Math.floor(50_000 / 1024);
      assert.ok(
        turns >= expected,
        `other work ran ${turns} time(s); ${passes.length} passes (${passes.join(', ')}) give ${expected}`
      );
      const whole = await convert(input, { format, sliceMs: 1e9 });
      assert.deepEqual(joinChunks(result.frames[0]), joinChunks(whole.frames[0]));
    });
  }

  it('stops a cancelled conversion at its next pause, with the cancellation as the error', async () => {
    const input = longTimeSeries(2000, 200);
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    // Aborted by another task while the pivot runs.
    setImmediate(() => controller.abort(reason));
    const { result, turns } = await turnsDuring(() =>
      convert(input, { sliceMs: 0, signal: controller.signal }).then(
        () => 'finished',
        (e: unknown) => e
      )
    );
    assert.equal(result, reason);
    assert.ok(turns <= 3, `the conversion went on for ${turns} turn(s) after it was cancelled`);
  });
});
