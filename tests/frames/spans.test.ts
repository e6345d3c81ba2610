// Traces and Flame graph formats from span results (Micromegas thread_spans and aliases).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { FrameFormatError, framesFromBatches, type Notice } from '../../pkg/frames';

import { TRACE_FRAME_FIELDS } from '../harness/frame-validate';
import { batchesOf, convert, fieldJson, values, type Converted } from './helpers';

const T0 = 1_700_000_000_000_000_000n; // ns
const field = (name: string, type: arrow.DataType, nullable = false) => new arrow.Field(name, type, nullable);
const i64 = (xs: Array<bigint | null>) => arrow.vectorFromArray(xs, new arrow.Int64()).data[0];
const u32 = (xs: number[]) => arrow.vectorFromArray(xs, new arrow.Uint32()).data[0];
const utf8 = (xs: Array<string | null>) => arrow.vectorFromArray(xs, new arrow.Utf8()).data[0];
const ts = (xs: bigint[]) =>
  arrow.makeData({ type: new arrow.TimestampNanosecond('+00:00'), length: xs.length, data: BigInt64Array.from(xs) });
const dictType = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
/** A dictionary column (as Micromegas sends name/target/filename) of the given strings. */
function dict(xs: string[]): arrow.Data {
  const distinct = [...new Set(xs)];
  return arrow.makeData({
    type: dictType(),
    length: xs.length,
    data: Int32Array.from(xs.map((x) => distinct.indexOf(x))),
    dictionary: arrow.vectorFromArray(distinct, new arrow.Utf8()),
  });
}

interface Span {
  id: bigint;
  parent: bigint | null;
  depth: number;
  name: string;
  beginUs: number; // µs after T0
  durNs: bigint;
}

/**
 * Two calls of A (one with B twice, each B with a D under it, and a C), a second A with a
 * C, and a root E whose parent is null. B and D repeat under the first A: merged paths.
 */
const TREE: Span[] = [
  { id: 1n, parent: 0n, depth: 0, name: 'A', beginUs: 0, durNs: 100_000n },
  { id: 2n, parent: 1n, depth: 1, name: 'B', beginUs: 1, durNs: 40_000n },
  { id: 4n, parent: 2n, depth: 2, name: 'D', beginUs: 2, durNs: 10_000n },
  { id: 3n, parent: 1n, depth: 1, name: 'C', beginUs: 45, durNs: 30_000n },
  { id: 5n, parent: 1n, depth: 1, name: 'B', beginUs: 76, durNs: 20_000n },
  { id: 6n, parent: 5n, depth: 2, name: 'D', beginUs: 77, durNs: 15_000n },
  { id: 7n, parent: 0n, depth: 0, name: 'A', beginUs: 200, durNs: 50_000n },
  { id: 8n, parent: 7n, depth: 1, name: 'C', beginUs: 200, durNs: 50_000n },
  { id: 9n, parent: null, depth: 0, name: 'E', beginUs: 300, durNs: 5_000n },
];

/** The thread_spans schema of Micromegas (docs: id, parent, depth, hash, begin, end, duration, name, target, filename, line). */
function threadSpans(spans: Span[], batches = 1) {
  const schema = new arrow.Schema([
    field('id', new arrow.Int64()),
    field('parent', new arrow.Int64(), true),
    field('depth', new arrow.Uint32()),
    field('hash', new arrow.Uint32()),
    field('begin', new arrow.TimestampNanosecond('+00:00')),
    field('end', new arrow.TimestampNanosecond('+00:00')),
    field('duration', new arrow.Int64()),
    field('name', dictType()),
    field('target', dictType()),
    field('filename', dictType()),
    field('line', new arrow.Uint32()),
  ]);
  const cols = (part: Span[]) => {
    const begin = part.map((s) => T0 + BigInt(s.beginUs) * 1000n);
    return {
      id: i64(part.map((s) => s.id)),
      parent: i64(part.map((s) => s.parent)),
      depth: u32(part.map((s) => s.depth)),
      hash: u32(part.map((_, k) => 1000 + k)),
      begin: ts(begin),
      end: ts(begin.map((b, k) => b + part[k].durNs)),
      duration: i64(part.map((s) => s.durNs)),
      name: dict(part.map((s) => s.name)),
      target: dict(part.map(() => 'app::work')),
      filename: dict(part.map(() => 'src/work.rs')),
      line: u32(part.map((_, k) => 10 + k)),
    };
  };
  const size = Math.ceil(spans.length / batches);
  const parts: Array<ReturnType<typeof cols>> = [];
  for (let k = 0; k < spans.length; k += size) {
    parts.push(cols(spans.slice(k, k + size)));
  }
  return batchesOf(schema, ...parts);
}

