// Low-level Arrow buffer work: validity bitmaps, growable byte sinks, building
// Utf8/Binary/fixed-width Data without going through per-value builders, and the gather
// (dictionary hydration) and concatenation kernels over those layouts.
import * as arrow from 'apache-arrow';

/** True when row `i` (relative to the Data's offset) is not null. */
export function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0) {
    return true;
  }
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) {
    return true;
  }
  const pos = data.offset + i;
  return (bitmap[pos >> 3] & (1 << (pos & 7))) !== 0;
}

/**
 * The validity bitmap of `data` re-based so bit 0 is row 0, or undefined when no row
 * is null. Zero-copy when the offset is byte-aligned.
 */
export function validityFromZero(data: arrow.Data): Uint8Array | undefined {
  if (data.nullCount === 0) {
    return undefined;
  }
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0) {
    return undefined;
  }
  const { offset, length } = data;
  if ((offset & 7) === 0) {
    return bitmap.subarray(offset >> 3, (offset + length + 7) >> 3);
  }
  const out = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const pos = offset + i;
    if (bitmap[pos >> 3] & (1 << (pos & 7))) {
      out[i >> 3] |= 1 << (i & 7);
    }
  }
  return out;
}

/** `length` bits of a bit-packed buffer starting at bit `offset`, re-based to bit 0 (zero-copy when byte-aligned). */
export function bitsFromZero(bits: Uint8Array, offset: number, length: number): Uint8Array {
  if ((offset & 7) === 0) {
    return bits.subarray(offset >> 3, (offset + length + 7) >> 3);
  }
  const out = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) {
    const pos = offset + i;
    if (bits[pos >> 3] & (1 << (pos & 7))) {
      out[i >> 3] |= 1 << (i & 7);
    }
  }
  return out;
}

export function newBitmap(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3);
}

export function setBit(bitmap: Uint8Array, i: number): void {
  bitmap[i >> 3] |= 1 << (i & 7);
}

export function getBit(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3] & (1 << (i & 7))) !== 0;
}

/** A growable byte buffer for Utf8/Binary values. */
export class ByteSink {
  bytes: Uint8Array;
  length = 0;
  private static readonly encoder = new TextEncoder();

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(Math.max(capacity, 16));
  }

  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) {
      return;
    }
    let cap = this.bytes.length * 2;
    while (cap < need) {
      cap *= 2;
    }
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  pushBytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.reserve(n);
    if (n < 32) {
      const dst = this.bytes;
      let p = this.length;
      for (let k = start; k < end; k++) {
        dst[p++] = src[k];
      }
    } else {
      this.bytes.set(src.subarray(start, end), this.length);
    }
    this.length += n;
  }

  pushString(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    this.reserve(text.length * 3);
    const { written } = ByteSink.encoder.encodeInto(text, this.bytes.subarray(this.length));
    this.length += written;
  }

  /** The written bytes, trimmed when the slack is large. */
  finish(): Uint8Array {
    return this.length * 2 < this.bytes.length ? this.bytes.slice(0, this.length) : this.bytes.subarray(0, this.length);
  }
}

/** Builds a Utf8 or Binary column one value at a time (for per-cell conversions). */
export class VarBinaryBuilder {
  readonly offsets: Int32Array;
  readonly sink: ByteSink;
  private validity: Uint8Array | undefined;
  private nulls = 0;
  private row = 0;

  constructor(
    readonly length: number,
    byteCapacity = length * 8
  ) {
    this.offsets = new Int32Array(length + 1);
    this.sink = new ByteSink(byteCapacity);
  }

  pushString(text: string): void {
    this.sink.pushString(text);
    this.end();
  }

  pushBytes(src: Uint8Array, start = 0, end = src.length): void {
    this.sink.pushBytes(src, start, end);
    this.end();
  }

  pushNull(): void {
    if (!this.validity) {
      this.validity = newBitmap(this.length);
      for (let i = 0; i < this.row; i++) {
        setBit(this.validity, i);
      }
    }
    this.nulls++;
    this.row++;
    this.offsets[this.row] = this.sink.length;
  }

