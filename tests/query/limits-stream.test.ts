import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  makeData,
  RecordBatch,
  Schema,
  Field,
  Int32,
  Struct,
  TimestampMillisecond,
  vectorFromArray,
} from 'apache-arrow';

import { limitBatches, timeAxisColumn, type TruncatedBy } from '../../pkg/query/limits';
import { RequestError } from '../../pkg/query/request-error';
import { tableReference } from '../../pkg/query/resources';

function batch(start: number, n: number): RecordBatch {
  const values = Int32Array.from({ length: n }, (_, i) => start + i);
  const child = makeData({ type: new Int32(), length: n, data: values });
  const schema = new Schema([new Field('v', new Int32(), false)]);
  const data = makeData({ type: new Struct(schema.fields), length: n, children: [child] });
  return new RecordBatch(schema, data);
}

async function* source(sizes: number[], log: string[]): AsyncGenerator<RecordBatch> {
  let start = 0;
  try {
    for (const n of sizes) {
      log.push(`yield ${n}`);
      yield batch(start, n);
      start += n;
    }
    log.push('exhausted');
  } finally {
    log.push('closed');
  }
}

async function collect(it: AsyncIterable<RecordBatch>): Promise<number[]> {
  const out: number[] = [];
  for await (const b of it) {
    out.push(...(b.getChildAt(0)!.toArray() as Int32Array));
  }
  return out;
}

describe('limitBatches', () => {
  it('slices the batch crossing the cap, reports truncation and closes the source early', async () => {
    const log: string[] = [];
    let truncated = 0;
    const rows = await collect(limitBatches(source([4, 4, 4, 4], log), 6, () => truncated++));
    assert.deepEqual(rows, [0, 1, 2, 3, 4, 5]);
    assert.equal(truncated, 1);
    assert.deepEqual(log, ['yield 4', 'yield 4', 'closed']);
  });
  it('exactly cap rows then end of stream is not a truncation', async () => {
    const log: string[] = [];
    let truncated = 0;
    const rows = await collect(limitBatches(source([3, 3], log), 6, () => truncated++));
    assert.equal(rows.length, 6);
    assert.equal(truncated, 0);
  });
  it('cap reached exactly, then one more row (the server limit+1) is a truncation', async () => {
    const log: string[] = [];
    let truncated = 0;
    const rows = await collect(limitBatches(source([3, 3, 1], log), 6, () => truncated++));
    assert.equal(rows.length, 6);
    assert.equal(truncated, 1);
  });
  it('no cap passes everything through', async () => {
    const rows = await collect(limitBatches(source([2, 5], []), undefined, () => assert.fail('no truncation')));
    assert.equal(rows.length, 7);
  });
  it('source errors propagate (a failure is never a short result)', async () => {
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batch(0, 2);
      throw new Error('INTERNAL: error building data stream');
    }
    await assert.rejects(collect(limitBatches(failing(), 100, () => undefined)), /error building data stream/);
  });
});

/** One batch of (time ms | null, v) rows. */
function timeBatch(times: Array<number | null>): RecordBatch {
  const time = vectorFromArray(times, new TimestampMillisecond());
  const v = vectorFromArray(Int32Array.from(times, (_, i) => i));
  const schema = new Schema([new Field('v', new Int32(), false), new Field('time', new TimestampMillisecond(), true)]);
  const data = makeData({ type: new Struct(schema.fields), length: times.length, children: [v.data[0], time.data[0]] });
  return new RecordBatch(schema, data);
}

describe('limitBatches on a time axis (time series auto limit: points per series)', () => {
  async function* batches(...lists: Array<Array<number | null>>): AsyncGenerator<RecordBatch> {
    for (const l of lists) {
      yield timeBatch(l);
    }
  }
  it('keeps every row of up to max distinct times, whatever the number of series, in any order', async () => {
    const column = timeAxisColumn(timeBatch([1]).schema)!;
    assert.equal(column, 1);
    const cuts: TruncatedBy[] = [];
    // 3 series at 3 times, unordered, with a null time: 3 distinct times fit max 3.
    const rows = await collect(
      limitBatches(
        batches([3000, 1000, 2000], [1000, null, 2000, 3000], [2000, 1000, 3000]),
        100,
        (b) => cuts.push(b),
        {
          column,
          max: 3,
        }
      )
    );
    assert.equal(rows.length, 10);
    assert.deepEqual(cuts, []);
  });
  it('cuts at the row bringing one time too many, across batches, and says so', async () => {
    const cuts: TruncatedBy[] = [];
    const rows = await collect(
      limitBatches(batches([1000, 1000], [2000, 2000, 3000, 3000]), 100, (b) => cuts.push(b), { column: 1, max: 2 })
    );
    assert.deepEqual(rows, [0, 1, 0, 1]);
    assert.deepEqual(cuts, ['timePoints']);
  });
  it('the row cap still applies, and wins when it comes first', async () => {
    const cuts: TruncatedBy[] = [];
    const rows = await collect(
      limitBatches(batches([1000, 1000, 1000, 2000]), 2, (b) => cuts.push(b), { column: 1, max: 2 })
    );
    assert.equal(rows.length, 2);
    assert.deepEqual(cuts, ['rows']);
  });
});

describe('tableReference (resources)', () => {
  it('quotes names and re-renders table function literals', () => {
    assert.equal(tableReference('log_entries'), '"log_entries"');
    assert.equal(tableReference('"processes.exe"'), '"processes.exe"');
    assert.equal(tableReference('information_schema.columns'), '"information_schema"."columns"');
    assert.equal(tableReference(`view_instance('log_entries', 'a''b')`), `view_instance('log_entries', 'a''b')`);
    assert.equal(tableReference('list_partitions()'), 'list_partitions()');
  });
  it('rejects injections and unknown shapes', () => {
    const bad = (t: unknown) =>
      assert.throws(
        () => tableReference(t),
        (e: unknown) => e instanceof RequestError
      );
    bad('log_entries; DROP TABLE x');
    bad(`view_instance('a', (select 1))`);
    bad(`evil_function('a')`);
    bad(`view_instance('a') x`);
    bad('');
    bad(42);
  });
});
