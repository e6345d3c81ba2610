// An Arrow IPC *file* written incrementally as a list of chunks: record batches as
// they are converted, then the schema and footer once the result is complete (the
// frame's meta, notices and field types are only known at the end). Column buffers
// are referenced, not copied: the chunks are the frame, and the response encoder or
// the gRPC send path writes them out without ever joining them.
//
// Layout (Arrow columnar format, "IPC File Format"): "ARROW1" + 2 bytes padding,
// schema message, record batch messages, end-of-stream marker, footer (schema +
// record batch blocks), footer length (int32 LE), "ARROW1". Each message is the
// 0xFFFFFFFF continuation, the int32 metadata length, the flatbuffer Message padded
// to 8 bytes, then the body buffers, each padded to 8 bytes.
import * as arrow from 'apache-arrow';
import { FileBlock } from 'apache-arrow/ipc/metadata/file';
import { BufferRegion, FieldNode, Message } from 'apache-arrow/ipc/metadata/message';

import { bitsFromZero } from './buffers';
import { footer, recordBatchMessage, runSteps, runStepsSliced, schemaMessage, type Steps } from './ipc-schema';
import type { Slicer } from './slicer';

const MAGIC = new TextEncoder().encode('ARROW1');
/** Buffers from this size on are referenced; smaller pieces are copied into shared chunks. */
const REFERENCE_BYTES = 8 * 1024;
const SMALL_CHUNK_BYTES = 64 * 1024;

const pad8 = (n: number) => (n + 7) & ~7;

/** The body buffers of one flat column (every Grafana type is flat: no children). */
function columnBuffers(data: arrow.Data): Uint8Array[] {
  const { length } = data;
  const validity =
    data.nullCount > 0 && data.nullBitmap && data.nullBitmap.length > 0
      ? bitsFromZero(data.nullBitmap, data.offset, length)
      : new Uint8Array(0);
  const typeId = data.type.typeId;
  if (typeId === arrow.Type.Utf8 || typeId === arrow.Type.Binary) {
    let offsets = data.valueOffsets as Int32Array;
    const start = length > 0 ? offsets[0] : 0;
    const end = length > 0 ? offsets[length] : 0;
    if (start !== 0) {
      // A sliced input (e.g. cut by the row limit): offsets must start at 0 in the file.
      offsets = offsets.slice(0, length + 1).map((o) => o - start);
    }
    const values = (data.values as Uint8Array).subarray(start, end);
    return [validity, bytesOf(offsets.subarray(0, length + 1)), values];
  }
  if (typeId === arrow.Type.Bool) {
    return [validity, bitsFromZero(data.values as Uint8Array, data.offset, length)];
  }
  if (typeId === arrow.Type.Int || typeId === arrow.Type.Float || typeId === arrow.Type.Timestamp) {
    // Fixed-width values are already sliced to the Data's rows (unlike bitmaps).
    const values = data.values as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number };
    return [validity, new Uint8Array(values.buffer, values.byteOffset, length * values.BYTES_PER_ELEMENT)];
  }
  throw new Error(`Arrow type ${String(data.type)} is not a Grafana field type`);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Collects output chunks: large buffers by reference, small pieces copied together. */
class ChunkSink {
  readonly chunks: Uint8Array[] = [];
  position = 0;
  // Grows from 1 KiB so small results stay small.
  private small = new Uint8Array(0);
  private smallStart = 0;
  private smallEnd = 0;

  write(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) {
      return;
    }
    if (bytes.byteLength >= REFERENCE_BYTES) {
      this.flush();
      this.chunks.push(bytes);
    } else {
      if (this.smallEnd + bytes.byteLength > this.small.byteLength) {
        this.flush();
        this.small = new Uint8Array(
          Math.min(SMALL_CHUNK_BYTES, Math.max(1024, 2 * this.small.byteLength, bytes.byteLength))
        );
        this.smallStart = this.smallEnd = 0;
      }
      this.small.set(bytes, this.smallEnd);
      this.smallEnd += bytes.byteLength;
    }
    this.position += bytes.byteLength;
  }

  zeros(n: number): void {
    if (n > 0) {
      this.write(new Uint8Array(n));
    }
  }

  int32s(...values: number[]): void {
    this.write(new Uint8Array(Int32Array.from(values).buffer));
  }

  flush(): void {
    if (this.smallEnd > this.smallStart) {
      this.chunks.push(this.small.subarray(this.smallStart, this.smallEnd));
      this.smallStart = this.smallEnd;
    }
  }
}

