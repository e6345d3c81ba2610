// Hand-written protobuf encoder for QueryDataResponse. Frames are already Arrow IPC
// bytes, often tens of MB: writing the framing around them into one buffer costs a
// single copy per frame (protobufjs would grow a writer and copy again).
//
// QueryDataResponse { map<string, DataResponse> responses = 1 }   (map entry: key = 1, value = 2)
// DataResponse { repeated bytes frames = 1; string error = 2; bytes jsonMeta = 3;
//                int32 status = 4; string errorSource = 5 }
import type { DataResponseOut, FrameBytes, QueryDataResponseOut } from './messages';

const LEN = 2; // wire type: length-delimited
const VARINT = 0;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function tagSize(field: number): number {
  return varintSize(field << 3);
}

function lenFieldSize(field: number, length: number): number {
  return tagSize(field) + varintSize(length) + length;
}

interface Sized {
  refId: Buffer;
  response: DataResponseOut;
  error?: Buffer;
  errorSource?: Buffer;
  statusSize: number;
  bodySize: number;
  entrySize: number;
}

function frameLength(frame: FrameBytes): number {
  if (frame instanceof Uint8Array) {
    return frame.byteLength;
  }
  let n = 0;
  for (const chunk of frame) {
    n += chunk.byteLength;
  }
  return n;
}

function sizeResponse(refId: string, response: DataResponseOut): Sized {
  const refIdBuf = Buffer.from(refId, 'utf8');
  const error = response.error ? Buffer.from(response.error, 'utf8') : undefined;
  const errorSource = response.errorSource ? Buffer.from(response.errorSource, 'utf8') : undefined;
  let bodySize = 0;
  for (const frame of response.frames) {
    bodySize += lenFieldSize(1, frameLength(frame));
  }
  if (error) {
    bodySize += lenFieldSize(2, error.length);
  }
  // int32 status: negative values would take 10 bytes; statuses are HTTP-like, positive.
  const status = response.status ?? 0;
  const statusSize = status > 0 ? tagSize(4) + varintSize(status) : 0;
  bodySize += statusSize;
  if (errorSource) {
    bodySize += lenFieldSize(5, errorSource.length);
  }
  const entrySize = lenFieldSize(1, refIdBuf.length) + lenFieldSize(2, bodySize);
  return { refId: refIdBuf, response, error, errorSource, statusSize, bodySize, entrySize };
}

class Writer {
  constructor(
    readonly buf: Buffer,
    public pos = 0
  ) {}

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, data: FrameBytes): void {
    this.tag(field, LEN);
    if (data instanceof Uint8Array) {
      this.varint(data.byteLength);
      this.buf.set(data, this.pos);
      this.pos += data.byteLength;
      return;
    }
    this.varint(frameLength(data));
    for (const chunk of data) {
      this.buf.set(chunk, this.pos);
      this.pos += chunk.byteLength;
    }
  }

  /** A frame's bytes field (a subclass may send frames by reference). */
  frame(field: number, data: FrameBytes): void {
    this.bytes(field, data);
  }
}

/** Collects the message as pieces: framing bytes copied, frame chunks referenced. */
class PieceWriter extends Writer {
  readonly pieces: Uint8Array[] = [];
  private start = 0;

  override frame(field: number, data: FrameBytes): void {
    if (data instanceof Uint8Array && data.byteLength < PIECE_REFERENCE_BYTES) {
      super.frame(field, data);
      return;
    }
    this.tag(field, LEN);
    this.varint(frameLength(data));
    this.cut();
    for (const chunk of data instanceof Uint8Array ? [data] : data) {
      if (chunk.byteLength > 0) {
        this.pieces.push(chunk);
      }
    }
  }

  /** Ends the current run of framing bytes. */
  cut(): void {
    if (this.pos > this.start) {
      this.pieces.push(this.buf.subarray(this.start, this.pos));
    }
    this.start = this.pos;
  }
}

/** Frames from this size on are sent as their own pieces instead of being copied. */
const PIECE_REFERENCE_BYTES = 64 * 1024;

export interface EncodeOptions {
  /** Bytes to leave free before the message (room for the gRPC message header). */
  headroom?: number;
  /** Drop the response's frame references once copied, so their memory can be reclaimed early. */
  releaseFrames?: boolean;
}

/**
 * Serializes a QueryDataResponse; the message bytes are identical to a protobuf
 * encoder's. With `headroom`, they start at that offset of the returned buffer.
 */
export function encodeQueryDataResponse(message: QueryDataResponseOut, options: EncodeOptions = {}): Buffer {
  const headroom = options.headroom ?? 0;
  const entries = Object.entries(message.responses).map(([refId, r]) => sizeResponse(refId, r));
  const total = messageSize(entries);
  const w = new Writer(Buffer.allocUnsafe(headroom + total), headroom);
  writeEntries(w, entries, options);
  if (w.pos !== headroom + total) {
    throw new Error(`QueryDataResponse encoder size mismatch: wrote ${w.pos - headroom} of ${total} bytes`);
  }
  return w.buf;
}

/**
 * The same message as consecutive pieces whose concatenation is the bytes of
 * `encodeQueryDataResponse`: the framing is written into one small buffer, large
 * frames and frame chunks are referenced, never copied. With `headroom`, the first
 * piece starts with that many free bytes. Returns the pieces and the message length.
 */
export function encodeQueryDataResponsePieces(
  message: QueryDataResponseOut,
  options: EncodeOptions = {}
): { pieces: Uint8Array[]; messageLength: number } {
  const headroom = options.headroom ?? 0;
  const entries = Object.entries(message.responses).map(([refId, r]) => sizeResponse(refId, r));
  const total = messageSize(entries);
  let referenced = 0;
  for (const e of entries) {
    for (const frame of e.response.frames) {
      if (!(frame instanceof Uint8Array) || frame.byteLength >= PIECE_REFERENCE_BYTES) {
        referenced += frameLength(frame);
      }
    }
  }
  const w = new PieceWriter(Buffer.allocUnsafe(headroom + total - referenced), 0);
  w.pos = headroom;
  writeEntries(w, entries, options);
  w.cut();
  const written = w.pieces.reduce((n, p) => n + p.byteLength, 0);
  if (written !== headroom + total) {
    throw new Error(`QueryDataResponse encoder size mismatch: wrote ${written - headroom} of ${total} bytes`);
  }
  if (headroom > 0 && w.pieces[0] !== undefined && w.pieces[0].byteOffset !== w.buf.byteOffset) {
    throw new Error('QueryDataResponse encoder: the headroom must start the first piece');
  }
  return { pieces: w.pieces, messageLength: total };
}

function messageSize(entries: Sized[]): number {
  let total = 0;
  for (const e of entries) {
    total += lenFieldSize(1, e.entrySize);
  }
  return total;
}

function writeEntries(w: Writer, entries: Sized[], options: EncodeOptions): void {
  for (const e of entries) {
    w.tag(1, LEN);
    w.varint(e.entrySize);
    w.bytes(1, e.refId);
    w.tag(2, LEN);
    w.varint(e.bodySize);
    for (const frame of e.response.frames) {
      w.frame(1, frame);
    }
    if (e.error) {
      w.bytes(2, e.error);
    }
    if (e.statusSize > 0) {
      w.tag(4, VARINT);
      w.varint(e.response.status ?? 0);
    }
    if (e.errorSource) {
      w.bytes(5, e.errorSource);
    }
    if (options.releaseFrames) {
      e.response.frames = [];
    }
  }
}
