// Micromegas' binary JSONB (the `jsonb` crate of datafuselabs/databendlabs, as used
// for `properties` columns). Layout, all integers big-endian:
//   container header u32: top 3 bits type (0x20000000 scalar, 0x40000000 object,
//   0x80000000 array), low 29 bits entry count (0 for a scalar, which has one entry);
//   then one u32 JEntry per value (objects: all key entries, then all value entries): 3 type bits (0x0 null, 0x1 string,
//   0x2 number, 0x3 false, 0x4 true, 0x5 nested container) at bits 28..30 and a 28-bit
//   payload length; then the payloads in order.
// Numbers: one tag byte (0x00 zero, 0x10 NaN, 0x20 +inf, 0x30 -inf, 0x40 signed int,
// 0x50 unsigned int, 0x60 f64) followed by the smallest big-endian width (1/2/4/8 bytes)
// holding the value; f64 uses 8 bytes. Decimal numbers (0x70) and the extension entry
// type (0x6…, binary/date/timestamp/interval) of newer crate versions are rejected with
// a clear error: Micromegas properties never hold them.

export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const SCALAR = 0x20000000;
const OBJECT = 0x40000000;
const ARRAY = 0x80000000;
const HEADER_TYPE_MASK = 0xe0000000;
const HEADER_LEN_MASK = 0x1fffffff;

const NULL_TAG = 0x00000000;
const STRING_TAG = 0x10000000;
const NUMBER_TAG = 0x20000000;
const FALSE_TAG = 0x30000000;
const TRUE_TAG = 0x40000000;
const CONTAINER_TAG = 0x50000000;
const EXTENSION_TAG = 0x60000000;
const JENTRY_TYPE_MASK = 0x70000000;
const JENTRY_LEN_MASK = 0x0fffffff;

const NUM_ZERO = 0x00;
const NUM_NAN = 0x10;
const NUM_INF = 0x20;
const NUM_NEG_INF = 0x30;
const NUM_INT = 0x40;
const NUM_UINT = 0x50;
const NUM_FLOAT = 0x60;
const NUM_DECIMAL = 0x70;

export class JsonbError extends Error {
  constructor(message: string) {
    super(`invalid JSONB: ${message}`);
    this.name = 'JsonbError';
  }
}

// --- encoding ----------------------------------------------------------------

function encodeNumber(v: number | bigint): Uint8Array {
  if (typeof v === 'number' && !Number.isInteger(v)) {
    if (Number.isNaN(v)) {
      return Uint8Array.of(NUM_NAN);
    }
    if (!Number.isFinite(v)) {
      return Uint8Array.of(v > 0 ? NUM_INF : NUM_NEG_INF);
    }
    return floatBytes(v);
  }
  const big = BigInt(v);
  if (big === 0n) {
    return Uint8Array.of(NUM_ZERO);
  }
  if (big > 0n) {
    // Non-negative integers are unsigned, as the crate's parser produces them.
    // Beyond u64 the crate falls back to f64.
    if (big > 0xffffffffffffffffn) {
      return floatBytes(Number(big));
    }
    const width = big <= 0xffn ? 1 : big <= 0xffffn ? 2 : big <= 0xffffffffn ? 4 : 8;
    return intBytes(NUM_UINT, big, width, false);
  }
  if (big < -0x8000000000000000n) {
    return floatBytes(Number(big));
  }
  const width = big >= -0x80n ? 1 : big >= -0x8000n ? 2 : big >= -0x80000000n ? 4 : 8;
  return intBytes(NUM_INT, big, width, true);
}

function floatBytes(v: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = NUM_FLOAT;
  new DataView(out.buffer).setFloat64(1, v);
  return out;
}

function intBytes(tag: number, v: bigint, width: number, signed: boolean): Uint8Array {
  const out = new Uint8Array(1 + width);
  out[0] = tag;
  const view = new DataView(out.buffer);
  if (width === 1) {
    signed ? view.setInt8(1, Number(v)) : view.setUint8(1, Number(v));
  } else if (width === 2) {
    signed ? view.setInt16(1, Number(v)) : view.setUint16(1, Number(v));
  } else if (width === 4) {
    signed ? view.setInt32(1, Number(v)) : view.setUint32(1, Number(v));
  } else {
    signed ? view.setBigInt64(1, v) : view.setBigUint64(1, v);
  }
  return out;
}

/** JEntry + payload for one value inside a container. */
function encodeEntry(value: JsonValue): [number, Uint8Array] {
  if (value === null) {
    return [NULL_TAG, new Uint8Array(0)];
  }
  if (value === true) {
    return [TRUE_TAG, new Uint8Array(0)];
  }
  if (value === false) {
    return [FALSE_TAG, new Uint8Array(0)];
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return [STRING_TAG | bytes.length, bytes];
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const bytes = encodeNumber(value);
    return [NUMBER_TAG | bytes.length, bytes];
  }
  const nested = encodeContainer(value);
  if (nested.length > JENTRY_LEN_MASK) {
    throw new JsonbError('nested value larger than 256 MiB');
  }
  return [CONTAINER_TAG | nested.length, nested];
}

function assemble(header: number, entries: Array<[number, Uint8Array]>): Uint8Array {
  const size = 4 + entries.length * 4 + entries.reduce((n, [, p]) => n + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, header >>> 0);
  let o = 4;
  for (const [jentry] of entries) {
    view.setUint32(o, jentry >>> 0);
    o += 4;
  }
  for (const [, payload] of entries) {
    out.set(payload, o);
    o += payload.length;
  }
  return out;
}

