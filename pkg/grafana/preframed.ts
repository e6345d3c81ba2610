// grpc-js copies every serialized response into a fresh buffer that starts with the
// 5-byte gRPC message header. For a QueryData response of tens of MB that copy, and
// even the single copy of the frames into one message buffer, raise peak memory by
// the size of the frames. When this hook is installed:
//  - QueryData responses are written to the HTTP/2 stream as consecutive pieces: the
//    protobuf framing (with the gRPC header in front) copied into one small buffer,
//    the frames' IPC chunks by reference (pieces of one gRPC message, in order);
//  - other responses whose encoder left room for the header are sent as they are.
// If grpc-js internals ever change shape, the hook stays off and the plain encoding
// (one extra copy) is used: correctness never depends on it.
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors';

import { encodeQueryDataResponsePieces } from './encode';
import type { QueryDataResponseOut } from './messages';

/** Marks a buffer that already carries the gRPC message header. */
const PREFRAMED = Symbol.for('micromegas.grpc.preframed');
const QUERY_DATA_PATH = '/pluginv2.Data/QueryData';
const GRPC_HEADER_BYTES = 5;
/** Responses below this size are sent as one buffer (one write is cheaper than several). */
const PIECES_FROM_BYTES = 1 << 20;

type Framed = Buffer & { [PREFRAMED]?: true };
interface CallInternals {
  handler: { path: string; serialize(value: unknown): Buffer };
  stream: { write(chunk: Uint8Array): boolean };
  maybeSendMetadata(): void;
}

let installed: boolean | undefined;

function asBuffer(piece: Uint8Array): Buffer {
  return Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
}

function frameBytes(value: QueryDataResponseOut): number {
  let n = 0;
  for (const response of Object.values(value.responses ?? {})) {
    for (const frame of response.frames ?? []) {
      if (frame instanceof Uint8Array) {
        n += frame.byteLength;
      } else {
        for (const chunk of frame) {
          n += chunk.byteLength;
        }
      }
    }
  }
  return n;
}

/**
 * Writes every piece but the last to the stream (after the response headers, which
 * grpc-js would otherwise send just before its own write) and returns the last one,
 * which grpc-js writes with its completion callback. Returns undefined when the
 * response is small enough to go as one buffer.
 */
function sendQueryDataPieces(call: CallInternals, value: QueryDataResponseOut): Buffer | undefined {
  if (frameBytes(value) < PIECES_FROM_BYTES) {
    return undefined;
  }
  const { pieces, messageLength } = encodeQueryDataResponsePieces(value, { headroom: GRPC_HEADER_BYTES });
  if (pieces.length < 2) {
    return undefined;
  }
  const head = asBuffer(pieces[0]);
  head.writeUInt8(0, 0);
  head.writeUInt32BE(messageLength, 1);
  // The frames are referenced by the pieces only now: the response object may let go.
  for (const response of Object.values(value.responses)) {
    response.frames = [];
  }
  call.maybeSendMetadata();
  for (let i = 0; i + 1 < pieces.length; i++) {
    call.stream.write(pieces[i]);
  }
  return asBuffer(pieces[pieces.length - 1]);
}

/** Installs the hook once; returns whether pre-framed responses may be used. */
export function installPreframedSend(): boolean {
  if (installed !== undefined) {
    return installed;
  }
  const proto = (BaseServerInterceptingCall as unknown as { prototype: Record<string, unknown> } | undefined)
    ?.prototype;
  if (!proto || typeof proto.serializeMessage !== 'function' || typeof proto.maybeSendMetadata !== 'function') {
    installed = false;
    return installed;
  }
  proto.serializeMessage = function serializeMessage(this: CallInternals, value: unknown): Buffer {
    if (this.handler.path === QUERY_DATA_PATH && this.stream && typeof this.stream.write === 'function') {
      const last = sendQueryDataPieces(this, value as QueryDataResponseOut);
      if (last) {
        return last;
      }
    }
    const serialized: Framed = this.handler.serialize(value);
    if (serialized[PREFRAMED]) {
      return serialized;
    }
    // Same as grpc-js: uncompressed flag, big-endian length, message.
    const output = Buffer.allocUnsafe(serialized.byteLength + 5);
    output.writeUInt8(0, 0);
    output.writeUInt32BE(serialized.byteLength, 1);
    serialized.copy(output, 5);
    return output;
  };
  installed = true;
  return installed;
}

/** Writes the gRPC header into the 5 bytes left free before a message and marks the buffer. */
export function finishFramed(buffer: Buffer, messageLength: number): Buffer {
  buffer.writeUInt8(0, 0);
  buffer.writeUInt32BE(messageLength, 1);
  (buffer as Framed)[PREFRAMED] = true;
  return buffer;
}
