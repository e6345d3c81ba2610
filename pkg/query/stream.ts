// Opening a client stream: get the schema (even for zero rows) and a batch iterable,
// whatever shape the client returns, plus one AbortController joining Grafana's
// cancellation, our deadline and our own early stop (row limit reached).
import type { RecordBatch, Schema } from 'apache-arrow';

import { MAX_TIMER_MS } from '../../src/shared/durations';
import type { BatchStream } from './types';

export interface OpenedStream {
  schema: Schema;
  batches: AsyncIterable<RecordBatch>;
}

/** Resolves the schema of a client stream; falls back to the first batch's schema. */
export async function openStream(result: BatchStream | AsyncIterable<RecordBatch>): Promise<OpenedStream> {
  const maybeSchema = (result as Partial<BatchStream>).schema;
  if (maybeSchema) {
    return { schema: await maybeSchema, batches: result };
  }
  const iterator = result[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    throw new Error('the Micromegas client returned neither a schema nor any batch');
  }
  const head: RecordBatch = first.value;
  const batches: AsyncIterable<RecordBatch> = {
    [Symbol.asyncIterator]() {
      let sentHead = false;
      return {
        next: async () => {
          if (!sentHead) {
            sentHead = true;
            return { done: false, value: head };
          }
          return iterator.next();
        },
        return: async (value?: unknown) => {
          await iterator.return?.(value);
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { schema: head.schema, batches };
}

export interface CallControl {
  signal: AbortSignal;
  /** Stops the call on purpose (row limit reached); not reported as an error. */
  stop(): void;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly stopped: boolean;
  dispose(): void;
}

/** One signal for a call: aborted by the caller's signal, a timeout, or stop(). */
export function callControl(parent: AbortSignal | undefined, timeoutMs: number | undefined): CallControl {
  const controller = new AbortController();
  let timedOut = false;
  let cancelled = false;
  let stopped = false;
  const onParentAbort = () => {
    cancelled = true;
    controller.abort(parent?.reason ?? new Error('cancelled'));
  };
  if (parent?.aborted) {
    onParentAbort();
  } else {
    parent?.addEventListener('abort', onParentAbort, { once: true });
  }
  const timer =
    timeoutMs && timeoutMs > 0
      ? setTimeout(
          () => {
            timedOut = true;
            controller.abort(new Error(`timed out after ${timeoutMs} ms`));
            // A Node timer holds at most MAX_TIMER_MS: a longer delay would fire at once.
          },
          Math.min(timeoutMs, MAX_TIMER_MS)
        )
      : undefined;
  timer?.unref?.();
  return {
    signal: controller.signal,
    stop() {
      stopped = true;
      controller.abort(new Error('row limit reached'));
    },
    get timedOut() {
      return timedOut;
    },
    get cancelled() {
      return cancelled;
    },
    get stopped() {
      return stopped;
    },
    dispose() {
      if (timer) {
        clearTimeout(timer);
      }
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
