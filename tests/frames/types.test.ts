// Every Arrow type Micromegas can emit, converted and read back the way Grafana reads it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { columnConverter } from '../../pkg/frames/convert';
import { Notes } from '../../pkg/frames/notes';
import { encodeJsonb, type JsonValue } from '../../pkg/jsonb';

import { batchesOf, bitmap, convert, fieldJson, throughIpc, values } from './helpers';

const field = (name: string, type: arrow.DataType, nullable = true) => new arrow.Field(name, type, nullable);

function utf8Data(strings: Array<string | null>, type: arrow.DataType = new arrow.Utf8()): arrow.Data {
  return arrow.vectorFromArray(strings, type).data[0];
}

describe('type mapping', () => {
  it('passes Utf8, integers, floats and booleans through, with nulls', async () => {
    const t = new arrow.Table({
      s: arrow.vectorFromArray(['a', null, 'ü'], new arrow.Utf8()),
      i8: arrow.vectorFromArray([-128, 0, 127], new arrow.Int8()),
      i16: arrow.vectorFromArray([-32768, null, 32767], new arrow.Int16()),
      i32: arrow.vectorFromArray([-2147483648, 1, 2147483647], new arrow.Int32()),
      i64: arrow.makeVector(BigInt64Array.from([-(2n ** 63n), 1n, 2n ** 53n - 1n])),
      u8: arrow.vectorFromArray([0, 1, 255], new arrow.Uint8()),
      u16: arrow.vectorFromArray([0, 1, 65535], new arrow.Uint16()),
      u32: arrow.vectorFromArray([0, 1, 4294967295], new arrow.Uint32()),
      u64: arrow.makeVector(BigUint64Array.from([0n, 1n, 2n ** 64n - 1n])),
      f32: arrow.vectorFromArray([1.5, NaN, -Infinity], new arrow.Float32()),
      f64: arrow.vectorFromArray([0.1, null, Infinity], new arrow.Float64()),
      b: arrow.vectorFromArray([true, false, null], new arrow.Bool()),
    });
    const c = await convert(t);
    assert.deepEqual(
      c.table.schema.fields.map((f) => String(f.type)),
      ['Utf8', 'Int8', 'Int16', 'Int32', 'Int64', 'Uint8', 'Uint16', 'Uint32', 'Uint64', 'Float32', 'Float64', 'Bool']
    );
    assert.deepEqual(values(c, 's'), ['a', null, 'ü']);
    assert.deepEqual(values(c, 'i16'), [-32768, null, 32767]);
    assert.deepEqual(values(c, 'i64'), [-(2 ** 63), 1, 2 ** 53 - 1]);
    assert.deepEqual(values(c, 'u64'), [0, 1, 2 ** 64]);
    assert.deepEqual(values(c, 'f32'), [1.5, null, null]);
    assert.deepEqual(c.json.data.entities?.[9], { NaN: [1], NegInf: [2] });
    assert.deepEqual(values(c, 'b'), [true, false, null]);
    assert.equal(fieldJson(c, 'b').type, 'boolean');
    assert.deepEqual(c.notices, []);
  });

  it('keeps the incoming buffers for types that already fit (zero-copy)', () => {
    const notes = new Notes();
    const ints = arrow.makeVector(BigInt64Array.from([1n, 2n, 3n])).data[0];
    const ts = arrow.makeData({
      type: new arrow.TimestampNanosecond('+00:00'),
      length: 2,
      data: BigInt64Array.from([1n, 2n]),
    });
    const str = utf8Data(['x', 'yy']);
    for (const [name, data] of [
      ['i', ints],
      ['t', ts],
      ['s', str],
    ] as const) {
      const out = columnConverter(field(name, data.type), notes).convert(data);
      assert.equal(out.values, data.values, `${name}: values buffer reused`);
    }
  });

  it('converts LargeUtf8 and Utf8View to Utf8', async () => {
    const t = new arrow.Table({
      large: arrow.vectorFromArray(['one', null, 'three'], new arrow.LargeUtf8()),
      view: arrow.vectorFromArray(['short', 'a string longer than twelve bytes', null], new arrow.Utf8View()),
    });
    const c = await convert(t);
    assert.deepEqual(
      c.table.schema.fields.map((f) => String(f.type)),
      ['Utf8', 'Utf8']
    );
    assert.deepEqual(values(c, 'large'), ['one', null, 'three']);
    assert.deepEqual(values(c, 'view'), ['short', 'a string longer than twelve bytes', null]);
  });

  it('converts Float16 to Float32', async () => {
    const half = arrow.makeData({
      type: new arrow.Float16(),
      length: 3,
      data: Uint16Array.from([0x3c00, 0xc000, 0x3555]),
    });
    const c = await convert(new arrow.Table({ h: arrow.makeVector(half) }));
    assert.equal(String(c.table.schema.fields[0].type), 'Float32');
    assert.deepEqual(values(c, 'h'), [1, -2, 0.33325195]);
  });

  for (const [unit, Type, raw, scale] of [
    ['s', arrow.TimestampSecond, [1_700_000_000n, -1n], 1_000_000_000n],
    ['ms', arrow.TimestampMillisecond, [1_700_000_000_123n, 0n], 1_000_000n],
    ['µs', arrow.TimestampMicrosecond, [1_700_000_000_123_456n, 5n], 1_000n],
    ['ns', arrow.TimestampNanosecond, [1_700_000_000_123_456_789n, 999n], 1n],
  ] as const) {
    for (const tz of [null, '+00:00', 'UTC']) {
      it(`converts Timestamp(${unit}${tz ? `, ${tz}` : ''}) to nanoseconds`, async () => {
        const data = arrow.makeData({
          type: new Type(tz),
          length: 3,
          data: BigInt64Array.from([...raw, 0n]),
          nullBitmap: bitmap([true, true, false]),
        });
        const c = await convert(new arrow.Table({ t: arrow.makeVector(data) }));
        const f = c.table.schema.fields[0];
        assert.equal(f.type.typeId, arrow.Type.Timestamp);
        assert.equal((f.type as arrow.Timestamp).unit, arrow.TimeUnit.NANOSECOND);
        const ns = c.table.getChildAt(0)!.data[0].values as unknown as BigInt64Array;
        assert.deepEqual(
          [ns[0], ns[1]],
          raw.map((v) => v * scale)
        );
        const expectedMs = raw.map((v) => {
          const n = v * scale;
          return Number(n / 1_000_000n - (n % 1_000_000n < 0n ? 1n : 0n));
        });
        assert.deepEqual(values(c, 't'), [...expectedMs, null]);
        assert.equal(fieldJson(c, 't').type, 'time');
      });
    }
  }

  it('marks timestamps beyond the nanosecond range as empty, with a notice', async () => {
    const data = arrow.makeData({
      type: new arrow.TimestampSecond(),
      length: 2,
      data: BigInt64Array.from([10_000_000_000n, 1n]),
    });
    const c = await convert(new arrow.Table({ far: arrow.makeVector(data) }));
    assert.deepEqual(values(c, 'far'), [null, 1000]);
    assert.match(c.notices.map((n) => n.text).join('\n'), /far \(1 value\)/);
    assert.equal(c.notices[0].severity, 'warning');
  });

  it('converts Date32 and Date64 to time', async () => {
    const d32 = arrow.makeData({ type: new arrow.DateDay(), length: 2, data: Int32Array.from([0, 19723]) });
    const d64 = arrow.makeData({
      type: new arrow.DateMillisecond(),
      length: 2,
      data: BigInt64Array.from([86_400_000n, 1_704_067_200_000n]),
    });
    const c = await convert(new arrow.Table({ d32: arrow.makeVector(d32), d64: arrow.makeVector(d64) }));
    assert.deepEqual(values(c, 'd32'), [0, 19723 * 86_400_000]);
    assert.deepEqual(values(c, 'd64'), [86_400_000, 1_704_067_200_000]);
    assert.deepEqual(
      c.json.schema.fields.map((f) => f.type),
      ['time', 'time']
    );
  });

  it('converts Duration to a number with its unit', async () => {
    const dur = arrow.makeData({
      type: new arrow.DurationMillisecond(),
      length: 2,
      data: BigInt64Array.from([1500n, 0n]),
    });
    const c = await convert(new arrow.Table({ d: arrow.makeVector(dur) }));
    assert.equal(String(c.table.schema.fields[0].type), 'Int64');
    assert.deepEqual(values(c, 'd'), [1500, 0]);
    assert.deepEqual(fieldJson(c, 'd').config, { unit: 'ms' });
  });

  it('hydrates Dictionary(Int32, Utf8) across batches with different dictionaries', async () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const schema = new arrow.Schema([field('exe', dictType), field('n', new arrow.Int32(), false)]);
    const dict1 = arrow.vectorFromArray(['alpha', 'beta'], new arrow.Utf8());
    const dict2 = arrow.vectorFromArray(['gamma', 'alpha', 'delta'], new arrow.Utf8());
    const b1 = arrow.makeData({ type: dictType, length: 3, data: Int32Array.from([1, 0, 1]), dictionary: dict1 });
    const b2 = arrow.makeData({
      type: dictType,
      length: 3,
      data: Int32Array.from([2, 0, 0]),
      dictionary: dict2,
      nullBitmap: bitmap([true, true, false]),
    });
    const n = (xs: number[]) =>
      arrow.makeData({ type: new arrow.Int32(), length: xs.length, data: Int32Array.from(xs) });
    const input = batchesOf(schema, { exe: b1, n: n([1, 2, 3]) }, { exe: b2, n: n([4, 5, 6]) });
    for (const source of [input, throughIpc(schema, input.batches)]) {
      const c = await convert(source);
      assert.equal(String(c.table.schema.fields[0].type), 'Utf8');
      assert.deepEqual(values(c, 'exe'), ['beta', 'alpha', 'beta', 'delta', 'gamma', null]);
      assert.deepEqual(values(c, 'n'), [1, 2, 3, 4, 5, 6]);
      assert.equal(fieldJson(c, 'exe').type, 'string');
    }
  });

  it('hydrates Dictionary(Int16, Utf8) with a null dictionary value and sliced indices', async () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int16());
    const dict = arrow.vectorFromArray(['a', null, 'ccc'], new arrow.Utf8());
    const data = arrow
      .makeData({ type: dictType, length: 5, data: Int16Array.from([0, 2, 1, 2, 0]), dictionary: dict })
      .slice(1, 3);
    const c = await convert(batchesOf(new arrow.Schema([field('k', dictType)]), { k: data }));
    assert.deepEqual(values(c, 'k'), ['ccc', null, 'ccc']);
  });

  it('decodes JSONB (Binary and Dictionary(Int32, Binary)) into JSON fields', async () => {
    const props: JsonValue[] = [
      { 'thread-name': 'main', pid: 42 },
      { nested: { a: [1, 2, { b: null }] }, big: 2n ** 60n },
      {},
    ];
    const binary = arrow.vectorFromArray(
      props.map((p) => encodeJsonb(p)),
      new arrow.Binary()
    );
    const dictType = new arrow.Dictionary(new arrow.Binary(), new arrow.Int32());
    const dictionary = arrow.vectorFromArray([encodeJsonb({ k: 'v' }), encodeJsonb([1, 'two'])], new arrow.Binary());
    const dictData = arrow.makeData({ type: dictType, length: 3, data: Int32Array.from([1, 0, 1]), dictionary });
    const events = arrow.vectorFromArray([encodeJsonb([{ name: 'e1' }]), null, encodeJsonb([])], new arrow.Binary());
    const schema = new arrow.Schema([
      field('properties', new arrow.Binary()),
      field('process_properties', dictType),
      field('events', new arrow.Binary()),
    ]);
    const c = await convert(
      batchesOf(schema, { properties: binary.data[0], process_properties: dictData, events: events.data[0] })
    );
    assert.deepEqual(
      c.json.schema.fields.map((f) => f.type),
      ['other', 'other', 'other']
    );
    assert.deepEqual(values(c, 'properties'), [
      { 'thread-name': 'main', pid: 42 },
      { nested: { a: [1, 2, { b: null }] }, big: 2 ** 60 },
      {},
    ]);
    assert.deepEqual(values(c, 'process_properties'), [[1, 'two'], { k: 'v' }, [1, 'two']]);
    assert.deepEqual(values(c, 'events'), [[{ name: 'e1' }], null, []]);
    // Exact big integers stay exact in the JSON text Grafana receives.
    const raw = c.table.getChild('properties')!.get(1) as Uint8Array;
    assert.match(Buffer.from(raw).toString(), /"big":1152921504606846976/);
    assert.deepEqual(c.notices, []);
  });

  it('shows non-JSONB binary as lowercase hex and says so', async () => {
    const hashes = arrow.vectorFromArray([Uint8Array.of(6), Uint8Array.of(0xab, 0x01), null], new arrow.Binary());
    const c = await convert(new arrow.Table({ file_schema_hash: hashes }));
    assert.deepEqual(values(c, 'file_schema_hash'), ['06', 'ab01', null]);
    assert.equal(fieldJson(c, 'file_schema_hash').type, 'string');
    assert.match(fieldJson(c, 'file_schema_hash').config?.description as string, /hex/);
    assert.match(c.notices.map((n) => n.text).join('\n'), /hex: file_schema_hash/);
  });

  it('keeps a JSONB column JSON when a value is corrupt, and says how many', async () => {
    const bad = Uint8Array.of(0x40, 0, 0, 9, 1, 2);
    const props = arrow.vectorFromArray([encodeJsonb({ a: 1 }), bad, encodeJsonb({ b: 2 })], new arrow.Binary());
    const c = await convert(new arrow.Table({ properties: props }));
    assert.deepEqual(values(c, 'properties'), [{ a: 1 }, '400000090102', { b: 2 }]);
    const notice = c.notices.find((n) => n.severity === 'warning');
    assert.match(notice?.text ?? '', /properties \(1 value\)/);
  });

  it('renders FixedSizeBinary ids as lowercase hex strings', async () => {
    const ids = new Uint8Array(32);
    ids.set([0xde, 0xad, 0xbe, 0xef], 0);
    ids.set([0x0a], 31);
    const data = arrow.makeData({ type: new arrow.FixedSizeBinary(16), length: 2, data: ids });
    const c = await convert(new arrow.Table({ trace_id: arrow.makeVector(data) }));
    assert.deepEqual(values(c, 'trace_id'), ['deadbeef000000000000000000000000', '0000000000000000000000000000000a']);
    assert.equal(fieldJson(c, 'trace_id').type, 'string');
  });

  it('renders List<Utf8>, Struct and Map as JSON text with a notice', async () => {
    const tags = arrow.vectorFromArray([['log', 'cpu'], [], null], new arrow.List(field('tag', new arrow.Utf8())));
    const st = arrow.vectorFromArray(
      [{ a: 1, b: 'x' }, { a: null, b: 'y' }, null],
      new arrow.Struct([field('a', new arrow.Int32()), field('b', new arrow.Utf8())])
    );
    const entries = new arrow.Struct<{ key: arrow.Utf8; value: arrow.Int64 }>([
      new arrow.Field('key', new arrow.Utf8(), false),
      new arrow.Field('value', new arrow.Int64(), true),
    ]);
    const mapType = new arrow.Map_(new arrow.Field('entries', entries, false));
    const m = arrow.vectorFromArray([new Map([['k', 1n]]), new Map(), null], mapType);
    const c = await convert(new arrow.Table({ tags, st, m }));
    assert.deepEqual(values(c, 'tags'), [['log', 'cpu'], [], null]);
    assert.deepEqual(values(c, 'st'), [{ a: 1, b: 'x' }, { a: null, b: 'y' }, null]);
    assert.deepEqual(values(c, 'm'), [{ k: 1 }, {}, null]);
    assert.deepEqual(
      c.json.schema.fields.map((f) => f.type),
      ['other', 'other', 'other']
    );
    assert.match(c.notices[0].text, /JSON text.*tags, st, m/);
  });

  it('hydrates Dictionary(Int32, List<Utf8>) to JSON', async () => {
    const listType = new arrow.List(field('item', new arrow.Utf8()));
    const dictType = new arrow.Dictionary(listType, new arrow.Int32());
    const dictionary = arrow.vectorFromArray([['a'], ['b', 'c']], listType);
    const data = arrow.makeData({ type: dictType, length: 3, data: Int32Array.from([1, 1, 0]), dictionary });
    const c = await convert(batchesOf(new arrow.Schema([field('keys', dictType)]), { keys: data }));
    assert.deepEqual(values(c, 'keys'), [['b', 'c'], ['b', 'c'], ['a']]);
  });

  it('converts Decimal to float64 with a notice, Null to a string of nulls, Time to text', async () => {
    const words = new Uint32Array(8);
    words[0] = 12345; // 123.45 at scale 2
    words[4] = 0xffffffff; // -1 → -0.01
    words[5] = 0xffffffff;
    words[6] = 0xffffffff;
    words[7] = 0xffffffff;
    const dec = arrow.makeData({ type: new arrow.Decimal(2, 10, 128), length: 2, data: words });
    const nul = arrow.makeData({ type: new arrow.Null(), length: 2 });
    const time = arrow.makeData({
      type: new arrow.TimeMillisecond(),
      length: 2,
      data: Int32Array.from([3_723_004, 0]),
    });
    const c = await convert(
      new arrow.Table({ d: arrow.makeVector(dec), z: arrow.makeVector(nul), t: arrow.makeVector(time) })
    );
    assert.deepEqual(values(c, 'd'), [123.45, -0.01]);
    assert.equal(String(c.table.schema.fields[0].type), 'Float64');
    assert.deepEqual(values(c, 'z'), [null, null]);
    assert.deepEqual(fieldJson(c, 'z').typeInfo, { frame: 'string', nullable: true });
    assert.deepEqual(values(c, 't'), ['01:02:03.004', '00:00:00']);
    assert.match(c.notices.map((n) => n.text).join('\n'), /Decimal.*: d/);
  });

  it('keeps zero-row results as frames with typed, empty fields', async () => {
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond('+00:00')),
      field('exe', new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      field('properties', new arrow.Binary()),
    ]);
    const c = await convert({ schema, batches: [] });
    assert.equal(c.rowCount, 0);
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type]),
      [
        ['time', 'time'],
        ['exe', 'string'],
        ['properties', 'other'],
      ]
    );
    assert.deepEqual(c.json.data.values, [[], [], []]);
  });

  it('handles sliced batches (as a row limit cuts them) for every kept and converted type', async () => {
    const dt = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const t = new arrow.Table({
      s: arrow.vectorFromArray(['a', null, 'c', 'd', null, 'f', 'g', 'h', 'i', 'j'], new arrow.Utf8()),
      n: arrow.vectorFromArray([0, 1, null, 3, 4, 5, null, 7, 8, 9], new arrow.Int32()),
      b: arrow.vectorFromArray([true, false, true, null, false, true, true, false, null, true], new arrow.Bool()),
      d: arrow.vectorFromArray(['x', 'y', 'x', 'z', 'y', 'x', null, 'z', 'y', 'x'], dt),
      ts: arrow.makeVector(
        arrow.makeData({
          type: new arrow.TimestampMillisecond(),
          length: 10,
          data: BigInt64Array.from({ length: 10 }, (_, k) => BigInt(k)),
        })
      ),
    });
    const sliced = t.batches[0].slice(3, 9);
    const c = await convert({ schema: t.schema, batches: [sliced] });
    assert.deepEqual(values(c, 's'), ['d', null, 'f', 'g', 'h', 'i']);
    assert.deepEqual(values(c, 'n'), [3, 4, 5, null, 7, 8]);
    assert.deepEqual(values(c, 'b'), [null, false, true, true, false, null]);
    assert.deepEqual(values(c, 'd'), ['z', 'y', 'x', null, 'z', 'y']);
    assert.deepEqual(values(c, 'ts'), [3, 4, 5, 6, 7, 8]);
  });

  it('renders times nested in lists as RFC 3339 text', async () => {
    const listType = new arrow.List(field('t', new arrow.TimestampMicrosecond()));
    const child = arrow.makeData({
      type: new arrow.TimestampMicrosecond(),
      length: 2,
      data: BigInt64Array.from([1_700_000_000_123_456n, 0n]),
    });
    const data = arrow.makeData({ type: listType, length: 1, valueOffsets: Int32Array.from([0, 2]), child });
    const c = await convert(new arrow.Table({ times: arrow.makeVector(data) }));
    assert.deepEqual(values(c, 'times'), [['2023-11-14T22:13:20.123456Z', '1970-01-01T00:00:00Z']]);
  });
});
