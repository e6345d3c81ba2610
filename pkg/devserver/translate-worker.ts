// Worker-thread side of translate-pool.ts: parses and translates one statement per message.
import { parentPort } from 'node:worker_threads';

import {
  analyze,
  DataFusionParseError,
  initTranslator,
  parserStats,
  translate,
  Untranslatable,
  type Translation,
} from './translate';

export interface TranslateRequest {
  id: number;
  op: 'analyze' | 'translate';
  sql: string;
  mayMutate: boolean;
}

/** An error crossing the thread boundary: its class is named so the pool can rebuild it. */
export interface WireError {
  kind: 'parse' | 'untranslatable' | 'other';
  message: string;
  position?: { line: number; column: number };
}

/** The value of an `analyze` reply: TranslationOutcome with its error on the wire. */
export type WireOutcome = { translation: Translation } | { error: WireError };

/** `parses`: the parser runs this request cost (added to the pool's parserStats). */
export type TranslateReply = { id: number; value?: unknown; error?: WireError; parses: number };

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
      let reply: Omit<TranslateReply, 'parses'>;
      const before = parserStats.parses;
      try {
        let value: WireOutcome | Translation;
        if (req.op === 'analyze') {
          const outcome = analyze(req.sql, req.mayMutate);
          value = 'error' in outcome ? { error: toWire(outcome.error) } : outcome;
        } else {
          value = translate(req.sql);
        }
        reply = { id: req.id, value };
      } catch (err) {
        reply = { id: req.id, error: toWire(err) };
      }
      port.postMessage({ ...reply, parses: parserStats.parses - before } satisfies TranslateReply);
    });
  });
}