/** Writes one encapsulated message's metadata; returns its length including the 8-byte prefix and padding. */
function writeMessageMetadata(sink: ChunkSink, message: Message | Uint8Array): number {
  const flatbuffer = message instanceof Uint8Array ? message : Message.encode(message);
  const aligned = pad8(8 + flatbuffer.byteLength);
  sink.int32s(-1, aligned - 8);
  sink.write(flatbuffer);
  sink.zeros(aligned - 8 - flatbuffer.byteLength);
  return aligned;
}

/**
 * Builds one IPC file. `writeBatch` may be called as batches arrive; `finish(schema)`
 * returns the file as chunks. Column types must match the schema given to `finish`.
 */
export class IpcFileWriter {
  /** Record batch messages, positions relative to the first one. */
  private readonly batches = new ChunkSink();
  private readonly blocks: Array<{ metaDataLength: number; bodyLength: number; offset: number }> = [];
  rows = 0;

  get batchCount(): number {
    return this.blocks.length;
  }

  writeBatch(length: number, columns: arrow.Data[]): void {
    runSteps(this.writeBatchSteps(length, columns));
  }

  /** writeBatch, yielding every few hundred columns (a frame may have thousands of fields). */
  *writeBatchSteps(length: number, columns: arrow.Data[]): Steps<void> {
    const nodes: FieldNode[] = [];
    const regions: BufferRegion[] = [];
    const buffers: Uint8Array[] = [];
    let bodyLength = 0;
    for (let c = 0; c < columns.length; c++) {
      const data = columns[c];
      if (data.length !== length) {
        throw new Error(`a column has ${data.length} rows in a batch of ${length}`);
      }
      nodes.push(new FieldNode(length, data.nullCount));
      for (const buf of columnBuffers(data)) {
        regions.push(new BufferRegion(bodyLength, buf.byteLength));
        buffers.push(buf);
        bodyLength += pad8(buf.byteLength);
      }
      if ((c & 255) === 255) {
        yield;
      }
    }
    const offset = this.batches.position;
    const metaDataLength = writeMessageMetadata(
      this.batches,
      yield* recordBatchMessage(length, nodes, regions, bodyLength)
    );
    for (let i = 0; i < buffers.length; i++) {
      const buf = buffers[i];
      this.batches.write(buf);
      this.batches.zeros(pad8(buf.byteLength) - buf.byteLength);
      if ((i & 1023) === 1023) {
        yield;
      }
    }
    this.blocks.push({ metaDataLength, bodyLength, offset });
    this.rows += length;
  }

  /** The whole file: magic, schema, the batches written, footer. */
  finish(schema: arrow.Schema): Uint8Array[] {
    return runSteps(this.finishSteps(schema));
  }

  /** The same, pausing while the schema is encoded (a frame may have thousands of fields). */
  finishSliced(schema: arrow.Schema, slicer: Slicer): Promise<Uint8Array[]> {
    return runStepsSliced(this.finishSteps(schema), slicer);
  }

  /** finish, yielding while the schema is encoded. */
  *finishSteps(schema: arrow.Schema): Steps<Uint8Array[]> {
    const head = new ChunkSink();
    head.write(MAGIC);
    head.zeros(2);
    writeMessageMetadata(head, yield* schemaMessage(schema));
    head.flush();
    this.batches.flush();
    const base = head.position;
    const blocks = this.blocks.map((b) => new FileBlock(b.metaDataLength, b.bodyLength, base + b.offset));
    const tail = new ChunkSink();
    tail.int32s(-1, 0); // end-of-stream marker, for readers of the stream part
    const footerBytes = yield* footer(schema, blocks);
    tail.write(footerBytes);
    tail.int32s(footerBytes.byteLength);
    tail.write(MAGIC);
    tail.flush();
    return [...head.chunks, ...this.batches.chunks, ...tail.chunks];
  }
}

/** Total bytes of a chunked file. */
export function chunksLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) {
    n += c.byteLength;
  }
  return n;
}

/** The chunks joined into one buffer (for callers that need the file as one piece). */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) {
    return chunks[0];
  }
  const out = new Uint8Array(chunksLength(chunks));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
