// DuckDB result chunks → Arrow record batches, column by column (typed arrays per
// chunk, never row objects). Also decides each output column's wire type:
//  - TIMESTAMPTZ → Timestamp(ns, "+00:00"); other timestamps → Timestamp(ns) (no tz),
//    as DataFusion's CAST(... AS TIMESTAMP).
//  - VARCHAR whose output name is a Dictionary(Int32, Utf8) column of a view the query
//    reads → Dictionary(Int32, Utf8) when preserve_dictionary, else Utf8.
//  - JSON-typed results (properties, jsonb_get, …) → JSONB bytes: Dictionary(Int32,
//    Binary) when preserve_dictionary, else Binary.
//  - VARCHAR[] → List<Utf8> (item field `tag` for tags columns, `item` otherwise).
//  - STRUCT → Struct, other LISTs → List<item> (DataFusion's item name), recursively, children
//    nullable; a struct with the histogram's entries gets the histogram type Micromegas declares.
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  RecordBatch,
  Schema,
  Struct,
  TimeUnit,
  Timestamp,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
  makeData,
  type Data,
  makeVector,
  type Vector,
} from 'apache-arrow';
import {
  DuckDBTypeId,
  type DuckDBDecimalType,
  type DuckDBType,
  type DuckDBVector,
  type DuckDBListType,
  type DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBStructValue,
  type DuckDBStructType,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';

import { encodeJsonb } from '../jsonb';
import { histogramArrowType, isHistogramStruct } from './histogram';
import { VIEW_BY_NAME } from './schema';

type Kind =
  | {
      k: 'fixed';
      ctor: NumericCtor;
      arrow: DataType;
      bigint?: 'ns-from-us' | 'ns-from-ms' | 'ns-from-s' | 'clamp64';
      decimalScale?: number;
      decimalWidth?: number;
    }
  | { k: 'bool' }
  | { k: 'utf8'; dict: boolean }
  | { k: 'jsonb'; dict: boolean }
  | { k: 'binary' }
  | { k: 'list-utf8'; item: string }
  | { k: 'nested'; arrow: DataType } // structs and lists, built from DuckDB values
  | { k: 'text' }; // anything else, rendered as text

type NumericCtor =
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint16ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

export interface OutputColumn {
  name: string;
  kind: Kind;
  field: Field;
}

const TS_TZ = new Timestamp(TimeUnit.NANOSECOND, '+00:00');
const TS = new Timestamp(TimeUnit.NANOSECOND);

function kindOf(type: DuckDBType, isDictName: boolean, preserve: boolean, name: string): Kind {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { k: 'bool' };
    case DuckDBTypeId.TINYINT:
      return { k: 'fixed', ctor: Int8Array, arrow: new Int8() };
    case DuckDBTypeId.SMALLINT:
      return { k: 'fixed', ctor: Int16Array, arrow: new Int16() };
    case DuckDBTypeId.INTEGER:
      return { k: 'fixed', ctor: Int32Array, arrow: new Int32() };
    case DuckDBTypeId.BIGINT:
      return { k: 'fixed', ctor: BigInt64Array, arrow: new Int64() };
    case DuckDBTypeId.HUGEINT:
      return { k: 'fixed', ctor: BigInt64Array, arrow: new Int64(), bigint: 'clamp64' };
    case DuckDBTypeId.UTINYINT:
      return { k: 'fixed', ctor: Uint8Array, arrow: new Uint8() };
    case DuckDBTypeId.USMALLINT:
      return { k: 'fixed', ctor: Uint16Array, arrow: new Uint16() };
    case DuckDBTypeId.UINTEGER:
      return { k: 'fixed', ctor: Uint32Array, arrow: new Uint32() };
    case DuckDBTypeId.UBIGINT:
      return { k: 'fixed', ctor: BigUint64Array, arrow: new Uint64() };
    case DuckDBTypeId.FLOAT:
      return { k: 'fixed', ctor: Float32Array, arrow: new Float32() };
    case DuckDBTypeId.DOUBLE:
      return { k: 'fixed', ctor: Float64Array, arrow: new Float64() };
    case DuckDBTypeId.DECIMAL:
      return {
        k: 'fixed',
        ctor: Float64Array,
        arrow: new Float64(),
        decimalScale: (type as DuckDBDecimalType).scale,
        decimalWidth: (type as DuckDBDecimalType).width,
      };
    case DuckDBTypeId.DATE:
      return { k: 'fixed', ctor: Int32Array, arrow: new DateDay() };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { k: 'fixed', ctor: BigInt64Array, arrow: TS_TZ, bigint: 'ns-from-us' };
    case DuckDBTypeId.TIMESTAMP:
      return { k: 'fixed', ctor: BigInt64Array, arrow: TS, bigint: 'ns-from-us' };
    case DuckDBTypeId.TIMESTAMP_MS:
      return { k: 'fixed', ctor: BigInt64Array, arrow: TS, bigint: 'ns-from-ms' };
    case DuckDBTypeId.TIMESTAMP_S:
      return { k: 'fixed', ctor: BigInt64Array, arrow: TS, bigint: 'ns-from-s' };
    case DuckDBTypeId.TIMESTAMP_NS:
      return { k: 'fixed', ctor: BigInt64Array, arrow: TS };
    case DuckDBTypeId.VARCHAR:
      if (type.alias === 'JSON') {
        return { k: 'jsonb', dict: preserve };
      }
      return { k: 'utf8', dict: preserve && isDictName };
    case DuckDBTypeId.BLOB:
      return { k: 'binary' };
    case DuckDBTypeId.LIST:
      if ((type as DuckDBListType).valueType.typeId === DuckDBTypeId.VARCHAR) {
        return { k: 'list-utf8', item: name === 'tags' || name === 'streams.tags' ? 'tag' : 'item' };
      }
      return { k: 'nested', arrow: nestedArrowType(type) };
    case DuckDBTypeId.STRUCT:
      return { k: 'nested', arrow: nestedArrowType(type) };
    default:
      return { k: 'text' };
  }
}