function encodeContainer(value: JsonValue[] | { [key: string]: JsonValue }): Uint8Array {
  if (Array.isArray(value)) {
    return assemble((ARRAY | value.length) >>> 0, value.map(encodeEntry));
  }
  const keys = Object.keys(value);
  const keyEntries = keys.map((k) => encodeEntry(k));
  const valueEntries = keys.map((k) => encodeEntry(value[k]!));
  return assemble((OBJECT | keys.length) >>> 0, [...keyEntries, ...valueEntries]);
}

/** Encodes a JSON value (as produced by JSON.parse, bigint allowed) as JSONB bytes. */
export function encodeJsonb(value: JsonValue): Uint8Array {
  if (value !== null && typeof value === 'object') {
    return encodeContainer(value);
  }
  // A scalar's header carries no count (0x20000000); exactly one JEntry follows.
  return assemble(SCALAR, [encodeEntry(value)]);
}

// --- decoding ----------------------------------------------------------------

function decodeNumber(bytes: Uint8Array, offset: number, length: number): number | bigint {
  if (length < 1) {
    throw new JsonbError('empty number');
  }
  const tag = bytes[offset]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset + 1, length - 1);
  const width = length - 1;
  switch (tag) {
    case NUM_ZERO:
      return 0;
    case NUM_NAN:
      return NaN;
    case NUM_INF:
      return Infinity;
    case NUM_NEG_INF:
      return -Infinity;
    case NUM_INT:
      if (width === 1) {
        return view.getInt8(0);
      }
      if (width === 2) {
        return view.getInt16(0);
      }
      if (width === 4) {
        return view.getInt32(0);
      }
      if (width === 8) {
        return narrow(view.getBigInt64(0));
      }
      break;
    case NUM_UINT:
      if (width === 1) {
        return view.getUint8(0);
      }
      if (width === 2) {
        return view.getUint16(0);
      }
      if (width === 4) {
        return view.getUint32(0);
      }
      if (width === 8) {
        return narrow(view.getBigUint64(0));
      }
      break;
    case NUM_FLOAT:
      if (width === 8) {
        return view.getFloat64(0);
      }
      break;
    case NUM_DECIMAL:
      throw new JsonbError('decimal numbers (tag 0x70) are not supported');
    default:
      throw new JsonbError(`unknown number tag 0x${tag.toString(16)}`);
  }
  throw new JsonbError(`number tag 0x${tag.toString(16)} with ${width} value bytes`);
}

/** Keeps exact integers beyond 2^53 as bigint. */
function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeEntry(bytes: Uint8Array, jentry: number, offset: number, length: number): JsonValue {
  if (offset + length > bytes.length) {
    throw new JsonbError(`value at byte ${offset} overruns the buffer`);
  }
  switch ((jentry & JENTRY_TYPE_MASK) >>> 0) {
    case NULL_TAG:
      return null;
    case TRUE_TAG:
      return true;
    case FALSE_TAG:
      return false;
    case STRING_TAG:
      try {
        return utf8.decode(bytes.subarray(offset, offset + length));
      } catch {
        throw new JsonbError(`string at byte ${offset} is not UTF-8`);
      }
    case NUMBER_TAG:
      return decodeNumber(bytes, offset, length);
    case CONTAINER_TAG:
      return decodeContainer(bytes, offset, offset + length);
    case EXTENSION_TAG:
      throw new JsonbError('extension values (binary/date/timestamp/interval) are not supported');
    default:
      throw new JsonbError(`unknown entry type 0x${jentry.toString(16)}`);
  }
}

function decodeContainer(bytes: Uint8Array, start: number, end: number): JsonValue {
  if (end - start < 4) {
    throw new JsonbError('truncated container header');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = view.getUint32(start);
  const type = (header & HEADER_TYPE_MASK) >>> 0;
  const count = header & HEADER_LEN_MASK;
  const entryCount = type === SCALAR ? 1 : type === OBJECT ? count * 2 : count;
  let payload = start + 4 + entryCount * 4;
  if (payload > end) {
    throw new JsonbError('truncated entry table');
  }
  const entries: number[] = [];
  for (let i = 0; i < entryCount; i++) {
    entries.push(view.getUint32(start + 4 + i * 4));
  }
  const values: JsonValue[] = [];
  for (const jentry of entries) {
    const length = jentry & JENTRY_LEN_MASK;
    if (payload + length > end) {
      throw new JsonbError('entry length overruns its container');
    }
    values.push(decodeEntry(bytes, jentry, payload, length));
    payload += length;
  }
  switch (type) {
    case SCALAR:
      return values[0]!;
    case ARRAY:
      return values;
    case OBJECT: {
      const obj: { [key: string]: JsonValue } = {};
      for (let i = 0; i < count; i++) {
        const key = values[i];
        if (typeof key !== 'string') {
          throw new JsonbError('object key is not a string');
        }
        obj[key] = values[count + i]!;
      }
      return obj;
    }
    default:
      throw new JsonbError(`unknown container type 0x${header.toString(16)}`);
  }
}

/** Decodes JSONB bytes into a JSON value (integers beyond 2^53 as bigint). */
export function decodeJsonb(bytes: Uint8Array): JsonValue {
  return decodeContainer(bytes, 0, bytes.length);
}

/** JSON text of a value, keeping bigints exact and non-finite numbers as null (as JSON can't hold them). */
export function jsonText(value: JsonValue): string {
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(jsonText).join(',')}]`;
  }
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`)
    .join(',')}}`;
}

/** JSONB bytes → JSON text (what Grafana expects in a JSON field). */
export function jsonbToJson(bytes: Uint8Array): string {
  return jsonText(decodeJsonb(bytes));
}
