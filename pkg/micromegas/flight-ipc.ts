// Arrow Flight carries Arrow IPC messages split into FlightData{data_header, data_body}.
// These helpers turn a sequence of FlightData into the bytes of ONE encapsulated IPC
// stream (so a single RecordBatchReader keeps dictionary state across batches), and
// back (for DoPut).
import { Message, MessageHeader } from 'apache-arrow';

const CONTINUATION = 0xffffffff;
const ALIGN = 8;

export interface FlightDataLike {
  data_header?: Uint8Array | null;
  data_body?: Uint8Array | null;
  app_metadata?: Uint8Array | null;
  flight_descriptor?: unknown;
}

const padLen = (n: number): number => (ALIGN - (n % ALIGN)) % ALIGN;

/** One FlightData as IPC stream chunks, and the kind of Arrow message it carries. */
export interface IpcChunks {
  chunks: Uint8Array[];
  /** MessageHeader of the message; NONE for an app_metadata-only FlightData. */
  kind: MessageHeader;
}

/**
 * The IPC stream chunks for one FlightData ([prefix + metadata + padding] and the body) and
 * the kind of message it is. The body is passed through without copying when it is 8-byte
 * aligned and complete; apache-arrow builds typed arrays directly on it, which needs aligned offsets.
 */
export function flightDataToIpc(data: FlightDataLike): IpcChunks {
  const header = data.data_header;
  if (!header || header.byteLength === 0) {
    return { chunks: [], kind: MessageHeader.NONE }; // app_metadata-only message: nothing for the IPC reader
  }
  const message = Message.decode(header);
  const bodyLength = Number(message.bodyLength);
  const metaLen = header.byteLength + padLen(header.byteLength);
  const head = new Uint8Array(8 + metaLen);
  const view = new DataView(head.buffer);
  view.setUint32(0, CONTINUATION, true);
  view.setInt32(4, metaLen, true);
  head.set(header, 8);
  const chunks: Uint8Array[] = [head];
  if (bodyLength > 0) {
    const body = data.data_body ?? new Uint8Array(0);
    if (body.byteLength < bodyLength) {
      throw new Error(`malformed FlightData: body has ${body.byteLength} bytes, its header announces ${bodyLength}`);
    }
    const exact = body.byteLength === bodyLength ? body : body.subarray(0, bodyLength);
    chunks.push(exact.byteOffset % ALIGN === 0 ? toPlainUint8(exact) : exact.slice());
  }
  return { chunks, kind: message.headerType };
}

function toPlainUint8(b: Uint8Array): Uint8Array {
  // Buffer#slice shares memory but behaves differently from Uint8Array#slice; hand arrow a plain view.
  return Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b;
}

export interface IpcMessage {
  header: Uint8Array;
  body: Uint8Array;
}

/**
 * Splits an encapsulated IPC stream (as written by apache-arrow) into its messages, EOS
 * excluded. The stream must be complete: a body announced longer than the bytes left, or a
 * missing end-of-stream marker, means the writer produced an inconsistent stream.
 */
export function splitIpcStream(bytes: Uint8Array): IpcMessage[] {
  const out: IpcMessage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 4 <= bytes.byteLength) {
    let len = view.getInt32(pos, true);
    pos += 4;
    if (len === -1) {
      // continuation marker (format ≥ 0.15)
      len = view.getInt32(pos, true);
      pos += 4;
    }
    if (len === 0) {
      return out; // end of stream
    }
    const header = bytes.subarray(pos, pos + len);
    pos += len;
    const bodyLength = Number(Message.decode(header).bodyLength);
    if (pos + bodyLength > bytes.byteLength) {
      throw new Error(
        `inconsistent Arrow IPC stream: message ${out.length + 1} announces ${bodyLength} body bytes, ${bytes.byteLength - pos} remain`
      );
    }
    out.push({ header, body: bytes.subarray(pos, pos + bodyLength) });
    pos += bodyLength;
  }
  throw new Error(`inconsistent Arrow IPC stream: no end-of-stream marker after ${out.length} message(s)`);
}
