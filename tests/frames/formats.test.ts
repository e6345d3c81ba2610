// Formats: time series (long → wide with labels, already wide), logs, notices and meta.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { FrameFormatError, framesFromBatches } from '../../pkg/frames';
import { grafanaUnit } from '../../pkg/frames/units';
import { encodeJsonb } from '../../pkg/jsonb';

import { batchesOf, bitmap, convert, fieldJson, values } from './helpers';

const T0 = 1_700_000_000_000n; // ms
const ms = (k: number) => (T0 + BigInt(k) * 1000n) * 1_000_000n; // ns, k seconds after T0
const tsData = (ns: bigint[], type: arrow.Timestamp = new arrow.TimestampNanosecond('+00:00')) =>
  arrow.makeData({ type, length: ns.length, data: BigInt64Array.from(ns) });
const utf8 = (xs: Array<string | null>) => arrow.vectorFromArray(xs, new arrow.Utf8()).data[0];
const f64 = (xs: Array<number | null>) => arrow.vectorFromArray(xs, new arrow.Float64()).data[0];
const i64 = (xs: bigint[]) =>
  arrow.makeData({ type: new arrow.Int64(), length: xs.length, data: BigInt64Array.from(xs) });
const field = (name: string, type: arrow.DataType, nullable = false) => new arrow.Field(name, type, nullable);
const dictType = () => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
const dict = (type: arrow.Dictionary, dictionary: string[], idx: number[]) =>
  arrow.makeData({
    type,
    length: idx.length,
    data: Int32Array.from(idx),
    dictionary: arrow.vectorFromArray(dictionary, new arrow.Utf8()),
  });
const tMs = (k: number) => Number(T0) + k * 1000;

