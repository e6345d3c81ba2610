// One DoGet call as an async iterable of Arrow RecordBatches. The FlightData messages
// feed ONE apache-arrow reader (ipc-feed.ts), so dictionaries carry over between
// batches. Batches are pulled on demand (gRPC flow control gives back-pressure), and the
// call is cancelled when the consumer stops early, when the AbortSignal fires, or on error.
import { type ClientReadableStream, status as GrpcStatus } from '@grpc/grpc-js';
import { RecordBatch, Schema, Table } from 'apache-arrow';

import { MicromegasError } from './errors';
import type { FlightDataLike } from './flight-ipc';
import { IpcFeed } from './ipc-feed';

/** Starts the gRPC call; `attempt` is 0, then 1 when retrying after UNAUTHENTICATED. */
export interface DoGetOpener {
  start(attempt: number): Promise<ClientReadableStream<FlightDataLike>>;
  /** Converts anything thrown by the call into the error to surface. */
  translate(err: unknown): MicromegasError;
  /** Drops a cached token; returns true when a retry may succeed. */
  invalidateAuth(): boolean;
  /** Replaces a channel stuck in reconnect back-off; returns true when a retry may succeed. */
  reconnect?(): boolean;
}

/** The request never left: no connection (refused, or the channel waiting out its back-off). */
function notSent(e: MicromegasError): boolean {
  return (
    e.code === GrpcStatus.UNAVAILABLE &&
    /No connection established|ECONNREFUSED|Failed to connect|connect ECONN/i.test(e.serverMessage)
  );
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

interface Opened {
  call: ClientReadableStream<FlightDataLike>;
  messages: AsyncIterator<FlightDataLike>;
  feed: IpcFeed;
}

/**
 * The result of `queryStream`: iterate it for RecordBatches; `schema` resolves once the
 * server's schema message arrived (also for zero rows). The call starts on first use of
 * `schema`, `toTable()` or iteration.
 */
export class QueryStream implements AsyncIterable<RecordBatch> {
  private opened?: Promise<Opened>;
  private call?: ClientReadableStream<FlightDataLike>;
  private feed?: IpcFeed;
  private finished = false;
  private iterated = false;

  constructor(
    private readonly opener: DoGetOpener,
    private readonly signal?: AbortSignal
  ) {}

  /** Arrow IPC bytes received so far (headers + bodies). */
  get bytesReceived(): number {
    return this.feed?.bytes ?? 0;
  }

  /** The result schema, available before (and without) any batch, and still after iteration. */
  get schema(): Promise<Schema> {
    return this.open().then((o) => o.feed.schema!);
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
    const { call, messages, feed } = await this.open();
    try {
      for (;;) {
        let next: IteratorResult<FlightDataLike>;
        try {
          next = await messages.next();
        } catch (err) {
          // Every batch received before the failure was yielded: the error comes last, so a
          // partial result never looks complete.
          throw this.translate(err);
        }
        if (this.signal?.aborted) {
          throw abortReason(this.signal);
        }
        if (next.done) {
          feed.end();
          break;
        }
        let batch: RecordBatch | undefined;
        try {
          batch = feed.push(next.value);
        } catch (err) {
          throw this.translate(err);
        }
        if (batch) {
          yield batch;
        }
      }
      this.finished = true;
    } finally {
      if (!this.finished) {
        call.cancel();
        await messages.return?.().catch(() => undefined);
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

  private open(): Promise<Opened> {
    this.opened ??= this.start();
    return this.opened;
  }

  /**
   * Starts the call and reads up to the schema message, retrying once after UNAUTHENTICATED
   * (fresh token) and once when the request never left (fresh connection: the server may be back).
   */
  private async start(): Promise<Opened> {
    let reconnected = false;
    let reauthenticated = false;
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
      const onAbort = (): void => call.cancel();
      this.signal?.addEventListener('abort', onAbort, { once: true });
      call.on('status', () => this.signal?.removeEventListener('abort', onAbort));
      call.on('error', () => this.signal?.removeEventListener('abort', onAbort));
      const messages = (call as AsyncIterable<FlightDataLike>)[Symbol.asyncIterator]();
      const feed = new IpcFeed();
      this.feed = feed;
      try {
        while (!feed.schema) {
          const next = await messages.next();
          if (next.done) {
            throw new MicromegasError({
              code: GrpcStatus.INTERNAL,
              serverMessage: 'the server ended the stream without sending a schema',
            });
          }
          if (feed.push(next.value)) {
            throw new Error('the server sent a record batch before the schema');
          }
        }
        return { call, messages, feed };
      } catch (err) {
        call.cancel();
        const e = this.translate(err);
        if (
          e instanceof MicromegasError &&
          e.code === GrpcStatus.UNAUTHENTICATED &&
          !reauthenticated &&
          this.opener.invalidateAuth()
        ) {
          reauthenticated = true;
          continue;
        }
        if (e instanceof MicromegasError && notSent(e) && !reconnected && this.opener.reconnect?.()) {
          reconnected = true;
          continue;
        }
        throw e;
      }
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
