// Worker-thread side of translate-pool.ts: parses and translates one statement per message.
import { parentPort } from 'node:worker_threads';

import { checkAccess, DataFusionParseError, initTranslator, translate, Untranslatable } from './translate';

export interface TranslateRequest {
  id: number;
  op: 'check' | 'translate';
  sql: string;
  mayMutate: boolean;
}

/** An error crossing the thread boundary: its class is named so the pool can rebuild it. */
export interface WireError {
  kind: 'parse' | 'untranslatable' | 'other';
  message: string;
  position?: { line: number; column: number };
}

export type TranslateReply = { id: number; value?: unknown; error?: WireError };

function toWire(err: unknown): WireError {
  if (err instanceof DataFusionParseError) {
    return { kind: 'parse', message: err.message, position: err.position };
  }
  if (err instanceof Untranslatable) {
    return { kind: 'untranslatable', message: err.message };
  }
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

const port = parentPort;
if (port) {
  const ready = initTranslator();
  port.on('message', (req: TranslateRequest) => {
    void ready.then(() => {
      let reply: TranslateReply;
      try {
        const value = req.op === 'check' ? checkAccess(req.sql, req.mayMutate) : translate(req.sql);
        reply = { id: req.id, value };
      } catch (err) {
        reply = { id: req.id, error: toWire(err) };
      }
      port.postMessage(reply);
    });
  });
}
