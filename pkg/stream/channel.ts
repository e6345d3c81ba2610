// The live tail channel contract: the frontend subscribes to Grafana Live channel
// `ds/<datasource uid>/tail/<key>` with the panel query as `data`; the key is a hash of
// that data, so every subscriber of one channel runs the same query (Grafana runs one
// RunStream per channel, with the first subscriber's data). The key is computed by the
// frontend's own dependency-free module, src/query/liveTailKey.ts, so both sides agree.
import { liveTailPath as tailPath } from '../../src/query/liveTailKey';
import { expandMacros } from '../query/macros';
import { parseQueryModel } from '../query/model';

/** Poll interval bounds (ms): Explore's Live view expects about one update per second. */
export const DEFAULT_POLL_MS = 1000;
export const MIN_POLL_MS = 500;
export const MAX_POLL_MS = 60_000;

export { tailPath };

const PATH = /^tail\/([0-9a-f]{16})$/;

/** A stream request we refuse; `message` says why (logged; Grafana shows "not found"). */
export class TailRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TailRequestError';
  }
}

export interface TailRequest {
  path: string;
  /** The panel query JSON (template variables already applied by the frontend). */
  query: Record<string, unknown>;
  pollMs: number;
}

function parseData(data: Uint8Array | string): Record<string, unknown> {
  const text =
    typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (text.trim() === '') {
    throw new TailRequestError('the stream request carries no query (data is empty)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TailRequestError(`the stream request's data is not JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TailRequestError(
      'the stream request\'s data must be the query JSON object, e.g. {"query": "SELECT …", "format": "logs"}'
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * Validates a SubscribeStream/RunStream request: a `tail/<key>` path whose key matches the
 * data, and a runnable logs query (JSON, SQL, macros). Throws TailRequestError.
 */
export function parseTailRequest(path: string, data: Uint8Array | string): TailRequest {
  if (!PATH.test(path)) {
    throw new TailRequestError(
      `unknown stream path ${JSON.stringify(path)}: this data source only serves "tail/<key>" (live tail of a logs query)`
    );
  }
  const query = parseData(data);
  const expected = tailPath(query);
  if (expected !== path) {
    throw new TailRequestError(
      `stream path ${path} does not match its query (expected ${expected}): subscribe with the path the data source computes for the query`
    );
  }
  let model;
  try {
    model = parseQueryModel(query);
  } catch (e) {
    throw new TailRequestError(`invalid query: ${(e as Error).message}`);
  }
  if (model.format !== 'logs') {
    throw new TailRequestError(`live tail needs a query formatted as Logs; this one is formatted as ${model.format}`);
  }
  try {
    // Macros are checked now so a typo is reported at subscription, not at every poll.
    const now = Date.now();
    expandMacros(model.sql, {
      from: new Date(now - 60_000),
      to: new Date(now),
      intervalMs: DEFAULT_POLL_MS,
      adhoc: { filters: model.adhocFilters },
    });
  } catch (e) {
    throw new TailRequestError(`invalid query: ${(e as Error).message}`);
  }
  let pollMs = DEFAULT_POLL_MS;
  const raw = query.liveIntervalMs;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) {
      throw new TailRequestError(
        `query field "liveIntervalMs" must be a positive number of milliseconds; got ${JSON.stringify(raw)}`
      );
    }
    pollMs = Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, Math.round(raw)));
  }
  return { path, query, pollMs };
}
