// Low-level Arrow buffer work: validity bitmaps, growable byte sinks and building
// Utf8/Binary/fixed-width Data without going through per-value builders.
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
