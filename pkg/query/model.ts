// The panel query model (docs/ARCHITECTURE.md "Query JSON"): parsing, validation and the
// migration of the upstream plugin's saved queries (v1 `queryText`, v2 without `format`).
import { QUERY_FORMAT_VALUES, QUERY_MODEL_VERSION, type QueryFormat } from '../../src/shared/query';

import { parseAdhocFilters, type AdhocFilter } from './adhoc';

export type { QueryFormat };
export const QUERY_FORMATS = QUERY_FORMAT_VALUES;

export interface QueryModel {
  /** SQL as written (macros not yet expanded). */
  sql: string;
  format: QueryFormat;
  /** True when `format` was missing and filled in from the upstream default. */
  formatDefaulted: boolean;
  /** Saved by the upstream plugin (no `version` or version < 3). */
  upstreamShaped: boolean;
  timeFilter: boolean;
  autoLimit: boolean;
  rowLimit?: number;
  /** `intervalMs` from the JSON (Grafana adds it), used when the protocol field is absent. */
  intervalMs?: number;
  /** The dashboard's ad hoc filters (`adhocFilters`), validated. */
  adhocFilters: AdhocFilter[];
}

/** A query JSON we cannot run; the message says what to fix (errorSource plugin, 400). */
export class QueryModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryModelError';
  }
}

function parseJson(json: Uint8Array | string | Record<string, unknown>): unknown {
  if (typeof json === 'object' && !(json instanceof Uint8Array)) {
    return json;
  }
  const text =
    typeof json === 'string' ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
  if (text.trim() === '') {
    return {};
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new QueryModelError(`the query JSON is not valid JSON (${(e as Error).message})`);
  }
}

function optionalBool(obj: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = obj[key];
  if (v === undefined || v === null) {
    return fallback;
  }
  if (typeof v !== 'boolean') {
    throw new QueryModelError(`query field "${key}" must be true or false; got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Default of a missing `timeFilter` / `autoLimit`. Ours: true. An upstream-shaped query (alert rule,
 * API-created or provisioned panel that never went through upstream's editor) ran on the upstream
 * backend with Go's zero value, false — no range headers, no row cap — so it keeps false and its
 * results stay identical after the switch. Upstream's editor always wrote both keys.
 */
export function switchDefault(upstreamShaped: boolean): boolean {
  return !upstreamShaped;
}

/** Parses and validates one panel query (upstream shapes included). */
export function parseQueryModel(json: Uint8Array | string | Record<string, unknown>): QueryModel {
  const parsed = parseJson(json);
  let obj: Record<string, unknown>;
  if (typeof parsed === 'string') {
    // Very old upstream queries could be a bare SQL string.
    obj = { query: parsed };
  } else if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    obj = parsed as Record<string, unknown>;
  } else {
    throw new QueryModelError('the query JSON must be an object like {"query": "SELECT …", "format": "table"}');
  }

  const version = obj.version;
  const upstreamShaped = !(typeof version === 'number' && version >= QUERY_MODEL_VERSION);

  const query = obj.query;
  const queryText = obj.queryText;
  if (query !== undefined && query !== null && typeof query !== 'string') {
    throw new QueryModelError('query field "query" must be a string of SQL');
  }
  if (queryText !== undefined && queryText !== null && typeof queryText !== 'string') {
    throw new QueryModelError('query field "queryText" must be a string of SQL');
  }
  const sql = typeof query === 'string' && query.trim() !== '' ? query : typeof queryText === 'string' ? queryText : '';
  if (sql.trim() === '') {
    throw new QueryModelError(
      'the query is empty: write an SQL statement, e.g. SELECT time, level, msg FROM log_entries ORDER BY time DESC'
    );
  }

  let format: QueryFormat;
  let formatDefaulted = false;
  const rawFormat = obj.format;
  if (typeof rawFormat === 'string' && (QUERY_FORMATS as readonly string[]).includes(rawFormat)) {
    format = rawFormat as QueryFormat;
  } else if (rawFormat === undefined || rawFormat === null || rawFormat === '' || upstreamShaped) {
    // Upstream backend default for a missing/unknown format is time_series.
    format = upstreamShaped ? 'time_series' : 'table';
    formatDefaulted = true;
  } else {
    throw new QueryModelError(
      `query field "format" must be one of ${QUERY_FORMATS.join(', ')}; got ${JSON.stringify(rawFormat)}`
    );
  }

  let rowLimit: number | undefined;
  if (obj.rowLimit !== undefined && obj.rowLimit !== null && obj.rowLimit !== '') {
    const n = typeof obj.rowLimit === 'string' ? Number(obj.rowLimit) : obj.rowLimit;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) {
      throw new QueryModelError(
        `query field "rowLimit" must be a positive integer; got ${JSON.stringify(obj.rowLimit)}`
      );
    }
    rowLimit = n;
  }

  const intervalMs = typeof obj.intervalMs === 'number' && obj.intervalMs > 0 ? obj.intervalMs : undefined;

  return {
    sql,
    format,
    formatDefaulted,
    upstreamShaped,
    timeFilter: optionalBool(obj, 'timeFilter', switchDefault(upstreamShaped)),
    autoLimit: optionalBool(obj, 'autoLimit', switchDefault(upstreamShaped)),
    rowLimit,
    intervalMs,
    adhocFilters: parseAdhocFilters(obj.adhocFilters),
  };
}