/** Arrow type of a value inside (or being) a struct or list: never a dictionary. */
function nestedArrowType(type: DuckDBType): DataType {
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const struct = type as DuckDBStructType;
    if (isHistogramStruct(struct.entryNames)) {
      return histogramArrowType();
    }
    return new Struct(struct.entryNames.map((n, i) => new Field(n, nestedArrowType(struct.entryTypes[i]!), true)));
  }
  if (type.typeId === DuckDBTypeId.LIST) {
    return new List(new Field('item', nestedArrowType((type as DuckDBListType).valueType), true));
  }
  return arrowType(kindOf(type, false, false, ''), 0);
}

function arrowType(kind: Kind, dictId: number): DataType {
  switch (kind.k) {
    case 'fixed':
      return kind.arrow;
    case 'bool':
      return new Bool();
    case 'utf8':
      return kind.dict ? new Dictionary(new Utf8(), new Int32(), dictId) : new Utf8();
    case 'jsonb':
      return kind.dict ? new Dictionary(new Binary(), new Int32(), dictId) : new Binary();
    case 'binary':
      return new Binary();
    case 'list-utf8':
      return new List(new Field(kind.item, new Utf8(), true));
    case 'nested':
      return kind.arrow;
    case 'text':
      return new Utf8();
  }
}

/** Output schema for a result: names and DuckDB types plus the views the query reads. */
export function outputColumns(
  names: string[],
  types: DuckDBType[],
  referenced: Set<string>,
  preserve: boolean,
  dictOutputs: Set<string> = new Set()
): OutputColumn[] {
  const viewColumns = [...referenced].flatMap((v) => VIEW_BY_NAME.get(v)?.columns ?? []);
  return names.map((name, i) => {
    const matches = viewColumns.filter((c) => c.name === name);
    const isDictName =
      matches.some((c) => c.kind === 'dict-utf8') || dictOutputs.has(name) || dictOutputs.has(name.toLowerCase());
    const kind = kindOf(types[i]!, isDictName, preserve, name);
    // Nullability follows the view column when the output is that column; computed values are nullable.
    const nullable = matches.length === 0 || matches.some((c) => c.nullable);
    return { name, kind, field: new Field(name, arrowType(kind, i), nullable) };
  });
}