describe('time_series format', () => {
  it('turns long rows into one wide frame with labels, gaps as nulls, sorted by time', async () => {
    const dt = dictType();
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond('+00:00')),
      field('exe', dt),
      field('host', new arrow.Utf8()),
      field('value', new arrow.Float64(), true),
      field('count', new arrow.Int64()),
    ]);
    // Two batches, rows out of order: series (a, h1) at t0, t1; (b, h1) at t1, t2.
    const input = batchesOf(
      schema,
      {
        time: tsData([ms(1), ms(0)]),
        exe: dict(dt, ['a', 'b'], [0, 0]),
        host: utf8(['h1', 'h1']),
        value: f64([1.5, 0.5]),
        count: i64([2n, 1n]),
      },
      {
        time: tsData([ms(2), ms(1)]),
        exe: dict(dt, ['b'], [0, 0]),
        host: utf8(['h1', 'h1']),
        value: f64([3.5, null]),
        count: i64([4n, 3n]),
      }
    );
    const c = await convert(input, 'time_series');
    assert.equal(c.meta?.type, 'timeseries-wide');
    assert.deepEqual(c.meta?.typeVersion, [0, 1]);
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type, f.labels]),
      [
        ['time', 'time', undefined],
        ['value', 'number', { exe: 'a', host: 'h1' }],
        ['value', 'number', { exe: 'b', host: 'h1' }],
        ['count', 'number', { exe: 'a', host: 'h1' }],
        ['count', 'number', { exe: 'b', host: 'h1' }],
      ]
    );
    assert.deepEqual(c.json.data.values, [
      [tMs(0), tMs(1), tMs(2)],
      [0.5, 1.5, null],
      [null, null, 3.5], // (b, t1) is a null value; (b, t0) has no row
      [1, 2, null],
      [null, 3, 4],
    ]);
    assert.deepEqual(fieldJson(c, 'time').typeInfo, { frame: 'time.Time' });
    assert.equal(c.rowCount, 4);
  });

  it('keeps series apart when they change order between times, share a prefix or have an empty label', async () => {
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond('+00:00')),
      field('host', new arrow.Utf8(), true),
      field('v', new arrow.Int64()),
    ]);
    const c = await convert(
      batchesOf(schema, {
        time: tsData([ms(0), ms(0), ms(0), ms(1), ms(1), ms(1), ms(2), ms(2), ms(2)]),
        host: utf8(['a', 'b', null, 'b', 'a', '', 'a', 'ab', 'b']),
        v: i64([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]),
      }),
      'time_series'
    );
    assert.deepEqual(
      c.json.schema.fields.map((f) => f.labels),
      [undefined, { host: '' }, { host: 'a' }, { host: 'ab' }, { host: 'b' }]
    );
    assert.deepEqual(c.json.data.values, [
      [tMs(0), tMs(1), tMs(2)],
      [3, 6, null], // a null label and an empty one are the same series
      [1, 5, 7],
      [null, null, 8],
      [2, 4, 9],
    ]);
  });

  it('finds a time column not named time and sorts already-wide input', async () => {
    const schema = new arrow.Schema([
      field('cpu', new arrow.Float64()),
      field('bucket', new arrow.TimestampMillisecond()),
      field('mem', new arrow.Int32()),
    ]);
    const bucket = tsData([T0 + 2000n, T0, T0 + 1000n], new arrow.TimestampMillisecond());
    const mem = arrow.vectorFromArray([30, 10, 20], new arrow.Int32()).data[0];
    const c = await convert(batchesOf(schema, { cpu: f64([0.3, 0.1, 0.2]), bucket, mem }), 'time_series');
    assert.deepEqual(
      c.json.schema.fields.map((f) => f.name),
      ['bucket', 'cpu', 'mem']
    );
    assert.deepEqual(c.json.data.values, [
      [tMs(0), tMs(1), tMs(2)],
      [0.1, 0.2, 0.3],
      [10, 20, 30],
    ]);
    assert.equal(c.meta?.type, 'timeseries-wide');
  });

  it('fails with the columns found and what to do when there is no time column', async () => {
    const t = new arrow.Table({
      exe: arrow.vectorFromArray(['a'], new arrow.Utf8()),
      n: arrow.vectorFromArray([1], new arrow.Int32()),
    });
    await assert.rejects(
      framesFromBatches(t.schema, t.batches, { refId: 'A', format: 'time_series' }),
      (e: unknown) => {
        assert.ok(e instanceof FrameFormatError);
        assert.equal(e.errorSource, 'plugin');
        assert.match(e.message, /needs a timestamp column/);
        assert.match(e.message, /exe \(Utf8\), n \(Int32\)/);
        assert.match(e.message, /AS time/);
        assert.match(e.message, /format to Table/);
        return true;
      }
    );
  });

  it('turns booleans into numbers, keeps unique series, and reports repeats and left-out columns', async () => {
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond()),
      field('svc', new arrow.Utf8()),
      field('up', new arrow.Bool()),
      field('properties', new arrow.Binary()),
    ]);
    const up = arrow.vectorFromArray([true, false, true], new arrow.Bool()).data[0];
    const props = arrow.vectorFromArray([encodeJsonb({ a: 1 }), encodeJsonb({}), encodeJsonb({})], new arrow.Binary())
      .data[0];
    const c = await convert(
      batchesOf(schema, { time: tsData([ms(0), ms(0), ms(1)]), svc: utf8(['x', 'x', 'y']), up, properties: props }),
      'time_series'
    );
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type, f.labels]),
      [
        ['time', 'time', undefined],
        ['up', 'number', { svc: 'x' }],
        ['up', 'number', { svc: 'y' }],
      ]
    );
    assert.deepEqual(c.json.data.values.slice(1), [
      [0, null],
      [null, 1],
    ]);
    const texts = c.notices.map((n) => n.text).join('\n');
    assert.match(texts, /1 row\(s\) repeat a time/);
    assert.match(texts, /not included.*properties/);
  });

  it('leaves rows with an empty time out, with a notice', async () => {
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond(), true),
      field('v', new arrow.Float64()),
    ]);
    const time = arrow.makeData({
      type: new arrow.TimestampNanosecond(),
      length: 3,
      data: BigInt64Array.from([ms(1), 0n, ms(0)]),
      nullBitmap: bitmap([true, false, true]),
    });
    const c = await convert(batchesOf(schema, { time, v: f64([1, 2, 3]) }), 'time_series');
    assert.deepEqual(c.json.data.values, [
      [tMs(0), tMs(1)],
      [3, 1],
    ]);
    assert.match(c.notices[0].text, /1 row\(s\) with an empty time/);
  });

  it('gives a zero-row result a time field and the value fields', async () => {
    const schema = new arrow.Schema([field('time', new arrow.TimestampNanosecond()), field('v', new arrow.Float64())]);
    const c = await convert({ schema, batches: [] }, 'time_series');
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type]),
      [
        ['time', 'time'],
        ['v', 'number'],
      ]
    );
    assert.deepEqual(c.json.data.values, [[], []]);
  });
});

