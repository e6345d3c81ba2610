// JSON text of one Arrow value of any type, read straight from the Data buffers.
// Used for the types Grafana cannot decode (lists, structs, maps, unions, intervals)
// so they reach the panel as JSON instead of being dropped.
import * as arrow from 'apache-arrow';

import { isValid, valueRange } from './buffers';
import { toHex } from './hex';
import { formatNs, formatTimeOfDay, NS_PER_DAY, NS_PER_UNIT } from './time';

/** Renders one opaque Binary value as JSON text (JSONB-aware in the converter). */
export type BinaryToJson = (bytes: Uint8Array) => string;

const decoder = new TextDecoder();

export function utf8At(data: arrow.Data, i: number): string {
  const [start, end] = valueRange(data, i);
  return decoder.decode((data.values as Uint8Array).subarray(start, end));
}

export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) {
    return sign * frac * 2 ** -24;
  }
  if (exp === 31) {
    return frac ? NaN : sign * Infinity;
  }
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Two's-complement little-endian integer of `words` 32-bit words starting at word `at`. */
function wideIntAt(words: Uint32Array, at: number, count: number): bigint {
  let v = 0n;
  for (let k = count - 1; k >= 0; k--) {
    v = (v << 32n) | BigInt(words[at + k]);
  }
  const bits = BigInt(count * 32);
  return v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
}

/** Exact decimal text of an unscaled integer with `scale` fractional digits. */
export function decimalText(unscaled: bigint, scale: number): string {
  if (scale <= 0) {
    return (unscaled * 10n ** BigInt(-scale)).toString();
  }
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

export function decimalAt(data: arrow.Data<arrow.Decimal>, i: number): bigint {
  const words = data.type.bitWidth / 32;
  const values = data.values as unknown as Uint32Array;
  return wideIntAt(new Uint32Array(values.buffer, values.byteOffset, values.byteLength >> 2), i * words, words);
}

function bigintAt(data: arrow.Data, i: number): bigint {
  return BigInt((data.values as unknown as BigInt64Array)[i]);
}

function dictionaryChunk(dictionary: arrow.Vector, index: number): [arrow.Data, number] {
  let at = index;
  for (const chunk of dictionary.data) {
    if (at < chunk.length) {
      return [chunk, at];
    }
    at -= chunk.length;
  }
  throw new Error(`dictionary index ${index} out of range (${dictionary.length} entries)`);
}

/** Safe JSON for what apache-arrow's generic getter returns (bigints, typed arrays). */
function genericJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') {
        return v.toString();
      }
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        return Array.from(v as unknown as ArrayLike<number | bigint>, (x) =>
          typeof x === 'bigint' ? x.toString() : x
        );
      }
      return v;
    }) ?? 'null'
  );
}

export function jsonAt(data: arrow.Data, i: number, binary: BinaryToJson): string {
  if (!isValid(data, i)) {
    return 'null';
  }
  const type = data.type as arrow.DataType;
  switch (type.typeId) {
    case arrow.Type.Null:
      return 'null';
    case arrow.Type.Bool: {
      const pos = data.offset + i;
      return (data.values as Uint8Array)[pos >> 3] & (1 << (pos & 7)) ? 'true' : 'false';
    }
    case arrow.Type.Int: {
      const v = (data.values as ArrayLike<number | bigint>)[i];
      return v.toString();
    }
    case arrow.Type.Float: {
      const raw = (data.values as ArrayLike<number>)[i];
      const v = (type as arrow.Float).precision === arrow.Precision.HALF ? float16ToNumber(raw) : raw;
      return Number.isFinite(v) ? String(v) : 'null';
    }
    case arrow.Type.Decimal:
      return decimalText(decimalAt(data as arrow.Data<arrow.Decimal>, i), (type as arrow.Decimal).scale);
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
      return JSON.stringify(utf8At(data, i));
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary: {
      const [start, end] = valueRange(data, i);
      return binary((data.values as Uint8Array).subarray(start, end));
    }
    case arrow.Type.FixedSizeBinary: {
      const width = (type as arrow.FixedSizeBinary).byteWidth;
      return JSON.stringify(toHex((data.values as Uint8Array).subarray(i * width, (i + 1) * width)));
    }
    case arrow.Type.Timestamp:
      return JSON.stringify(formatNs(bigintAt(data, i) * NS_PER_UNIT[(type as arrow.Timestamp).unit]));
    case arrow.Type.Date: {
      const ns =
        (type as arrow.Date_).unit === arrow.DateUnit.DAY
          ? BigInt((data.values as Int32Array)[i]) * NS_PER_DAY
          : bigintAt(data, i) * 1_000_000n;
      return JSON.stringify(formatNs(ns));
    }
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      const v = t.bitWidth === 64 ? bigintAt(data, i) : BigInt((data.values as Int32Array)[i]);
      return JSON.stringify(formatTimeOfDay(v, t.unit));
    }
    case arrow.Type.Duration:
      return bigintAt(data, i).toString();
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.Map: {
      const [start, end] = valueRange(data, i);
      const child = data.children[0];
      const parts: string[] = [];
      if (type.typeId === arrow.Type.Map) {
        return mapJson(child, start, end, binary);
      }
      for (let k = start; k < end; k++) {
        parts.push(jsonAt(child, k, binary));
      }
      return `[${parts.join(',')}]`;
    }
    case arrow.Type.FixedSizeList: {
      const size = (type as arrow.FixedSizeList).listSize;
      const child = data.children[0];
      const parts: string[] = [];
      for (let k = i * size; k < (i + 1) * size; k++) {
        parts.push(jsonAt(child, k, binary));
      }
      return `[${parts.join(',')}]`;
    }
    case arrow.Type.Struct: {
      const fields = (type as arrow.Struct).children;
      const parts = fields.map((f, k) => `${JSON.stringify(f.name)}:${jsonAt(data.children[k], i, binary)}`);
      return `{${parts.join(',')}}`;
    }
    case arrow.Type.Union: {
      const union = type as arrow.Union;
      const typeId = (data.typeIds as Int8Array)[i];
      const childIndex = union.typeIdToChildIndex[typeId];
      const at = union.mode === arrow.UnionMode.Dense ? Number((data.valueOffsets as Int32Array)[i]) : i;
      return jsonAt(data.children[childIndex], at, binary);
    }
    case arrow.Type.Dictionary: {
      const index = Number((data.values as ArrayLike<number | bigint>)[i]);
      if (!data.dictionary) {
        return 'null';
      }
      const [chunk, at] = dictionaryChunk(data.dictionary, index);
      return jsonAt(chunk, at, binary);
    }
    default: {
      // View types and intervals: apache-arrow's getter knows their layouts.
      const value = arrow.makeVector(data).get(i);
      if (value instanceof Uint8Array && type.typeId === arrow.Type.BinaryView) {
        return binary(value);
      }
      return genericJson(value);
    }
  }
}

function mapJson(entries: arrow.Data, start: number, end: number, binary: BinaryToJson): string {
  const [keys, values] = entries.children;
  const parts: string[] = [];
  for (let k = start; k < end; k++) {
    const keyJson = jsonAt(keys, k, binary);
    const key = keyJson.startsWith('"') ? keyJson : JSON.stringify(keyJson);
    parts.push(`${key}:${jsonAt(values, k, binary)}`);
  }
  return `{${parts.join(',')}}`;
}