export function arrowSchema(columns: OutputColumn[]): Schema {
  return new Schema(columns.map((c) => c.field));
}

// --- builders --------------------------------------------------------------

interface Builder {
  append(vector: DuckDBVector, n: number): void;
  /** Approximate bytes buffered, to bound message sizes. */
  bytes: number;
  rows: number;
  finish(): Data;
}

/** Private fields of DuckDB vectors we read directly (typed arrays over the chunk's memory). */
interface RawVector {
  items?: ArrayLike<number | bigint> & { subarray?: (a: number, b: number) => unknown };
  validity?: { data: BigUint64Array | null };
}

function validityBytes(vector: DuckDBVector): Uint8Array | null {
  const data = (vector as unknown as RawVector).validity?.data;
  if (!data) {
    return null;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

class Bitmap {
  private bytes = new Uint8Array(1024);
  length = 0;
  nulls = 0;
  push(valid: boolean): void {
    const i = this.length++;
    if (i >> 3 >= this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    if (valid) {
      this.bytes[i >> 3]! |= 1 << (i & 7);
    } else {
      this.nulls++;
    }
  }
  appendFrom(src: Uint8Array | null, n: number): void {
    for (let i = 0; i < n; i++) {
      this.push(src === null || ((src[i >> 3]! >> (i & 7)) & 1) === 1);
    }
  }
  result(): Uint8Array | undefined {
    return this.nulls === 0 ? undefined : this.bytes.slice(0, (this.length + 7) >> 3);
  }
}

class FixedBuilder implements Builder {
  private pieces: Array<ArrayLike<number | bigint>> = [];
  private valid = new Bitmap();
  rows = 0;
  bytes = 0;
  constructor(private readonly kind: Extract<Kind, { k: 'fixed' }>) {}
  append(vector: DuckDBVector, n: number): void {
    const items = (vector as unknown as RawVector).items;
    const ctor = this.kind.ctor;
    let piece: ArrayLike<number | bigint>;
    if (items && !this.kind.bigint && items.constructor === ctor) {
      // Copy: the chunk's memory is reused by DuckDB.
      piece = (items as unknown as Float64Array).slice(0, n);
    } else if (items && this.kind.bigint && items instanceof BigInt64Array) {
      const mul =
        this.kind.bigint === 'ns-from-us'
          ? 1000n
          : this.kind.bigint === 'ns-from-ms'
            ? 1_000_000n
            : this.kind.bigint === 'ns-from-s'
              ? 1_000_000_000n
              : 1n;
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = items[i]! * mul;
      }
      piece = out;
    } else if (this.kind.decimalScale !== undefined && (vector as unknown as { dataView?: DataView }).dataView) {
      // DECIMAL holds scaled little-endian integers (16/32/64/128 bits); dividing beats DuckDBDecimalValue.toDouble().
      const dv = (vector as unknown as { dataView: DataView }).dataView;
      const w = this.kind.decimalWidth!;
      const div = 10 ** this.kind.decimalScale;
      const out = new Float64Array(n);
      if (w <= 4) {
        for (let i = 0; i < n; i++) {
          out[i] = dv.getInt16(i * 2, true) / div;
        }
      } else if (w <= 9) {
        for (let i = 0; i < n; i++) {
          out[i] = dv.getInt32(i * 4, true) / div;
        }
      } else if (w <= 18) {
        for (let i = 0; i < n; i++) {
          out[i] = Number(dv.getBigInt64(i * 8, true)) / div;
        }
      } else {
        for (let i = 0; i < n; i++) {
          out[i] =
            (dv.getBigInt64(i * 16 + 8, true) === 0n
              ? Number(dv.getBigUint64(i * 16, true))
              : Number((dv.getBigInt64(i * 16 + 8, true) << 64n) | dv.getBigUint64(i * 16, true))) / div;
        }
      }
      piece = out;
    } else {
      piece = this.convertItems(vector, n);
    }
    this.pieces.push(piece);
    this.valid.appendFrom(validityBytes(vector), n);
    this.rows += n;
    this.bytes += n * (this.kind.ctor.BYTES_PER_ELEMENT ?? 8);
  }
  private convertItems(vector: DuckDBVector, n: number): ArrayLike<number | bigint> {
    const out = new this.kind.ctor(n);
    const big = out instanceof BigInt64Array || out instanceof BigUint64Array;
    for (let i = 0; i < n; i++) {
      const v = vector.getItem(i) as unknown;
      if (v === null || v === undefined) {
        continue;
      }
      if (big) {
        let b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
        if (this.kind.bigint === 'clamp64') {
          b = b > 0x7fffffffffffffffn ? 0x7fffffffffffffffn : b < -0x8000000000000000n ? -0x8000000000000000n : b;
        }
        (out as BigInt64Array)[i] = b;
      } else {
        const num =
          typeof v === 'object' && v !== null && 'toDouble' in v ? (v as { toDouble(): number }).toDouble() : Number(v);
        (out as Float64Array)[i] = num;
      }
    }
    return out;
  }
  finish(): Data {
    const out = new this.kind.ctor(this.rows);
    let offset = 0;
    for (const p of this.pieces) {
      (out as Float64Array).set(p as Float64Array, offset);
      offset += p.length;
    }
    return makeData({
      type: this.kind.arrow as Int32,
      length: this.rows,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      data: out as Int32Array,
    } as never);
  }
}

/** A Bool column from its validity and value bitmaps (all-true values when none was set). */
function boolData(length: number, valid: Bitmap, values: Bitmap): Data {
  return makeData({
    type: new Bool(),
    length,
    nullCount: valid.nulls,
    nullBitmap: valid.result(),
    data: values.result() ?? new Uint8Array((length + 7) >> 3).fill(0xff),
  });
}

class BoolBuilder implements Builder {
  private values = new Bitmap();
  private valid = new Bitmap();
  rows = 0;
  bytes = 0;
  append(vector: DuckDBVector, n: number): void {
    for (let i = 0; i < n; i++) {
      const v = vector.getItem(i);
      this.valid.push(v !== null);
      this.values.push(v === true);
    }
    this.rows += n;
    this.bytes += n / 8;
  }
  finish(): Data {
    return boolData(this.rows, this.valid, this.values);
  }
}

/** Variable-size values (utf8/binary), as byte chunks + offsets. */
class VarBuilder {
  private chunks: Uint8Array[] = [];
  private offsets: number[] = [0];
  private total = 0;
  readonly valid = new Bitmap();
  get length(): number {
    return this.offsets.length - 1;
  }
  get byteLength(): number {
    return this.total;
  }
  push(bytes: Uint8Array | null): void {
    this.valid.push(bytes !== null);
    if (bytes) {
      this.chunks.push(bytes);
      this.total += bytes.length;
    }
    this.offsets.push(this.total);
  }
  /** Appends many strings at once: one UTF-8 encode of their concatenation. */
  pushStrings(values: Array<string | null>): void {
    const joined = values.map((v) => v ?? '').join('');
    const buf = Buffer.from(joined, 'utf8');
    const ascii = buf.length === joined.length;
    let pos = this.total;
    for (const v of values) {
      this.valid.push(v !== null);
      if (v) {
        pos += ascii ? v.length : Buffer.byteLength(v, 'utf8');
      }
      this.offsets.push(pos);
    }
    this.chunks.push(buf);
    this.total += buf.length;
  }
  parts(): { valueOffsets: Int32Array; data: Uint8Array } {
    const data = new Uint8Array(this.total);
    let o = 0;
    for (const c of this.chunks) {
      data.set(c, o);
      o += c.length;
    }
    return { valueOffsets: Int32Array.from(this.offsets), data };
  }
  finish(type: Utf8 | Binary): Data {
    return makeData({
      type,
      length: this.length,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      ...this.parts(),
    } as never);
  }
}

function stringsOf(vector: DuckDBVector, n: number): Array<string | null> {
  const out = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    out[i] = vector.getItem(i) as string | null;
  }
  return out;
}

/**
 * Dictionary state for one column of one stream: values only grow, so indices sent in
 * earlier batches stay valid when the dictionary is re-sent with later batches.
 */
class DictBuilder implements Builder {
  private index = new Map<string, number>();
  private dictValues: Array<Uint8Array | string> = [];
  private indices: number[] = [];
  private valid = new Bitmap();
  rows = 0;
  bytes = 0;
  constructor(
    private readonly type: Dictionary,
    private readonly toValue: (text: string) => Uint8Array | string
  ) {}
  append(vector: DuckDBVector, n: number): void {
    for (let i = 0; i < n; i++) {
      const text = vector.getItem(i) as string | null;
      this.valid.push(text !== null);
      if (text === null) {
        this.indices.push(0);
        continue;
      }
      let idx = this.index.get(text);
      if (idx === undefined) {
        idx = this.dictValues.length;
        this.index.set(text, idx);
        this.dictValues.push(this.toValue(text));
        this.bytes += text.length;
      }
      this.indices.push(idx);
    }
    this.rows += n;
    this.bytes += n * 4;
  }
  finish(): Data {
    const values = new VarBuilder();
    for (const v of this.dictValues) {
      values.push(typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
    }
    const dictionary: Vector = makeVector(values.finish(this.type.dictionary as Utf8 | Binary));
    const data = makeData({
      type: this.type,
      length: this.rows,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      data: Int32Array.from(this.indices),
      dictionary,
    } as never);
    // The next batch starts with no rows but keeps the dictionary.
    this.indices = [];
    this.valid = new Bitmap();
    this.rows = 0;
    this.bytes = 0;
    return data;
  }
}

class StringBuilder implements Builder {
  private values = new VarBuilder();
  rows = 0;
  bytes = 0;
  constructor(
    private readonly type: Utf8 | Binary,
    private readonly mode: 'utf8' | 'jsonb' | 'binary' | 'text'
  ) {}
  append(vector: DuckDBVector, n: number): void {
    if (this.mode === 'utf8') {
      this.values.pushStrings(stringsOf(vector, n));
    } else {
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i) as unknown;
        if (v === null) {
          this.values.push(null);
        } else if (this.mode === 'jsonb') {
          this.values.push(encodeJsonb(JSON.parse(v as string)));
        } else if (this.mode === 'binary') {
          this.values.push((v as { bytes: Uint8Array }).bytes);
        } else {
          this.values.push(Buffer.from(String(v), 'utf8'));
        }
      }
    }
    this.rows += n;
    this.bytes = this.values.byteLength + this.rows * 4;
  }
  finish(): Data {
    const data = this.values.finish(this.type);
    this.values = new VarBuilder();
    this.rows = 0;
    this.bytes = 0;
    return data;
  }
}

