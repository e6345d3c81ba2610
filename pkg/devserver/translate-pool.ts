// Parsing and translating a large statement off the event loop. Real Micromegas parses and
// plans each query inside its own async task on tokio's multi-threaded runtime (the Flight
// service's do_get), so a multi-megabyte statement never stalls the other queries; on one
// Node thread the WASM parse of a 350 KB IN list holds the loop for 150–350 ms (one parse
// serves the access check and the translation). Statements above LARGE_SQL go to one worker thread instead;
// smaller ones stay synchronous (a round trip to the worker would cost more than the parse).
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import {
  analyze,
  DataFusionParseError,
  parserStats,
  translate,
  Untranslatable,
  type Translation,
  type TranslationOutcome,
} from './translate';
import type { TranslateReply, TranslateRequest, WireError, WireOutcome } from './translate-worker';

/** Statements at least this long are parsed on the worker thread. */
export const LARGE_SQL = 32 * 1024;

let worker: Worker | undefined;
let nextId = 1;
/** Requests awaiting a reply, with the worker that has them (a stopped or dead worker fails only its own). */
const pending = new Map<number, { worker: Worker; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

function fromWire(e: WireError): Error {
  if (e.kind === 'parse') {
    return new DataFusionParseError(e.message, e.position);
  }
  if (e.kind === 'untranslatable') {
    return new Untranslatable(e.message);
  }
  return new Error(e.message);
}

/** Rejects every request `w` still has; `w` is no longer the worker new requests go to. */
function failAll(w: Worker, err: Error): void {
  if (worker === w) {
    worker = undefined;
  }
  for (const [id, p] of pending) {
    if (p.worker === w) {
      pending.delete(id);
      p.reject(err);
    }
  }
}

function startWorker(): Worker {
  // The dev server runs its TypeScript through tsx; the worker registers tsx's loader itself.
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  const entry = path.join(__dirname, 'translate-worker.ts');
  const w = new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(entry)});`, { eval: true });
  w.on('message', (reply: TranslateReply) => {
    parserStats.parses += reply.parses;
    const p = pending.get(reply.id);
    pending.delete(reply.id);
    if (![...pending.values()].some((q) => q.worker === w)) {
      w.unref();
    }
    if (reply.error) {
      p?.reject(fromWire(reply.error));
    } else {
      p?.resolve(reply.value);
    }
  });
  w.on('error', (err) => failAll(w, new Error(`the SQL translation worker failed: ${err.message}`)));
  w.on('exit', (code) => failAll(w, new Error(`the SQL translation worker exited (code ${code})`)));
  return w;
}

function onWorker<T>(op: TranslateRequest['op'], sql: string, mayMutate: boolean): Promise<T> {
  worker ??= startWorker();
  worker.ref();
  const id = nextId++;
  const w = worker;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { worker: w, resolve: resolve as (v: unknown) => void, reject });
    w.postMessage({ id, op, sql, mayMutate } satisfies TranslateRequest);
  });
}

/** analyze (the one parse: syntax, access, translation), on the worker for a large statement. */
export async function analyzeOffLoop(sql: string, mayMutate: boolean): Promise<TranslationOutcome> {
  if (sql.length < LARGE_SQL) {
    return analyze(sql, mayMutate);
  }
  const outcome = await onWorker<WireOutcome>('analyze', sql, mayMutate);
  return 'error' in outcome ? { error: fromWire(outcome.error) } : outcome;
}

/** translate, on the worker for a large statement. */
export function translateOffLoop(sql: string): Promise<Translation> | Translation {
  return sql.length < LARGE_SQL ? translate(sql) : onWorker<Translation>('translate', sql, false);
}

/** Stops the worker (server shutdown): the translations it still had fail, rather than never settle. */
export async function stopTranslateWorker(): Promise<void> {
  const w = worker;
  if (w === undefined) {
    return;
  }
  failAll(w, new Error('the SQL translation worker was stopped (the dev server is shutting down)'));
  await w.terminate();
}
