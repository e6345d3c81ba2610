// One DoGet call as an async iterable of Arrow RecordBatches. The FlightData messages
// are reassembled into a single IPC stream read by ONE apache-arrow reader, so
// dictionaries carry over between batches. Batches are pulled on demand (gRPC flow
// control gives back-pressure), and the call is cancelled when the consumer stops early,
// when the AbortSignal fires, or on error.
import { type ClientReadableStream, status as GrpcStatus } from '@grpc/grpc-js';
import { AsyncRecordBatchStreamReader, RecordBatch, RecordBatchReader, Schema, Table } from 'apache-arrow';

import { MicromegasError } from './errors';
import { FlightDataLike, flightDataToIpcChunks } from './flight-ipc';

/** Starts the gRPC call; `attempt` is 0, then 1 when retrying after UNAUTHENTICATED. */
export interface DoGetOpener {
  start(attempt: number): Promise<ClientReadableStream<FlightDataLike>>;
  /** Converts anything thrown by the call into the error to surface. */
  translate(err: unknown): MicromegasError;
  /** Drops a cached token; returns true when a retry may succeed. */
  invalidateAuth(): boolean;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * The result of `queryStream`: iterate it for RecordBatches; `schema` resolves once the
 * server's schema message arrived (also for zero rows). The call starts on first use of
 * `schema`, `reader`, `toTable()` or iteration.
 */
export class QueryStream implements AsyncIterable<RecordBatch> {
  private opened?: Promise<AsyncRecordBatchStreamReader>;
  private call?: ClientReadableStream<FlightDataLike>;
  private finished = false;
  // apache-arrow's reader forgets its schema once it has auto-closed at the end of the stream.
  private openedSchema?: Schema;
  private streamError?: unknown;
  private iterated = false;
  /** Arrow IPC bytes received so far (headers + bodies). */
  bytesReceived = 0;

  constructor(
    private readonly opener: DoGetOpener,
    private readonly signal?: AbortSignal
  ) {}

  /** The underlying apache-arrow reader, opened (schema read). */
  get reader(): Promise<AsyncRecordBatchStreamReader> {
    this.opened ??= this.open();
    return this.opened;
  }

  /** The result schema, available before (and without) any batch, and still after iteration. */
  get schema(): Promise<Schema> {
    return this.reader.then(() => this.openedSchema!);
  }

  /** Stops the server-side DoGet. Iteration then ends with a CANCELLED error unless already complete. */
  cancel(): void {
    this.call?.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch> {
    if (this.iterated) {
      throw new Error('a QueryStream can be iterated only once');
    }
    this.iterated = true;
    const reader = await this.reader;
    try {
      while (true) {
        let next: IteratorResult<RecordBatch>;
        try {
          next = await reader.next();
        } catch (err) {
          throw this.streamError ?? this.translate(err);
        }
        if (this.signal?.aborted) {
          throw abortReason(this.signal);
        }
        if (next.done) {
          break;
        }
        yield next.value;
      }
      if (this.streamError) {
        // The call failed after the batches above: never let that look like a complete result.
        throw this.streamError;
      }
      this.finished = true;
    } finally {
      if (!this.finished) {
        this.call?.cancel();
        await reader.return().catch(() => undefined);
      }
    }
  }

  /** Reads the whole result into a Table (the schema is kept when there are no rows). */
  async toTable(): Promise<Table> {
    const schema = await this.schema;
    const batches: RecordBatch[] = [];
    for await (const b of this) {
      batches.push(b);
    }
    return batches.length > 0 ? new Table(batches) : new Table(schema);
  }

  private async open(): Promise<AsyncRecordBatchStreamReader> {
    for (let attempt = 0; ; attempt++) {
      if (this.signal?.aborted) {
        throw abortReason(this.signal);
      }
      let call: ClientReadableStream<FlightDataLike>;
      try {
        call = await this.opener.start(attempt);
      } catch (err) {
        throw this.translate(err);
      }
      this.call = call;
      this.streamError = undefined;
      const onAbort = (): void => call.cancel();
      this.signal?.addEventListener('abort', onAbort, { once: true });
      call.on('status', () => this.signal?.removeEventListener('abort', onAbort));
      call.on('error', () => this.signal?.removeEventListener('abort', onAbort));
      try {
        const reader = (await RecordBatchReader.from(this.bytes(call))) as unknown as AsyncRecordBatchStreamReader;
        await reader.open();
        if (!reader.schema && this.streamError) {
          throw this.streamError;
        }
        if (!reader.schema) {
          throw new MicromegasError({
            code: GrpcStatus.INTERNAL,
            serverMessage: 'the server ended the stream without sending a schema',
          });
        }
        this.openedSchema = reader.schema;
        return reader;
      } catch (err) {
        call.cancel();
        const e = this.translate(err);
        if (e instanceof MicromegasError && e.code === GrpcStatus.UNAUTHENTICATED && attempt === 0 && this.opener.invalidateAuth()) {
          continue;
        }
        throw e;
      }
    }
  }

  private async *bytes(call: ClientReadableStream<FlightDataLike>): AsyncGenerator<Uint8Array> {
    try {
      for await (const data of call as AsyncIterable<FlightDataLike>) {
        for (const chunk of flightDataToIpcChunks(data)) {
          this.bytesReceived += chunk.byteLength;
          yield chunk;
        }
      }
    } catch (err) {
      // apache-arrow reads ahead: throwing here would drop batches already received. End the
      // byte stream at this message boundary instead and raise the error once they are consumed.
      this.streamError = this.translate(err);
    }
  }

  private translate(err: unknown): MicromegasError | unknown {
    if (this.signal?.aborted) {
      return abortReason(this.signal);
    }
    if (err instanceof MicromegasError) {
      return err;
    }
    return this.opener.translate(err);
  }
}