  private end(): void {
    if (this.validity) {
      setBit(this.validity, this.row);
    }
    this.row++;
    if (this.sink.length > 0x7fffffff) {
      throw new Error('a text column exceeds 2 GiB in one batch');
    }
    this.offsets[this.row] = this.sink.length;
  }

  finish<T extends arrow.Utf8 | arrow.Binary>(type: T): arrow.Data<T> {
    if (this.row !== this.length) {
      throw new Error(`builder filled ${this.row} of ${this.length} rows`);
    }
    return varBinaryData(type, this.offsets, this.sink.finish(), this.validity, this.nulls);
  }
}

export function varBinaryData<T extends arrow.Utf8 | arrow.Binary>(
  type: T,
  offsets: Int32Array,
  values: Uint8Array,
  validity: Uint8Array | undefined,
  nullCount: number
): arrow.Data<T> {
  const length = offsets.length - 1;
  return new arrow.Data(type, 0, length, nullCount, [offsets, values, nullCount > 0 ? validity : undefined] as never);
}

export function fixedData<T extends arrow.DataType>(
  type: T,
  values: ArrayBufferView,
  length: number,
  validity: Uint8Array | undefined,
  nullCount: number
): arrow.Data<T> {
  return new arrow.Data(type, 0, length, nullCount, [undefined, values, nullCount > 0 ? validity : undefined] as never);
}

/** A Utf8 column of `length` nulls (Arrow Null type has no Grafana counterpart). */
export function allNullUtf8(length: number): arrow.Data<arrow.Utf8> {
  return varBinaryData(new arrow.Utf8(), new Int32Array(length + 1), new Uint8Array(0), newBitmap(length), length);
}

/** Element `i` of a Utf8/Binary/LargeUtf8/LargeBinary Data as [start, end) into `values`. */
export function valueRange(data: arrow.Data, i: number): [number, number] {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  return [Number(offsets[i]), Number(offsets[i + 1])];
}

// ---------------------------------------------------------------------------
// Gather (dictionary hydration) and concatenation over the output layouts.

/** Bool values are bit-packed and, unlike other buffers, indexed from the Data's offset. */
function boolAt(data: arrow.Data, i: number): boolean {
  const pos = data.offset + i;
  return ((data.values as Uint8Array)[pos >> 3] & (1 << (pos & 7))) !== 0;
}

function isVarBinary(type: arrow.DataType): boolean {
  return type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.Binary;
}

/** Output rows `dict[indices[i]]`; null where the index or the dictionary value is null. */
export function gather(dict: arrow.Data, indices: arrow.Data): arrow.Data {
  const n = indices.length;
  const raw = indices.values as ArrayLike<number | bigint>;
  // 64-bit indices are rare (dictionaries are small): narrow them once.
  const idx: ArrayLike<number> =
    raw instanceof BigInt64Array || raw instanceof BigUint64Array
      ? Float64Array.from(raw, Number)
      : (raw as ArrayLike<number>);
  let validity: Uint8Array | undefined;
  let nulls = 0;
  if (indices.nullCount > 0 || dict.nullCount > 0) {
    validity = newBitmap(n);
    const indexNulls = indices.nullCount > 0;
    const dictNulls = dict.nullCount > 0;
    for (let i = 0; i < n; i++) {
      if ((!indexNulls || isValid(indices, i)) && (!dictNulls || isValid(dict, idx[i]))) {
        setBit(validity, i);
      } else {
        nulls++;
      }
    }
  }
  if (isVarBinary(dict.type)) {
    return gatherVarBinary(dict, idx, n, validity, nulls);
  }
  if (dict.type.typeId === arrow.Type.Bool) {
    const bits = newBitmap(n);
    for (let i = 0; i < n; i++) {
      if ((!validity || getBit(validity, i)) && boolAt(dict, idx[i])) {
        setBit(bits, i);
      }
    }
    return fixedData(dict.type, bits, n, validity, nulls);
  }
  const src = dict.values as unknown as {
    constructor: new (n: number) => { [i: number]: number | bigint };
  } & ArrayLike<number | bigint>;
  const out = new src.constructor(n);
  for (let i = 0; i < n; i++) {
    if (!validity || getBit(validity, i)) {
      out[i] = src[idx[i]];
    }
  }
  return fixedData(dict.type, out as unknown as ArrayBufferView, n, validity, nulls);
}

