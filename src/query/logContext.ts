// "Show context" in Explore: the lines of the same source (process, else exe/computer)
// just before or after a log line, read from log_entries through the normal query path.
import { QUERY_MODEL_VERSION } from '../shared/query';
import { type MicromegasQuery } from '../types';
import { quoteLiteral } from '../shared/sql';

// BigInt() rather than literals: the frontend build targets below ES2020.
const MILLION = BigInt(1_000_000);
const ZERO = BigInt(0);

export type ContextDirection = 'BACKWARD' | 'FORWARD';

/** Lines shown per side when Grafana passes no limit (its own default is 50). */
export const DEFAULT_CONTEXT_LIMIT = 50;

/**
 * Window searched on the line's side when Grafana passes no `timeWindowMs` (the context
 * view's window selector): bounds the partitions Micromegas reads.
 */
export const CONTEXT_WINDOW_MS = 3600_000;

/** What a context query needs from a log row (LogRowModel's fields, decoupled from React). */
export interface ContextRow {
  /** Nanoseconds since the epoch, as a decimal string (LogRowModel.timeEpochNs). */
  timeEpochNs?: string;
  timeEpochMs?: number;
  labels?: Record<string, string | undefined>;
}

/** The columns that name a line's source: the process, else the program and machine. */
function sourceFilters(labels: Record<string, string | undefined>): Array<[string, string]> {
  const pid = labels.process_id;
  if (pid) {
    return [['process_id', pid]];
  }
  return (['exe', 'computer'] as const).filter((k) => Boolean(labels[k])).map((k): [string, string] => [k, labels[k]!]);
}

function rowTimeNs(row: ContextRow): bigint | undefined {
  if (row.timeEpochNs && /^\d+$/.test(row.timeEpochNs)) {
    return BigInt(row.timeEpochNs);
  }
  if (typeof row.timeEpochMs === 'number' && Number.isFinite(row.timeEpochMs)) {
    return BigInt(Math.round(row.timeEpochMs)) * MILLION;
  }
  return undefined;
}

/** True when the row has a time and a source: otherwise Grafana hides "Show context". */
export function hasLogContext(row: ContextRow): boolean {
  return rowTimeNs(row) !== undefined && sourceFilters(row.labels ?? {}).length > 0;
}

/**
 * RFC 3339 UTC with only the fraction digits the instant needs (ms, µs or ns), so engines
 * whose timestamps stop at microseconds still read whole-µs instants exactly.
 */
export function rfc3339Ns(ns: bigint): string {
  const ms = ns / MILLION;
  const subMs = ns % MILLION;
  const base = new Date(Number(ms)).toISOString().replace(/Z$/, '');
  if (subMs === ZERO) {
    return `${base}Z`;
  }
  const sub = subMs.toString().padStart(6, '0');
  return `${base}${sub.endsWith('000') ? sub.slice(0, 3) : sub}Z`;
}

export interface LogContextQuery {
  query: MicromegasQuery;
  /** The time range to send (epoch ms), which Micromegas uses to pick partitions. */
  fromMs: number;
  toMs: number;
}

/**
 * The context query of a row: same source, strictly before (BACKWARD, newest first) or
 * strictly after (FORWARD, oldest first) the row's time, at most `limit` lines, within
 * `windowMs` of it (default an hour). Undefined when the row has no time or source (see
 * hasLogContext).
 */
export function buildLogContextQuery(
  row: ContextRow,
  direction: ContextDirection,
  limit: number | undefined,
  refId = 'log-context',
  windowMs?: number
): LogContextQuery | undefined {
  const t = rowTimeNs(row);
  const filters = sourceFilters(row.labels ?? {});
  if (t === undefined || filters.length === 0) {
    return undefined;
  }
  const n = limit !== undefined && Number.isFinite(limit) && limit >= 1 ? Math.floor(limit) : DEFAULT_CONTEXT_LIMIT;
  const backward = direction === 'BACKWARD';
  const rowMs = Number(t / MILLION);
  const window =
    windowMs !== undefined && Number.isFinite(windowMs) && windowMs > 0 ? Math.floor(windowMs) : CONTEXT_WINDOW_MS;
  const from = backward ? rowMs - window : rowMs;
  // +1 ms: the range end is inclusive at ms precision and the row may sit inside its last ms.
  const to = backward ? rowMs + 1 : rowMs + window;
  const where = [
    ...filters.map(([k, v]) => `${k} = ${quoteLiteral(v)}`),
    '$__timeFilter(time)',
    `time ${backward ? '<' : '>'} ${quoteLiteral(rfc3339Ns(t))}`,
  ];
  const sql = [
    'SELECT time, level, msg, target, process_id, exe, computer',
    'FROM log_entries',
    `WHERE ${where.join('\n  AND ')}`,
    `ORDER BY time ${backward ? 'DESC' : 'ASC'}`,
    `LIMIT ${n}`,
  ].join('\n');
  return {
    query: { refId, query: sql, format: 'logs', timeFilter: true, autoLimit: false, version: QUERY_MODEL_VERSION },
    fromMs: from,
    toMs: to,
  };
}