class ListUtf8Builder implements Builder {
  private offsets: number[] = [0];
  private valid = new Bitmap();
  private child = new VarBuilder();
  rows = 0;
  bytes = 0;
  constructor(private readonly type: List) {}
  append(vector: DuckDBVector, n: number): void {
    const list = vector as unknown as {
      getEntryOffset(i: number): number;
      getEntryLength(i: number): number;
      childVector: DuckDBVector;
      getItem(i: number): unknown;
    };
    for (let i = 0; i < n; i++) {
      const isNull = list.getItem(i) === null;
      this.valid.push(!isNull);
      if (!isNull) {
        const off = list.getEntryOffset(i);
        const len = list.getEntryLength(i);
        for (let j = 0; j < len; j++) {
          const s = list.childVector.getItem(off + j) as string | null;
          this.child.push(s === null ? null : Buffer.from(s, 'utf8'));
        }
      }
      this.offsets.push(this.child.length);
    }
    this.rows += n;
    this.bytes = this.child.byteLength + this.rows * 8;
  }
  finish(): Data {
    const child = this.child.finish(new Utf8());
    const data = makeData({
      type: this.type,
      length: this.rows,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      valueOffsets: Int32Array.from(this.offsets),
      child,
    } as never);
    this.offsets = [0];
    this.valid = new Bitmap();
    this.child = new VarBuilder();
    this.rows = 0;
    this.bytes = 0;
    return data;
  }
}