interface FlameRow {
  level: number;
  value: number;
  self: number;
  label: string;
}

function flameRows(c: Converted): FlameRow[] {
  const [level, value, self, label] = ['level', 'value', 'self', 'label'].map((n) => values(c, n));
  return level.map((_, k) => ({
    level: level[k] as number,
    value: value[k] as number,
    self: self[k] as number,
    label: label[k] as string,
  }));
}

/** The nested-set rules Grafana's flame graph relies on, checked on any frame. */
function assertNestedSet(rows: FlameRow[]): void {
  assert.equal(rows[0]?.level, 0, 'first row is the root');
  assert.equal(rows.filter((r) => r.level === 0).length, 1, 'exactly one root');
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k];
    assert.ok(r.value >= r.self && r.self >= 0, `row ${k}: value ${r.value} ≥ self ${r.self} ≥ 0`);
    if (k > 0) {
      assert.ok(r.level >= 1 && r.level <= rows[k - 1].level + 1, `row ${k}: depth-first (level ${r.level})`);
    }
    // Children: the following rows at level + 1 until a row at this level or above.
    let childSum = 0;
    for (let j = k + 1; j < rows.length && rows[j].level > r.level; j++) {
      if (rows[j].level === r.level + 1) {
        childSum += rows[j].value;
      }
    }
    assert.equal(childSum + r.self, r.value, `row ${k} (${r.label}): children ${childSum} + self ${r.self} = value`);
  }
}

