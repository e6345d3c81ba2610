// Feeds the FlightData messages of one DoGet, as they arrive, into ONE synchronous
// apache-arrow reader (so dictionaries persist across batches). Each FlightData carries
// exactly one IPC message, so the reader is only asked to decode a message once all of
// its bytes are here: no async byte stream and no read-ahead, which makes small results
// much cheaper than apache-arrow's async reader and lets a mid-stream error arrive after
// every batch received before it.
import { MessageHeader, RecordBatch, RecordBatchReader, type RecordBatchStreamReader, type Schema } from 'apache-arrow';

import { type FlightDataLike, flightDataToIpc } from './flight-ipc';

export class IpcFeed {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private starved = false;
  private reader?: RecordBatchStreamReader;
  /** Arrow IPC bytes received so far (headers + bodies). */
  bytes = 0;
  /** The result schema, once the first message arrived. */
  schema?: Schema;

  /**
   * Adds one FlightData. Returns the record batch it completes (a dictionary message is
   * held until the batch that uses it; the schema message returns nothing).
   */
  push(data: FlightDataLike): RecordBatch | undefined {
    const { chunks, kind } = flightDataToIpc(data);
    if (kind === MessageHeader.NONE) {
      return undefined; // app_metadata only
    }
    for (const c of chunks) {
      this.bytes += c.byteLength;
      this.queue.push(c);
    }
    if (!this.reader) {
      if (kind !== MessageHeader.Schema) {
        throw new Error(
          `the server's Arrow stream started with a ${MessageHeader[kind]} message instead of the schema`
        );
      }
      const reader = RecordBatchReader.from(this.source()) as RecordBatchStreamReader;
      reader.open();
      if (!reader.schema) {
        throw new Error('the server sent a schema message apache-arrow could not read');
      }
      this.reader = reader;
      this.schema = reader.schema;
      return undefined;
    }
    if (kind !== MessageHeader.RecordBatch) {
      return undefined;
    }
    const next = this.reader.next();
    if (next.done) {
      throw new Error('the Arrow reader ended before a record batch it had received');
    }
    return next.value;
  }

  /** The stream ended: nothing more will be pushed. */
  end(): void {
    this.ended = true;
    this.reader?.return();
  }

  /**
   * The byte source of the reader: the queued chunks. apache-arrow's byte pump may ask for
   * one more chunk at a message boundary; an empty chunk answers that. Being asked twice
   * with nothing queued means the reader wants bytes that have not arrived: a bug, not a wait.
   */
  private *source(): Generator<Uint8Array, void, unknown> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        this.starved = false;
        yield chunk;
        continue;
      }
      if (this.ended) {
        return;
      }
      if (this.starved) {
        throw new Error('internal error: the Arrow reader asked for bytes of a message not yet received');
      }
      this.starved = true;
      yield new Uint8Array(0);
    }
  }
}