describe('logs format', () => {
  it('maps Micromegas log_entries columns to a log-lines frame', async () => {
    const dt = dictType();
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond('+00:00')),
      field('level', new arrow.Int32()),
      field('target', dt),
      field('exe', dt),
      field('msg', new arrow.Utf8()),
      field('process_id', new arrow.Utf8(), true),
      field('properties', new arrow.Binary()),
      field('line', new arrow.Int64()),
    ]);
    const levels = arrow.vectorFromArray([1, 2, 3, 4, 5, 6, 7], new arrow.Int32()).data[0];
    const n = 7;
    const times = Array.from({ length: n }, (_, k) => ms(n - k)); // newest first, as ORDER BY time DESC
    const c = await convert(
      batchesOf(schema, {
        time: tsData(times),
        level: levels,
        target: dict(dt, ['app', 'db'], [0, 1, 0, 1, 0, 1, 0]),
        exe: dict(dt, ['srv'], [0, 0, 0, 0, 0, 0, 0]),
        msg: utf8(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']),
        process_id: utf8(['p', 'p', null, 'p', 'p', 'p', 'p']),
        properties: arrow.vectorFromArray(
          Array.from({ length: n }, (_, k) => encodeJsonb({ k })),
          new arrow.Binary()
        ).data[0],
        line: i64([1n, 2n, 3n, 4n, 5n, 6n, 7n]),
      }),
      'logs',
      { executedQueryString: 'SELECT time, level, target, exe, msg FROM log_entries' }
    );
    assert.equal(c.meta?.type, 'log-lines');
    assert.deepEqual(c.meta?.typeVersion, [0, 0]);
    assert.equal(c.meta?.preferredVisualisationType, 'logs');
    assert.equal(c.meta?.executedQueryString, 'SELECT time, level, target, exe, msg FROM log_entries');
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.type]),
      [
        ['timestamp', 'time'],
        ['body', 'string'],
        ['severity', 'string'],
        ['id', 'string'],
        ['labels', 'other'],
        ['properties', 'other'],
        ['line', 'number'],
      ]
    );
    assert.deepEqual(
      values(c, 'timestamp'),
      times.map((t) => Number(t / 1_000_000n))
    );
    assert.deepEqual(values(c, 'body'), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    assert.deepEqual(values(c, 'severity'), ['critical', 'error', 'warning', 'info', 'debug', 'trace', 'unknown']);
    assert.deepEqual(values(c, 'labels')[0], { target: 'app', exe: 'srv', process_id: 'p' });
    assert.deepEqual(values(c, 'labels')[2], { target: 'app', exe: 'srv' });
    const ids = values(c, 'id') as string[];
    assert.equal(new Set(ids).size, n);
    assert.deepEqual(values(c, 'properties')[3], { k: 3 });
  });

  it('accepts already-aliased timestamp/body/severity and repeats get distinct ids', async () => {
    const schema = new arrow.Schema([
      field('timestamp', new arrow.TimestampMicrosecond()),
      field('body', new arrow.Utf8(), true),
      field('severity', new arrow.Utf8()),
    ]);
    const ts = tsData([T0 * 1000n, T0 * 1000n], new arrow.TimestampMicrosecond());
    const body = arrow.vectorFromArray(['same', null], new arrow.Utf8()).data[0];
    const c = await convert(batchesOf(schema, { timestamp: ts, body, severity: utf8(['warning', 'info']) }), 'logs');
    assert.deepEqual(values(c, 'body'), ['same', '']);
    assert.deepEqual(values(c, 'severity'), ['warning', 'info']);
    assert.deepEqual(values(c, 'labels'), [{}, {}]);
    const ids = values(c, 'id') as string[];
    assert.notEqual(ids[0], ids[1]);
  });

  it('fails clearly without a message column', async () => {
    const t = new arrow.Table({
      time: arrow.makeVector(tsData([ms(0)])),
      n: arrow.vectorFromArray([1], new arrow.Int32()),
    });
    await assert.rejects(framesFromBatches(t.schema, t.batches, { refId: 'A', format: 'logs' }), (e: unknown) => {
      assert.ok(e instanceof FrameFormatError);
      assert.match(e.message, /message column named "msg" or "body"/);
      assert.match(e.message, /time \(Timestamp\(ns, "\+00:00"\)\), n \(Int32\)/);
      return true;
    });
  });
});