describe('traces format', () => {
  it('turns thread spans into one trace frame with the contract fields (ns → ms, ids as decimal text)', async () => {
    const c = await convert(threadSpans(TREE, 2), 'traces');
    assert.equal(c.meta?.preferredVisualisationType, 'trace');
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type]),
      TRACE_FRAME_FIELDS.map(([name, tstype]) => [name, tstype])
    );
    assert.deepEqual(
      values(c, 'spanID'),
      TREE.map((s) => String(s.id))
    );
    // Roots (parent 0 with no span 0, and parent null) have an empty parentSpanID.
    assert.deepEqual(values(c, 'parentSpanID'), ['', '1', '2', '1', '1', '5', '', '7', '']);
    assert.deepEqual(
      values(c, 'operationName'),
      TREE.map((s) => s.name)
    );
    assert.deepEqual(new Set(values(c, 'traceID')), new Set(['spans']));
    assert.deepEqual(new Set(values(c, 'serviceName')), new Set(['app::work']));
    const startMs = Number(T0 / 1_000_000n);
    assert.deepEqual(
      values(c, 'startTime'),
      TREE.map((s) => startMs + s.beginUs / 1000)
    );
    assert.deepEqual(values(c, 'duration'), [0.1, 0.04, 0.01, 0.03, 0.02, 0.015, 0.05, 0.05, 0.005]);
    assert.deepEqual(values(c, 'tags')[0], [
      { key: 'depth', value: 0 },
      { key: 'hash', value: 1000 },
      { key: 'filename', value: 'src/work.rs' },
      { key: 'line', value: 10 },
    ]);
    assert.deepEqual(values(c, 'serviceTags')[0], []);
    assert.equal(c.notices.length, 0);
  });

  it('accepts aliases, computes the duration from end − begin, takes trace ids and the service from columns', async () => {
    const schema = new arrow.Schema([
      field('trace_id', new arrow.Utf8()),
      field('span_id', new arrow.Utf8()),
      field('parent_span_id', new arrow.Utf8(), true),
      field('operation', new arrow.Utf8()),
      field('start_time', new arrow.TimestampNanosecond('+00:00')),
      field('end_time', new arrow.TimestampNanosecond('+00:00')),
      field('exe', new arrow.Utf8()),
      field('computer', new arrow.Utf8()),
      field('status', new arrow.Utf8()),
      field('http.status', new arrow.Int64()),
    ]);
    const c = await convert(
      batchesOf(schema, {
        trace_id: utf8(['t1', 't1']),
        span_id: utf8(['a1', 'b2']),
        parent_span_id: utf8([null, 'a1']),
        operation: utf8(['GET /', 'db']),
        start_time: ts([T0, T0 + 1_250_000n]),
        end_time: ts([T0 + 3_000_001n, T0 + 2_250_000n]),
        exe: utf8(['api.exe', 'api.exe']),
        computer: utf8(['host-1', 'host-1']),
        status: utf8(['OK', 'ERROR']),
        'http.status': i64([200n, 500n]),
      }),
      'traces'
    );
    assert.deepEqual(values(c, 'traceID'), ['t1', 't1']);
    assert.deepEqual(values(c, 'spanID'), ['a1', 'b2']);
    assert.deepEqual(values(c, 'parentSpanID'), ['', 'a1']);
    assert.deepEqual(values(c, 'serviceName'), ['api.exe', 'api.exe']);
    assert.deepEqual(values(c, 'duration'), [3.000001, 1]);
    assert.deepEqual(values(c, 'serviceTags')[0], [{ key: 'computer', value: 'host-1' }]);
    assert.deepEqual(values(c, 'tags')[1], [{ key: 'http.status', value: 500 }]);
    assert.deepEqual(values(c, 'statusCode'), [1, 2]);
  });

  it('keeps span ids distinct across streams and marks spans whose parent is outside the result', async () => {
    const schema = new arrow.Schema([
      field('stream_id', new arrow.Utf8()),
      field('id', new arrow.Int64()),
      field('parent', new arrow.Int64()),
      field('name', new arrow.Utf8()),
      field('begin', new arrow.TimestampNanosecond('+00:00')),
      field('duration', new arrow.Int64()),
    ]);
    const c = await convert(
      batchesOf(schema, {
        stream_id: utf8(['s1', 's1', 's2', 's2']),
        id: i64([1n, 2n, 1n, 3n]),
        parent: i64([0n, 1n, 0n, 77n]),
        name: utf8(['r', 'c', 'r', 'lost']),
        begin: ts([T0, T0, T0, T0]),
        duration: i64([10n, 5n, 10n, 1n]),
      }),
      'traces'
    );
    assert.deepEqual(values(c, 'traceID'), ['s1', 's1', 's2', 's2']);
    assert.deepEqual(values(c, 'spanID'), ['s1/1', 's1/2', 's2/1', 's2/3']);
    assert.deepEqual(values(c, 'parentSpanID'), ['', 's1/1', '', '']);
    const texts = c.notices.map((n) => n.text).join('\n');
    assert.match(texts, /Span ids repeat across stream_id/);
    assert.match(texts, /1 span\(s\) have a parent that is not in the result/);
  });

  it('treats depth 0 as a root even when its parent id names another span (the dev server numbers a root 0)', async () => {
    const spans: Span[] = [
      { id: 0n, parent: 0n, depth: 0, name: 'R0', beginUs: 0, durNs: 10n },
      { id: 1n, parent: 0n, depth: 1, name: 'C', beginUs: 0, durNs: 5n },
      { id: 16n, parent: 0n, depth: 0, name: 'R1', beginUs: 10, durNs: 10n },
    ];
    const c = await convert(threadSpans(spans), 'traces');
    assert.deepEqual(values(c, 'parentSpanID'), ['', '0', '']);
    assert.equal(c.notices.length, 0);
  });

  it('names the missing columns when the result is not spans', async () => {
    const schema = new arrow.Schema([field('name', new arrow.Utf8()), field('x', new arrow.Float64())]);
    const input = batchesOf(schema, { name: utf8(['a']), x: arrow.vectorFromArray([1], new arrow.Float64()).data[0] });
    await assert.rejects(
      framesFromBatches(input.schema, input.batches, { refId: 'A', format: 'traces' }),
      (e: Error) => {
        assert.ok(e instanceof FrameFormatError);
        assert.match(e.message, /^Traces format needs span id, begin and duration \(or end\) columns/);
        assert.match(e.message, /missing: span id .*begin time .*duration in ns or end time/);
        assert.match(e.message, /Found: name \(Utf8\), x \(Float64\)/);
        return true;
      }
    );
  });

  it('leaves out rows without a begin or duration, with a warning', async () => {
    const schema = new arrow.Schema([
      field('id', new arrow.Int64()),
      field('begin', new arrow.TimestampNanosecond('+00:00')),
      field('duration', new arrow.Int64(), true),
      field('name', new arrow.Utf8()),
    ]);
    const c = await convert(
      batchesOf(schema, {
        id: i64([1n, 2n]),
        begin: ts([T0, T0]),
        duration: i64([5n, null]),
        name: utf8(['a', 'b']),
      }),
      'traces'
    );
    assert.deepEqual(values(c, 'spanID'), ['1']);
    assert.match(
      c.notices.map((n) => n.text).join('\n'),
      /1 row\(s\) without id, begin, a duration are not shown in the trace/
    );
  });
});

