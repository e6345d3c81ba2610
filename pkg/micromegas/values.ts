// Exact text renderings of Arrow cells (apache-arrow's get() rounds timestamps to
// milliseconds and returns BigInt for 64-bit integers), for the CLI and the admin helpers.
import { DataType, TimeUnit, Timestamp, Vector } from 'apache-arrow';

/** The raw 64-bit integer stored at `row` of a timestamp/int64 vector. */
export function rawInt64At(vec: Vector, row: number): bigint | null {
  let base = 0;
  for (const data of vec.data) {
    if (row < base + data.length) {
      const local = row - base;
      if (!data.getValid(local)) {
        return null;
      }
      const values = data.values as unknown as BigInt64Array | Int32Array;
      const v = values[data.offset + local];
      return typeof v === 'bigint' ? v : BigInt(v);
    }
    base += data.length;
  }
  throw new RangeError(`row ${row} out of range`);
}

const NS_PER_UNIT: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};

/** RFC 3339 text of a timestamp in `unit` since the epoch, fraction trimmed to what is needed (up to ns). */
export function timestampToIso(value: bigint, unit: TimeUnit): string {
  const ns = value * NS_PER_UNIT[unit];
  let sec = ns / 1_000_000_000n;
  let frac = ns % 1_000_000_000n;
  if (frac < 0n) {
    frac += 1_000_000_000n;
    sec -= 1n;
  }
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${fracText}Z`;
}

/** A JSON-friendly value of one cell: timestamps as RFC 3339, safe 64-bit ints as numbers, binary as hex. */
export function cellValue(vec: Vector, row: number): unknown {
  const type = vec.type as DataType;
  if (DataType.isTimestamp(type)) {
    const raw = rawInt64At(vec, row);
    return raw === null ? null : timestampToIso(raw, (type as Timestamp).unit);
  }
  return plain(vec.get(row));
}

function plain(v: unknown): unknown {
  if (v === null || v === undefined) {
    return null;
  }
  if (typeof v === 'bigint') {
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }
  if (v instanceof Uint8Array) {
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  }
  if (v instanceof Date) {
    return v.toISOString();
  }
  if (v instanceof Vector) {
    return Array.from(v, plain);
  }
  if (typeof v === 'object') {
    const maybe = v as { toJSON?: () => unknown };
    if (typeof maybe.toJSON === 'function') {
      return plain(maybe.toJSON());
    }
    if (Array.isArray(v)) {
      return v.map(plain);
    }
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** Display text of one cell (empty string for null). */
export function cellText(vec: Vector, row: number): string {
  const v = cellValue(vec, row);
  if (v === null) {
    return '';
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}
