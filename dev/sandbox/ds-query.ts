// Grafana's /api/ds/query, translated: the browser's { queries, from, to } becomes pluginv2
// DataQuery messages (time range, maxDataPoints, intervalMs, the query JSON), and the
// plugin's DataResponses become { results: { refId: { status, frames: [frame JSON], error? } } }
// with each Arrow frame converted as Grafana's server converts it for the browser.
import { frameToJson } from '../../tests/harness/frame-json';
import type { DataQueryMessage, DataResponse } from '../../tests/harness/grafana-host';

export interface PanelQueryBody {
  queries?: unknown;
  from?: unknown;
  to?: unknown;
}

type ErrorFactory = (message: string) => Error;

/** Grafana accepts epoch milliseconds (as string or number) for from/to. */
function epochMs(value: unknown, name: string, fail: ErrorFactory): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    throw fail(`"${name}" must be epoch milliseconds, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function dataQueryFromPanel(body: PanelQueryBody, uid: string, fail: ErrorFactory): DataQueryMessage[] {
  if (!body || typeof body !== 'object') {
    throw fail('the query body must be a JSON object { queries, from, to }');
  }
  if (!Array.isArray(body.queries) || body.queries.length === 0) {
    throw fail('"queries" must be a non-empty array');
  }
  const from = epochMs(body.from, 'from', fail);
  const to = epochMs(body.to, 'to', fail);
  if (from > to) {
    throw fail(`"from" (${from}) is after "to" (${to})`);
  }
  const seen = new Set<string>();
  return body.queries.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw fail(`queries[${i}] must be an object`);
    }
    const q = raw as Record<string, unknown>;
    const refId = typeof q.refId === 'string' && q.refId ? q.refId : 'A';
    if (seen.has(refId)) {
      throw fail(`two queries have refId "${refId}"`);
    }
    seen.add(refId);
    const ds = q.datasource as { uid?: unknown } | undefined;
    if (ds && typeof ds === 'object' && typeof ds.uid === 'string' && ds.uid !== uid) {
      throw fail(`queries[${i}] targets data source "${ds.uid}", unknown to the sandbox (it serves "${uid}")`);
    }
    const maxDataPoints =
      typeof q.maxDataPoints === 'number' && q.maxDataPoints > 0 ? Math.floor(q.maxDataPoints) : 100;
    const intervalMS = typeof q.intervalMs === 'number' && q.intervalMs > 0 ? Math.floor(q.intervalMs) : 1000;
    return {
      refId,
      maxDataPoints,
      intervalMS,
      timeRange: { fromEpochMS: from, toEpochMS: to },
      json: Buffer.from(JSON.stringify(q)),
      queryType: typeof q.queryType === 'string' ? q.queryType : '',
    };
  });
}

export interface QueryResult {
  status: number;
  frames?: unknown[];
  error?: string;
  errorSource?: string;
}

export function queryResponseBody(
  queries: DataQueryMessage[],
  responses: Record<string, DataResponse>
): { status: number; body: { results: Record<string, QueryResult> } } {
  const results: Record<string, QueryResult> = {};
  let anyError = false;
  for (const q of queries) {
    const r = responses[q.refId];
    if (!r) {
      anyError = true;
      results[q.refId] = {
        status: 500,
        error: `the plugin returned no response for refId ${q.refId}`,
        errorSource: 'plugin',
      };
      continue;
    }
    const out: QueryResult = { status: r.status || (r.error ? 500 : 200) };
    try {
      out.frames = (r.frames ?? []).map((f) => frameToJson(f));
    } catch (err) {
      // Grafana fails the whole response when a frame cannot be decoded; so do we, per refId.
      anyError = true;
      results[q.refId] = {
        status: 500,
        error: `frame decoding failed: ${(err as Error).message}`,
        errorSource: 'plugin',
      };
      continue;
    }
    if (r.error) {
      anyError = true;
      out.error = r.error;
      if (r.errorSource) {
        out.errorSource = r.errorSource;
      }
    }
    results[q.refId] = out;
  }
  return { status: anyError ? 400 : 200, body: { results } };
}