describe('time_series units (Micromegas measures.unit)', () => {
  const schema = new arrow.Schema([
    field('time', new arrow.TimestampNanosecond('+00:00')),
    field('name', new arrow.Utf8()),
    field('unit', dictType()),
    field('value', new arrow.Float64()),
  ]);
  const rows = (names: string[], units: string[]) => {
    const dt = schema.fields[2].type as arrow.Dictionary;
    const distinct = [...new Set(units)];
    return batchesOf(schema, {
      time: tsData(names.map((_, k) => ms(k))),
      name: utf8(names),
      unit: dict(
        dt,
        distinct,
        units.map((u) => distinct.indexOf(u))
      ),
      value: f64(names.map((_, k) => k)),
    });
  };

  it('sets each series unit as its field config.unit and keeps unit out of the labels', async () => {
    const names = ['cpu', 'mem', 'rps', 'lat', 'lat_us', 'n', 'ticks', 'cpu', 'mem'];
    const units = ['percent', 'bytes', 'requests/s', 'ms', 'us', 'count', 'ticks', 'percent', 'bytes'];
    const c = await convert(rows(names, units), 'time_series');
    const byName = new Map(c.json.schema.fields.slice(1).map((f) => [f.labels?.name, f]));
    assert.deepEqual(
      [...byName].map(([name, f]) => [name, f.config?.unit, f.labels]),
      [
        ['cpu', 'percent', { name: 'cpu' }],
        ['lat', 'ms', { name: 'lat' }],
        ['lat_us', 'µs', { name: 'lat_us' }],
        ['mem', 'bytes', { name: 'mem' }],
        ['n', 'short', { name: 'n' }],
        ['rps', 'reqps', { name: 'rps' }],
        ['ticks', 'suffix:ticks', { name: 'ticks' }],
      ]
    );
    assert.deepEqual(c.notices, []);
  });

  it('maps the Micromegas unit names to Grafana unit ids', () => {
    const cases: Array<[string, string | undefined]> = [
      ['percent', 'percent'],
      ['bytes', 'bytes'],
      ['Bytes', 'bytes'],
      ['ms', 'ms'],
      ['us', 'µs'],
      ['µs', 'µs'],
      ['ns', 'ns'],
      ['s', 's'],
      ['seconds', 's'],
      ['count', 'short'],
      ['requests/s', 'reqps'],
      ['ticks', 'suffix:ticks'],
      ['', undefined],
    ];
    assert.deepEqual(
      cases.map(([u]) => [u, grafanaUnit(u)]),
      cases
    );
  });

  it('applies no unit to a series whose rows mix units, and says so', async () => {
    const c = await convert(rows(['io', 'io', 'cpu'], ['bytes', 'ms', 'percent']), 'time_series');
    const [io, cpu] = [
      c.json.schema.fields.find((f) => f.labels?.name === 'io'),
      c.json.schema.fields.find((f) => f.labels?.name === 'cpu'),
    ];
    assert.equal(io?.config?.unit, undefined);
    assert.equal(cpu?.config?.unit, 'percent');
    assert.match(c.notices.map((n) => n.text).join('\n'), /Series \{name=io\} mix units \(bytes, ms in column unit\)/);
  });

  it('already-wide rows with one unit: the unit column becomes the value unit', async () => {
    const wide = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond('+00:00')),
      field('unit', new arrow.Utf8()),
      field('value', new arrow.Float64()),
    ]);
    const input = batchesOf(wide, { time: tsData([ms(0), ms(1)]), unit: utf8(['ns', 'ns']), value: f64([1, 2]) });
    const c = await convert(input, 'time_series');
    assert.deepEqual(
      c.json.schema.fields.map((f) => [f.name, f.config?.unit]),
      [
        ['time', undefined],
        ['value', 'ns'],
      ]
    );
  });

  it('table format keeps the unit column as it is', async () => {
    const c = await convert(rows(['cpu', 'mem'], ['percent', 'bytes']), 'table');
    assert.deepEqual(values(c, 'unit'), ['percent', 'bytes']);
    assert.equal(fieldJson(c, 'value').config?.unit, undefined);
  });
});