describe('flame_graph format', () => {
  it('merges identical call paths into a nested set: depth-first, children by value, ns units', async () => {
    const c = await convert(threadSpans(TREE, 3), 'flame_graph');
    assert.equal(c.meta?.preferredVisualisationType, 'flamegraph');
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type]),
      [
        ['level', 'number'],
        ['value', 'number'],
        ['self', 'number'],
        ['label', 'string'],
      ]
    );
    assert.equal(fieldJson(c, 'value').config?.unit, 'ns');
    assert.equal(fieldJson(c, 'self').config?.unit, 'ns');
    const rows = flameRows(c);
    assert.deepEqual(rows, [
      { level: 0, value: 155_000, self: 0, label: 'total' },
      { level: 1, value: 150_000, self: 10_000, label: 'A' }, // both calls of A
      { level: 2, value: 80_000, self: 80_000, label: 'C' }, // C under either A, larger than B
      { level: 2, value: 60_000, self: 35_000, label: 'B' }, // the two B calls under the first A
      { level: 3, value: 25_000, self: 25_000, label: 'D' },
      { level: 1, value: 5_000, self: 5_000, label: 'E' }, // parent null: a root
    ]);
    assertNestedSet(rows);
  });

  it('the same spans in any order and batching give the same profile', async () => {
    const shuffled = [TREE[5], TREE[8], TREE[2], TREE[0], TREE[7], TREE[3], TREE[1], TREE[6], TREE[4]];
    const a = flameRows(await convert(threadSpans(TREE), 'flame_graph'));
    const b = flameRows(await convert(threadSpans(shuffled, 4), 'flame_graph'));
    assert.deepEqual(b, a);
  });

  it('computes durations from end − begin and raises a path whose children outlast it, with a warning', async () => {
    const schema = new arrow.Schema([
      field('id', new arrow.Int64()),
      field('parent', new arrow.Int64()),
      field('name', new arrow.Utf8()),
      field('begin', new arrow.TimestampNanosecond('+00:00')),
      field('end', new arrow.TimestampNanosecond('+00:00')),
    ]);
    const c = await convert(
      batchesOf(schema, {
        id: i64([1n, 2n, 3n]),
        parent: i64([0n, 1n, 1n]),
        name: utf8(['p', 'x', 'y']),
        begin: ts([T0, T0, T0 + 5n]),
        end: ts([T0 + 10n, T0 + 6n, T0 + 12n]),
      }),
      'flame_graph'
    );
    const rows = flameRows(c);
    assert.deepEqual(rows, [
      { level: 0, value: 13, self: 0, label: 'total' },
      { level: 1, value: 13, self: 0, label: 'p' },
      { level: 2, value: 7, self: 7, label: 'y' },
      { level: 2, value: 6, self: 6, label: 'x' },
    ]);
    assertNestedSet(rows);
    assert.match(c.notices.map((n) => n.text).join('\n'), /1 call path\(s\) have children that last longer/);
  });

  it('without id/parent, every span name sits under the root (with a notice)', async () => {
    const schema = new arrow.Schema([field('name', new arrow.Utf8()), field('duration', new arrow.Int64())]);
    const c = await convert(
      batchesOf(schema, { name: utf8(['a', 'b', 'a']), duration: i64([1n, 5n, 2n]) }),
      'flame_graph'
    );
    assert.deepEqual(flameRows(c), [
      { level: 0, value: 8, self: 0, label: 'total' },
      { level: 1, value: 5, self: 5, label: 'b' },
      { level: 1, value: 3, self: 3, label: 'a' },
    ]);
    assert.match(c.notices.map((n) => n.text).join('\n'), /No id column: spans are not nested/);
  });

  it('cuts id/parent loops instead of hanging', async () => {
    const schema = new arrow.Schema([
      field('id', new arrow.Int64()),
      field('parent', new arrow.Int64()),
      field('name', new arrow.Utf8()),
      field('duration', new arrow.Int64()),
    ]);
    const c = await convert(
      batchesOf(schema, { id: i64([1n, 2n]), parent: i64([2n, 1n]), name: utf8(['a', 'b']), duration: i64([4n, 3n]) }),
      'flame_graph'
    );
    assertNestedSet(flameRows(c));
    assert.match(c.notices.map((n) => n.text).join('\n'), /a loop in id\/parent/);
  });

  it('passes an already aggregated result (level, value, self, label) through', async () => {
    const schema = new arrow.Schema([
      field('level', new arrow.Int64()),
      field('value', new arrow.Int64()),
      field('self', new arrow.Int64()),
      field('label', new arrow.Utf8()),
    ]);
    const c = await convert(
      batchesOf(schema, {
        level: i64([0n, 1n]),
        value: i64([10n, 4n]),
        self: i64([6n, 4n]),
        label: utf8(['all', 'f']),
      }),
      'flame_graph'
    );
    assert.deepEqual(flameRows(c), [
      { level: 0, value: 10, self: 6, label: 'all' },
      { level: 1, value: 4, self: 4, label: 'f' },
    ]);
    assert.equal(c.notices.length, 0);
  });

  it('names the missing columns, keeps the caller notices (truncation) and gives zero rows for no spans', async () => {
    const schema = new arrow.Schema([field('id', new arrow.Int64()), field('x', new arrow.Float64())]);
    const bad = batchesOf(schema, { id: i64([1n]), x: arrow.vectorFromArray([1], new arrow.Float64()).data[0] });
    await assert.rejects(
      framesFromBatches(bad.schema, bad.batches, { refId: 'A', format: 'flame_graph' }),
      (e: Error) => {
        assert.ok(e instanceof FrameFormatError);
        assert.match(e.message, /^Flame graph format needs span name and duration/);
        assert.match(e.message, /missing: span name .*duration in ns, or begin and end times/);
        return true;
      }
    );
    const truncation: Notice = { severity: 'warning', text: 'Only the first 3 rows are shown.' };
    const c = await convert(threadSpans(TREE.slice(0, 3)), 'flame_graph', { notices: [truncation] });
    assert.deepEqual((c.meta?.notices as Notice[])[0], truncation);
    const empty = await convert(threadSpans([]), 'flame_graph');
    assert.equal(empty.table.numRows, 0);
    assert.equal(empty.meta?.preferredVisualisationType, 'flamegraph');
  });
});