// --- nested values (structs, lists) -----------------------------------------
// Built from DuckDB's values (getItem) rather than raw vectors: list children are not laid
// out row by row, and struct/list results are small (e.g. one histogram per time bin).

interface ValueBuilder {
  readonly length: number;
  push(v: DuckDBValue | null): void;
  finish(): Data;
}

const I64_MAX = 0x7fffffffffffffffn;
const I64_MIN = -0x8000000000000000n;
const U64_MAX = 0xffffffffffffffffn;

function toNumber(v: DuckDBValue): number {
  if (v instanceof DuckDBDecimalValue) {
    return v.toDouble();
  }
  if (v instanceof DuckDBDateValue) {
    return v.days;
  }
  return Number(v);
}

/** Int64/UInt64 values clamped to their range; timestamps in nanoseconds. */
function toBigInt(v: DuckDBValue, unsigned: boolean): bigint {
  let b: bigint;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) {
    b = v.micros * 1000n;
  } else if (v instanceof DuckDBTimestampMillisecondsValue) {
    b = v.millis * 1_000_000n;
  } else if (v instanceof DuckDBTimestampSecondsValue) {
    b = v.seconds * 1_000_000_000n;
  } else if (v instanceof DuckDBTimestampNanosecondsValue) {
    b = v.nanos;
  } else if (typeof v === 'bigint') {
    b = v;
  } else {
    b = BigInt(Math.trunc(toNumber(v)));
  }
  const [lo, hi] = unsigned ? [0n, U64_MAX] : [I64_MIN, I64_MAX];
  return b < lo ? lo : b > hi ? hi : b;
}

