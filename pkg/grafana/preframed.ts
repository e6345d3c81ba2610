// grpc-js copies every serialized response into a fresh buffer that starts with the
// 5-byte gRPC message header. For a QueryData response of tens of MB that second
// copy raises peak memory by the size of the frames. When this hook is installed,
// the QueryData encoder writes the header itself and grpc-js sends its buffer as is.
// If grpc-js internals ever change shape, the hook stays off and the plain encoding
// (one extra copy) is used: correctness never depends on it.
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors';

/** Marks a buffer that already carries the gRPC message header. */
const PREFRAMED = Symbol.for('micromegas.grpc.preframed');

type Framed = Buffer & { [PREFRAMED]?: true };
interface CallInternals {
  handler: { serialize(value: unknown): Buffer };
}

let installed: boolean | undefined;

/** Installs the hook once; returns whether pre-framed responses may be used. */
export function installPreframedSend(): boolean {
  if (installed !== undefined) {
    return installed;
  }
  const proto = (BaseServerInterceptingCall as unknown as { prototype: Record<string, unknown> } | undefined)
    ?.prototype;
  if (!proto || typeof proto.serializeMessage !== 'function') {
    installed = false;
    return installed;
  }
  proto.serializeMessage = function serializeMessage(this: CallInternals, value: unknown): Buffer {
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