/** The hot path of dictionary hydration: byte ranges copied without per-row allocation. */
function gatherVarBinary(
  dict: arrow.Data,
  idx: ArrayLike<number>,
  n: number,
  validity: Uint8Array | undefined,
  nulls: number
): arrow.Data {
  const off = dict.valueOffsets as Int32Array;
  const src = dict.values as Uint8Array;
  const outOff = new Int32Array(n + 1);
  let total = 0;
  if (!validity) {
    for (let i = 0; i < n; i++) {
      const k = idx[i];
      total += off[k + 1] - off[k];
      outOff[i + 1] = total;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (getBit(validity, i)) {
        const k = idx[i];
        total += off[k + 1] - off[k];
      }
      outOff[i + 1] = total;
    }
  }
  if (total > 0x7fffffff) {
    throw new Error('a hydrated dictionary column exceeds 2 GiB in one batch');
  }
  const out = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    let p = outOff[i];
    const end = outOff[i + 1];
    if (end === p) {
      continue;
    }
    let s = off[idx[i]];
    if (end - p > 64) {
      out.set(src.subarray(s, s + end - p), p);
    } else {
      while (p < end) {
        out[p++] = src[s++];
      }
    }
  }
  return varBinaryData(dict.type as arrow.Utf8, outOff, out, validity, nulls);
}

/** Concatenates chunks of one output type into one Data (dictionaries split by deltas). */
export function concatData(chunks: arrow.Data[]): arrow.Data {
  if (chunks.length === 1) {
    return chunks[0];
  }
  const type = chunks[0].type;
  const n = chunks.reduce((sum, c) => sum + c.length, 0);
  const anyNulls = chunks.some((c) => c.nullCount > 0);
  const validity = anyNulls ? newBitmap(n) : undefined;
  let nulls = 0;
  if (validity) {
    let row = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++, row++) {
        if (isValid(c, i)) {
          setBit(validity, row);
        } else {
          nulls++;
        }
      }
    }
  }
  if (isVarBinary(type)) {
    // Each chunk's bytes in one copy, its offsets shifted to where they land.
    let total = 0;
    for (const c of chunks) {
      const off = c.valueOffsets as Int32Array;
      total += off[c.length] - off[0];
    }
    if (total > 0x7fffffff) {
      throw new Error('a text column exceeds 2 GiB');
    }
    const offsets = new Int32Array(n + 1);
    const bytes = new Uint8Array(total);
    let r = 0;
    let at = 0;
    for (const c of chunks) {
      const off = c.valueOffsets as Int32Array;
      const start = off[0];
      const end = off[c.length];
      bytes.set((c.values as Uint8Array).subarray(start, end), at);
      const shift = at - start;
      for (let i = 1; i <= c.length; i++) {
        offsets[r + i] = off[i] + shift;
      }
      r += c.length;
      at += end - start;
    }
    return varBinaryData(type as arrow.Utf8, offsets, bytes, validity, nulls);
  }
  if (type.typeId === arrow.Type.Bool) {
    const bits = newBitmap(n);
    let r = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++, r++) {
        if (boolAt(c, i)) {
          setBit(bits, r);
        }
      }
    }
    return fixedData(type, bits, n, validity, nulls);
  }
  const first = chunks[0].values as unknown as {
    constructor: new (n: number) => { set(a: ArrayLike<unknown>, at: number): void };
  };
  const out = new first.constructor(n);
  let r = 0;
  for (const c of chunks) {
    out.set(
      (c.values as unknown as ArrayLike<unknown> & { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(
        0,
        c.length
      ),
      r
    );
    r += c.length;
  }
  return fixedData(type, out as unknown as ArrayBufferView, n, validity, nulls);
}
