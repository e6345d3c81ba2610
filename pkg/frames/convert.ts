// Type mapping: every Arrow type Micromegas can emit → one of the types Grafana
// decodes (its SDK's data package). Column at a time; types that already fit keep the
// incoming buffers (zero-copy), only dictionary hydration, JSONB decoding and the
// non-native types copy.
import * as arrow from 'apache-arrow';

import {
  allNullUtf8,
  ByteSink,
  concatData,
  fixedData,
  gather,
  getBit,
  isValid,
  newBitmap,
  setBit,
  validityFromZero,
  varBinaryData,
  VarBinaryBuilder,
} from './buffers';
import { toHex, writeHex } from './hex';
import { decimalAt, decimalText, float16ToNumber, jsonAt } from './json-value';
import { jsonbToJson } from './jsonb';
import type { FieldConfig, FieldType } from './model';
import type { Notes } from './notes';
import { INT64_MAX, NS_PER_DAY, NS_PER_UNIT, UNIT_SUFFIX } from './time';

/** How one Arrow type becomes a Grafana-decodable type. */
export interface Mapper {
  readonly tstype: FieldType;
  /** The output Arrow type (may be settled by the first batch for opaque binary). */
  readonly outType: arrow.DataType;
  readonly config?: FieldConfig;
  convert(data: arrow.Data): arrow.Data;
  /**
   * Converts cell by cell (JSON text, hex, JSONB): costly per row, so a large batch is
   * converted in row ranges with pauses between them (columns.ts). Such a mapper gives
   * the same bytes for a batch as for its ranges concatenated.
   */
  readonly perRow?: boolean;
  /** Sees the whole batch before it is converted in ranges (a decision on its first values). */
  prepare?(data: arrow.Data): void;
}

interface Ctx {
  column: string;
  notes: Notes;
}

const UTF8 = new arrow.Utf8();
const BINARY = new arrow.Binary();
const FLOAT64 = new arrow.Float64();
const FLOAT32 = new arrow.Float32();
const INT64 = new arrow.Int64();
const TIME_NS = new arrow.TimestampNanosecond();

/** Column names Micromegas uses for JSONB values (used when no value can be sniffed). */
const JSONB_NAME = /(^|[._])(properties|process_properties|events|links)$|jsonb/i;

function passthrough(tstype: FieldType, outType: arrow.DataType, config?: FieldConfig): Mapper {
  return { tstype, outType, config, convert: (data) => data.clone(outType) };
}

/** Per-cell conversion into Utf8/Binary, for the types with no columnar shortcut. */
function perCell(
  tstype: FieldType,
  outType: arrow.Utf8 | arrow.Binary,
  cell: (data: arrow.Data, i: number) => string,
  config?: FieldConfig
): Mapper {
  return {
    tstype,
    outType,
    config,
    perRow: true,
    convert(data) {
      const builder = new VarBinaryBuilder(data.length, data.length * 16);
      for (let i = 0; i < data.length; i++) {
        if (isValid(data, i)) {
          builder.pushString(cell(data, i));
        } else {
          builder.pushNull();
        }
      }
      return builder.finish(outType);
    },
  };
}

function timestampMapper(unit: arrow.TimeUnit, ctx: Ctx): Mapper {
  if (unit === arrow.TimeUnit.NANOSECOND) {
    return passthrough('time', TIME_NS);
  }
  const factor = NS_PER_UNIT[unit];
  return {
    tstype: 'time',
    outType: TIME_NS,
    convert(data) {
      const src = data.values as unknown as BigInt64Array;
      return scaleToNs(data, (i) => src[i], factor, ctx);
    },
  };
}

function dateMapper(unit: arrow.DateUnit, ctx: Ctx): Mapper {
  return {
    tstype: 'time',
    outType: TIME_NS,
    convert(data) {
      if (unit === arrow.DateUnit.DAY) {
        const days = data.values as Int32Array;
        return scaleToNs(data, (i) => BigInt(days[i]), NS_PER_DAY, ctx);
      }
      const ms = data.values as unknown as BigInt64Array;
      return scaleToNs(data, (i) => ms[i], 1_000_000n, ctx);
    },
  };
}

/** Multiplies int64 values into nanoseconds; values that would overflow become null. */
function scaleToNs(data: arrow.Data, read: (i: number) => bigint, factor: bigint, ctx: Ctx): arrow.Data {
  const n = data.length;
  const out = new BigInt64Array(n);
  const limit = INT64_MAX / factor;
  let validity = validityFromZero(data);
  let nulls = data.nullCount;
  let overflow = 0;
  for (let i = 0; i < n; i++) {
    if (nulls > 0 && !isValid(data, i)) {
      continue;
    }
    const v = read(i);
    if (v > limit || v < -limit) {
      if (!validity || validity === data.nullBitmap) {
        validity = copyOrAllValid(validity, n);
      }
      validity[i >> 3] &= ~(1 << (i & 7));
      overflow++;
      continue;
    }
    out[i] = v * factor;
  }
  if (overflow > 0) {
    ctx.notes.add('time-overflow', ctx.column, overflow);
  }
  nulls += overflow;
  return fixedData(TIME_NS, out, n, validity, nulls);
}

