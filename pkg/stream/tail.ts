// The live tail loop behind one RunStream: every poll interval, the panel's logs query runs
// through the normal pipeline (macros, auth, TLS, attribution, row limit: pkg/query
// runQuery) bound to the next window, and the rows not sent before go out as one frame
// JSON per packet. One query at a time; a failed poll sends nothing and is retried with
// backoff; a query that can never succeed (bad SQL, rejected credentials) ends the tail.
import { frameToJson, rowCount, type DataFrameJSON } from '../frames/json';
import { runQuery } from '../query/run';
import type { QueryEnv } from '../query/types';
import type { TailRequest } from './channel';
import { TailCursor } from './cursor';

/** How far each poll reaches back before the previous window's end (late lines). */
export const DEFAULT_OVERLAP_MS = 5000;
/** Longest wait between retries of a failing poll. */
export const MAX_BACKOFF_MS = 30_000;

export interface TailOptions {
  request: TailRequest;
  /** Client, settings, user and logger of the data source; `signal` ends the tail. */
  env: QueryEnv & { signal: AbortSignal };
  /** Delivers one packet; resolves when the transport can take the next one. */
  send(frame: DataFrameJSON): Promise<void>;
  overlapMs?: number;
  /** Clock (epoch ms), for the windows. */
  now?: () => number;
}

export type TailOutcome =
  | { ended: 'cancelled'; polls: number; rows: number }
  /** A permanent error: `status` is the pipeline's HTTP-like status, `message` redacted. */
  | { ended: 'failed'; polls: number; rows: number; status: number; message: string };

/** Errors a retry cannot fix: the query or the credentials must change first. */
export function isPermanent(status: number | undefined): boolean {
  return status === 400 || status === 401 || status === 403;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs until `env.signal` aborts (Grafana cancelled, plugin shutdown) or a permanent error. */
export async function runTail(opts: TailOptions): Promise<TailOutcome> {
  const { request, env, send } = opts;
  const now = opts.now ?? Date.now;
  const signal = env.signal;
  const cursor = new TailCursor(now(), opts.overlapMs ?? DEFAULT_OVERLAP_MS);
  const refId = typeof request.query.refId === 'string' && request.query.refId !== '' ? request.query.refId : 'A';
  // The window is the time filter: a query saved with "time filter" off would reread everything.
  const json = { ...request.query, timeFilter: true };
  let polls = 0;
  let rows = 0;
  let failures = 0;
  /** One more failure in a row: the wait before the next poll doubles, up to MAX_BACKOFF_MS. */
  const backoff = (): number => Math.min(MAX_BACKOFF_MS, request.pollMs * 2 ** ++failures);
  while (!signal.aborted) {
    const started = now();
    const window = cursor.next(started);
    polls++;
    let waitMs = request.pollMs;
    try {
      const result = await runQuery(env, {
        refId,
        json,
        timeRange: { fromEpochMS: window.fromMs, toEpochMS: window.toMs },
      });
      if (signal.aborted) {
        break;
      }
      if (result.error !== undefined) {
        if (isPermanent(result.status)) {
          env.logger.warn('live tail stopped: the query cannot succeed', {
            status: result.status,
            error: result.error,
          });
          return { ended: 'failed', polls, rows, status: result.status!, message: result.error };
        }
        waitMs = backoff();
        env.logger.warn('live tail poll failed; retrying', {
          status: result.status,
          error: result.error,
          failures,
          retryInMs: waitMs,
        });
      } else {
        failures = 0;
        const fresh = cursor.accept(
          result.frames.map((f) => frameToJson(f)),
          window
        );
        for (const frame of fresh) {
          if (signal.aborted) {
            break;
          }
          await send(frame);
          rows += rowCount(frame);
        }
        env.logger.debug('live tail poll', {
          fromMs: window.fromMs,
          toMs: window.toMs,
          newRows: fresh.reduce((n, f) => n + rowCount(f), 0),
          remembered: cursor.remembered,
          ms: now() - started,
        });
        waitMs = request.pollMs - (now() - started);
      }
    } catch (e) {
      // runQuery never throws; frame decoding might (a bug of ours): keep the tail alive.
      waitMs = backoff();
      env.logger.error('live tail poll failed unexpectedly; retrying', {
        error: e instanceof Error ? e.message : String(e),
        retryInMs: waitMs,
      });
    }
    await sleep(waitMs, signal);
  }
  return { ended: 'cancelled', polls, rows };
}