describe('frame meta and notices', () => {
  it('writes options.custom to meta.custom', async () => {
    const custom = { queryRange: { begin: '2024-01-01T00:00:00.000Z', end: '2024-01-01T01:00:00.000Z' }, limit: 11 };
    const c = await convert(new arrow.Table({ n: arrow.vectorFromArray([1], new arrow.Int32()) }), 'table', { custom });
    assert.deepEqual(c.meta?.custom, custom);
    assert.equal(c.meta?.notices, undefined);
  });

  it('puts the caller notices first, then the converter notices, and the query text', async () => {
    const hashes = arrow.vectorFromArray([Uint8Array.of(1)], new arrow.Binary());
    const t = new arrow.Table({ h: hashes });
    const caller = { severity: 'warning' as const, text: 'Results limited to 1 row' };
    const c = await convert(t, 'table', { notices: [caller], executedQueryString: 'SELECT h', frameName: 'result' });
    assert.deepEqual(c.notices[0], caller);
    assert.equal(c.notices.length, 2);
    assert.deepEqual(c.meta?.notices, c.notices);
    assert.equal(c.meta?.executedQueryString, 'SELECT h');
    assert.equal(c.json.schema.name, 'result');
    assert.equal(c.json.schema.refId, 'A');
  });

  it('writes no notices key when there is nothing to say', async () => {
    const c = await convert(new arrow.Table({ n: arrow.vectorFromArray([1], new arrow.Int32()) }));
    assert.equal(c.meta?.notices, undefined);
  });
});

describe('time series size guard', () => {
  it('refuses a wide frame that would explode (many sparse series) with a clear error', async () => {
    const n = 5000; // 5000 series × 5000 times = 25M cells
    const schema = new arrow.Schema([
      field('time', new arrow.TimestampNanosecond()),
      field('id', new arrow.Utf8()),
      field('v', new arrow.Float64()),
    ]);
    const time = tsData(Array.from({ length: n }, (_, k) => ms(k)));
    const id = utf8(Array.from({ length: n }, (_, k) => `s${k}`));
    const v = f64(Array.from({ length: n }, (_, k) => k));
    const { batches } = batchesOf(schema, { time, id, v });
    await assert.rejects(framesFromBatches(schema, batches, { refId: 'A', format: 'time_series' }), (e: unknown) => {
      assert.ok(e instanceof FrameFormatError);
      assert.match(e.message, /5000 distinct label sets .* text columns id\) over 5000 distinct times/);
      assert.match(e.message, /format to Table/);
      return true;
    });
  });
});
