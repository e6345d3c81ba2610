import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { makeData, RecordBatch, Schema, Field, Int32, Struct } from 'apache-arrow';

import { limitBatches } from '../../pkg/query/limits';
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