class StructValues implements ValueBuilder {
  private valid = new Bitmap();
  private children: ValueBuilder[];
  constructor(private readonly type: Struct) {
    this.children = type.children.map((f) => valueBuilder(f.type));
  }
  get length(): number {
    return this.valid.length;
  }
  push(v: DuckDBValue | null): void {
    this.valid.push(v !== null);
    const entries = v instanceof DuckDBStructValue ? v.entries : {};
    this.type.children.forEach((f, i) => this.children[i]!.push(entries[f.name] ?? null));
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      children: this.children.map((c) => c.finish()),
    });
  }
}

class ListValues implements ValueBuilder {
  private valid = new Bitmap();
  private offsets: number[] = [0];
  private child: ValueBuilder;
  constructor(private readonly type: List) {
    this.child = valueBuilder(type.children[0]!.type);
  }
  get length(): number {
    return this.valid.length;
  }
  push(v: DuckDBValue | null): void {
    this.valid.push(v !== null);
    if (v instanceof DuckDBListValue) {
      v.items.forEach((item) => this.child.push(item));
    }
    this.offsets.push(this.child.length);
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      valueOffsets: Int32Array.from(this.offsets),
      child: this.child.finish(),
    });
  }
}

/** Utf8 (other values as their text) or Binary (JSON as JSONB, BLOB bytes). */
class VarValues implements ValueBuilder {
  private values = new VarBuilder();
  constructor(private readonly type: Utf8 | Binary) {}
  get length(): number {
    return this.values.length;
  }
  push(v: DuckDBValue | null): void {
    if (v === null) {
      this.values.push(null);
    } else if (DataType.isBinary(this.type)) {
      this.values.push(typeof v === 'string' ? encodeJsonb(JSON.parse(v)) : (v as { bytes: Uint8Array }).bytes);
    } else {
      this.values.push(Buffer.from(String(v), 'utf8'));
    }
  }
  finish(): Data {
    return this.values.finish(this.type);
  }
}

class BoolValues implements ValueBuilder {
  private values = new Bitmap();
  private valid = new Bitmap();
  get length(): number {
    return this.valid.length;
  }
  push(v: DuckDBValue | null): void {
    this.valid.push(v !== null);
    this.values.push(v === true);
  }
  finish(): Data {
    return boolData(this.length, this.valid, this.values);
  }
}