function copyOrAllValid(validity: Uint8Array | undefined, n: number): Uint8Array {
  if (validity) {
    return validity.slice();
  }
  return new Uint8Array((n + 7) >> 3).fill(0xff);
}

function durationMapper(unit: arrow.TimeUnit): Mapper {
  return passthrough('number', INT64, { unit: UNIT_SUFFIX[unit] });
}

function float16Mapper(): Mapper {
  return {
    tstype: 'number',
    outType: FLOAT32,
    convert(data) {
      const src = data.values as Uint16Array;
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        out[i] = float16ToNumber(src[i]);
      }
      return fixedData(FLOAT32, out, data.length, validityFromZero(data), data.nullCount);
    },
  };
}

function decimalMapper(type: arrow.Decimal, ctx: Ctx): Mapper {
  ctx.notes.add('decimal', ctx.column);
  return {
    tstype: 'number',
    outType: FLOAT64,
    convert(data) {
      const out = new Float64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        if (isValid(data, i)) {
          out[i] = Number(decimalText(decimalAt(data as arrow.Data<arrow.Decimal>, i), type.scale));
        }
      }
      return fixedData(FLOAT64, out, data.length, validityFromZero(data), data.nullCount);
    },
  };
}

/** LargeUtf8 → Utf8: rebase the 64-bit offsets to 32 bits, keep the value bytes. */
function largeUtf8Mapper(): Mapper {
  return {
    tstype: 'string',
    outType: UTF8,
    convert(data) {
      const offsets = data.valueOffsets as unknown as BigInt64Array;
      const base = offsets[0];
      const total = Number(offsets[data.length] - base);
      if (total > 0x7fffffff) {
        throw new Error('a LargeUtf8 column holds more than 2 GiB in one batch; Grafana cannot decode it');
      }
      const out = new Int32Array(data.length + 1);
      for (let i = 0; i <= data.length; i++) {
        out[i] = Number(offsets[i] - base);
      }
      const values = (data.values as Uint8Array).subarray(Number(base), Number(base) + total);
      return varBinaryData(UTF8, out, values, validityFromZero(data), data.nullCount);
    },
  };
}

function fixedSizeBinaryHex(width: number): Mapper {
  return {
    tstype: 'string',
    outType: UTF8,
    config: { description: 'bytes shown as lowercase hex' },
    convert(data) {
      const n = data.length;
      const src = data.values as Uint8Array;
      const offsets = new Int32Array(n + 1);
      const out = new Uint8Array(n * width * 2);
      let p = 0;
      for (let i = 0; i < n; i++) {
        p = writeHex(src, i * width, (i + 1) * width, out, p);
        offsets[i + 1] = p;
      }
      return varBinaryData(UTF8, offsets, out, validityFromZero(data), data.nullCount);
    },
  };
}

/**
 * Binary: Micromegas JSONB (properties, events, links, jsonb_* results) becomes JSON
 * text; anything else becomes lowercase hex. The first values decide; the column
 * name decides when there is no value yet.
 */
function binaryMapper(ctx: Ctx): Mapper {
  let mode: 'jsonb' | 'hex' | undefined;
  let invalid = 0;
  const byName = JSONB_NAME.test(ctx.column);
  const bytesAt = (data: arrow.Data, i: number): Uint8Array => {
    if (data.type.typeId === arrow.Type.BinaryView) {
      return arrow.makeVector(data).get(i) as Uint8Array;
    }
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    return (data.values as Uint8Array).subarray(Number(offsets[i]), Number(offsets[i + 1]));
  };
  const decide = (data: arrow.Data): void => {
    if (mode) {
      return;
    }
    let seen = 0;
    let good = 0;
    for (let i = 0; i < data.length && seen < 16; i++) {
      if (!isValid(data, i)) {
        continue;
      }
      seen++;
      if (jsonbToJson(bytesAt(data, i)) !== undefined) {
        good++;
      }
    }
    if (seen === 0) {
      return; // decide on a later batch
    }
    mode = good === seen || (byName && good > 0) ? 'jsonb' : 'hex';
    if (mode === 'hex') {
      ctx.notes.add('hex', ctx.column);
    }
  };
  return {
    get tstype(): FieldType {
      return (mode ?? (byName ? 'jsonb' : 'hex')) === 'jsonb' ? 'other' : 'string';
    },
    get outType(): arrow.DataType {
      return (mode ?? (byName ? 'jsonb' : 'hex')) === 'jsonb' ? BINARY : UTF8;
    },
    get config(): FieldConfig | undefined {
      return (mode ?? (byName ? 'jsonb' : 'hex')) === 'hex'
        ? { description: 'bytes shown as lowercase hex' }
        : undefined;
    },
    perRow: true,
    prepare: decide,
    convert(data) {
      decide(data);
      const jsonb = (mode ?? (byName ? 'jsonb' : 'hex')) === 'jsonb';
      const builder = new VarBinaryBuilder(data.length, data.length * 32);
      for (let i = 0; i < data.length; i++) {
        if (!isValid(data, i)) {
          builder.pushNull();
          continue;
        }
        const bytes = bytesAt(data, i);
        if (!jsonb) {
          builder.pushString(toHex(bytes));
          continue;
        }
        const json = jsonbToJson(bytes);
        if (json === undefined) {
          invalid++;
          builder.pushString(JSON.stringify(toHex(bytes)));
        } else {
          builder.pushString(json);
        }
      }
      if (invalid > 0) {
        ctx.notes.add('jsonb-invalid', ctx.column, invalid);
        invalid = 0;
      }
      return builder.finish(jsonb ? BINARY : UTF8);
    },
  };
}