/** Integers, floats, dates, timestamps: one typed array. */
class FixedValues implements ValueBuilder {
  private values: Array<number | bigint> = [];
  private valid = new Bitmap();
  private readonly big: boolean;
  constructor(private readonly type: DataType) {
    const ctor = type.ArrayType as unknown;
    this.big = ctor === BigInt64Array || ctor === BigUint64Array;
  }
  get length(): number {
    return this.valid.length;
  }
  push(v: DuckDBValue | null): void {
    this.valid.push(v !== null);
    if (v === null) {
      this.values.push(this.big ? 0n : 0);
    } else {
      this.values.push(this.big ? toBigInt(v, this.type.ArrayType === BigUint64Array) : toNumber(v));
    }
  }
  finish(): Data {
    const ctor = this.type.ArrayType as unknown as { from(values: Array<number | bigint>): ArrayLike<number> };
    return makeData({
      type: this.type as Int32,
      length: this.length,
      nullCount: this.valid.nulls,
      nullBitmap: this.valid.result(),
      data: ctor.from(this.values) as Int32Array,
    });
  }
}

function valueBuilder(type: DataType): ValueBuilder {
  if (DataType.isStruct(type)) {
    return new StructValues(type);
  }
  if (DataType.isList(type)) {
    return new ListValues(type);
  }
  if (DataType.isUtf8(type) || DataType.isBinary(type)) {
    return new VarValues(type);
  }
  if (DataType.isBool(type)) {
    return new BoolValues();
  }
  return new FixedValues(type);
}

class NestedBuilder implements Builder {
  private values: ValueBuilder;
  rows = 0;
  bytes = 0;
  constructor(private readonly type: DataType) {
    this.values = valueBuilder(type);
  }
  append(vector: DuckDBVector, n: number): void {
    for (let i = 0; i < n; i++) {
      const v = vector.getItem(i);
      this.values.push(v);
      // A rough size (the nested builders do not track bytes): enough to bound message sizes.
      this.bytes += v === null ? 1 : 16 + String(v).length;
    }
    this.rows += n;
  }
  finish(): Data {
    const data = this.values.finish();
    this.values = valueBuilder(this.type);
    this.rows = 0;
    this.bytes = 0;
    return data;
  }
}

function makeBuilder(col: OutputColumn): Builder {
  const kind = col.kind;
  const type = col.field.type;
  switch (kind.k) {
    case 'fixed':
      return new FixedBuilder(kind);
    case 'bool':
      return new BoolBuilder();
    case 'utf8':
      return kind.dict ? new DictBuilder(type as Dictionary, (t) => t) : new StringBuilder(type as Utf8, 'utf8');
    case 'jsonb':
      return kind.dict
        ? new DictBuilder(type as Dictionary, (t) => encodeJsonb(JSON.parse(t)))
        : new StringBuilder(type as Binary, 'jsonb');
    case 'binary':
      return new StringBuilder(type as Binary, 'binary');
    case 'list-utf8':
      return new ListUtf8Builder(type as List);
    case 'nested':
      return new NestedBuilder(type);
    case 'text':
      return new StringBuilder(type as Utf8, 'text');
  }
}

/** Accumulates DuckDB chunks into Arrow record batches for one result stream. */
export class BatchAssembler {
  private builders: Builder[] = [];
  private pendingRows = 0;
  constructor(
    private readonly columns: OutputColumn[],
    private readonly schema: Schema
  ) {
    this.reset();
  }
  private reset(): void {
    // Fixed-width and list builders are cheap to recreate; dictionary builders keep their state.
    this.builders = this.columns.map((col, i) =>
      this.builders[i] instanceof DictBuilder ? this.builders[i]! : makeBuilder(col)
    );
  }
  get rows(): number {
    return this.pendingRows;
  }
  get bytes(): number {
    return this.builders.reduce((sum, b) => sum + b.bytes, 0);
  }
  append(chunk: DuckDBDataChunk): void {
    const n = chunk.rowCount;
    for (let i = 0; i < this.builders.length; i++) {
      this.builders[i]!.append(chunk.getColumnVector(i), n);
    }
    this.pendingRows += n;
  }
  /** Emits everything appended so far as one batch. */
  flush(): RecordBatch {
    const length = this.pendingRows;
    const children = this.builders.map((b) => b.finish());
    this.pendingRows = 0;
    this.reset();
    return new RecordBatch(
      this.schema,
      makeData({ type: new Struct(this.schema.fields), length, nullCount: 0, children })
    );
  }
}