/** Binary values nested in lists/structs: JSONB as JSON, otherwise a hex JSON string. */
function nestedBinaryJson(bytes: Uint8Array): string {
  return jsonbToJson(bytes) ?? JSON.stringify(toHex(bytes));
}

function jsonMapper(ctx: Ctx): Mapper {
  ctx.notes.add('json-text', ctx.column);
  return perCell('other', BINARY, (data, i) => jsonAt(data, i, nestedBinaryJson));
}

/** Dictionary → its value type, hydrated: each dictionary is converted once, then gathered. */
function dictionaryMapper(type: arrow.Dictionary, ctx: Ctx): Mapper {
  const values = mapperFor(type.dictionary, ctx);
  const cache = new WeakMap<arrow.Vector, arrow.Data>();
  return {
    get tstype() {
      return values.tstype;
    },
    get outType() {
      return values.outType;
    },
    get config() {
      return values.config;
    },
    convert(data) {
      const dictionary = data.dictionary;
      if (!dictionary) {
        throw new Error(`column ${ctx.column}: dictionary batch missing`);
      }
      let converted = cache.get(dictionary);
      if (!converted) {
        converted = concatData(dictionary.data.map((chunk) => values.convert(chunk)));
        cache.set(dictionary, converted);
      }
      return gather(converted, data);
    },
  };
}

export function mapperFor(type: arrow.DataType, ctx: Ctx): Mapper {
  switch (type.typeId) {
    case arrow.Type.Int:
      return passthrough('number', type);
    case arrow.Type.Float:
      return (type as arrow.Float).precision === arrow.Precision.HALF ? float16Mapper() : passthrough('number', type);
    case arrow.Type.Bool:
      return passthrough('boolean', type);
    case arrow.Type.Utf8:
      return passthrough('string', UTF8);
    case arrow.Type.LargeUtf8:
      return largeUtf8Mapper();
    case arrow.Type.Utf8View:
      return perCell('string', UTF8, (data, i) => arrow.makeVector(data).get(i) as string);
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
    case arrow.Type.BinaryView:
      return binaryMapper(ctx);
    case arrow.Type.FixedSizeBinary:
      return fixedSizeBinaryHex((type as arrow.FixedSizeBinary).byteWidth);
    case arrow.Type.Timestamp:
      return timestampMapper((type as arrow.Timestamp).unit, ctx);
    case arrow.Type.Date:
      return dateMapper((type as arrow.Date_).unit, ctx);
    case arrow.Type.Time:
      return perCell('string', UTF8, (data, i) => JSON.parse(jsonAt(data, i, nestedBinaryJson)) as string);
    case arrow.Type.Duration:
      return durationMapper((type as arrow.Duration).unit);
    case arrow.Type.Decimal:
      return decimalMapper(type as arrow.Decimal, ctx);
    case arrow.Type.Null:
      return { tstype: 'string', outType: UTF8, convert: (data) => allNullUtf8(data.length) };
    case arrow.Type.Dictionary:
      return dictionaryMapper(type as arrow.Dictionary, ctx);
    default:
      // List, LargeList, FixedSizeList, Struct, Map, Union, Interval, …
      return jsonMapper(ctx);
  }
}

/** Converter for one result column. */
export interface ColumnConverter extends Mapper {
  readonly name: string;
  readonly source: arrow.Field;
}

export function columnConverter(field: arrow.Field, notes: Notes): ColumnConverter {
  const mapper = mapperFor(field.type, { column: field.name, notes });
  return {
    name: field.name,
    source: field,
    get tstype() {
      return mapper.tstype;
    },
    get outType() {
      return mapper.outType;
    },
    get config() {
      return mapper.config;
    },
    convert: (data) => mapper.convert(data),
    perRow: mapper.perRow,
    prepare: mapper.prepare && ((data) => mapper.prepare?.(data)),
  };
}
