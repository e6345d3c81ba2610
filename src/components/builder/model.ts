// The query builder's state, saved in the query JSON (`builder`) next to the SQL it
// generated. Dependency-free: the backend tests import it to run builder SQL end to end.

/** What the builder builds; each mode maps to Micromegas views a person would query. */
export type BuilderMode = 'logs' | 'metrics' | 'spans' | 'processes' | 'table';

export const BUILDER_MODES: ReadonlyArray<{ value: BuilderMode; label: string; description: string }> = [
  { value: 'logs', label: 'Logs', description: 'Log entries of every process, or of one' },
  { value: 'metrics', label: 'Metrics', description: 'One measure over time, aggregated per bin' },
  { value: 'spans', label: 'Spans', description: "A process's thread or async spans" },
  { value: 'processes', label: 'Processes', description: 'Processes with their properties' },
  { value: 'table', label: 'Table', description: 'Any view: columns, filters, order, limit' },
];

/** Micromegas log levels (1 = fatal … 6 = trace); "at least warn" is `level <= 3`. */
export const LOG_LEVELS: ReadonlyArray<{ value: number; label: string }> = [
  { value: 1, label: 'fatal' },
  { value: 2, label: 'error' },
  { value: 3, label: 'warn' },
  { value: 4, label: 'info' },
  { value: 5, label: 'debug' },
  { value: 6, label: 'trace' },
];

export const LOG_COLUMNS = ['time', 'level', 'exe', 'target', 'msg', 'process_id', 'computer', 'username'] as const;

export interface LogsState {
  /** One process: read through `view_instance('log_entries', id)`. */
  processId?: string;
  exe?: string;
  computer?: string;
  /** Lines at this level or more severe (`level <= n`). */
  maxLevel?: number;
  /** Case-insensitive text searched in msg and target. */
  search?: string;
  columns: string[];
  limit: number;
}

export type Aggregation = 'avg' | 'min' | 'max' | 'sum' | 'count';
export const AGGREGATIONS: readonly Aggregation[] = ['avg', 'min', 'max', 'sum', 'count'];

/** `auto` is the panel interval (`$__timeInterval`); otherwise a DataFusion interval text. */
export const METRIC_BINS = ['auto', '10 second', '1 minute', '5 minute', '1 hour'] as const;
export type MetricBin = (typeof METRIC_BINS)[number];

/** A column of `measures`, or `property:<key>` for a process property. */
export type MetricGroupBy = 'none' | 'exe' | 'process_id' | 'computer' | `property:${string}`;

export interface MetricsState {
  measure?: string;
  aggregation: Aggregation;
  bin: MetricBin;
  groupBy: MetricGroupBy;
  processId?: string;
  exe?: string;
}

/** How spans are shown: slowest as a table, merged as a flame graph, or as a trace. */
export type SpansView = 'slowest' | 'flame_graph' | 'trace';
/** Thread spans of one thread stream, or async spans of the process. */
export type SpansSource = 'thread' | 'async';

export interface SpansState {
  processId?: string;
  /** Thread stream (view_instance('thread_spans', stream_id)). */
  streamId?: string;
  source: SpansSource;
  view: SpansView;
  /** Span name filter (exact). */
  name?: string;
  limit: number;
}

export interface ProcessesState {
  exe?: string;
  computer?: string;
  username?: string;
  limit: number;
}

export interface TableState {
  /** A view (`log_entries`) or view set (`thread_spans`, read per instance). */
  table?: string;
  /** view_instance id (a process id, or a stream id for thread_spans); global view when empty. */
  instance?: string;
  /** Empty means every column (`*`). */
  columns: string[];
  /** Conditions joined with AND, as written. */
  wheres: string[];
  groupBy?: string;
  orderBy?: string;
  limit?: number;
}

export interface BuilderState {
  mode: BuilderMode;
  logs: LogsState;
  metrics: MetricsState;
  spans: SpansState;
  processes: ProcessesState;
  table: TableState;
}

export function defaultBuilderState(mode: BuilderMode = 'logs'): BuilderState {
  return {
    mode,
    logs: { columns: ['time', 'level', 'exe', 'target', 'msg', 'process_id'], limit: 100 },
    metrics: { aggregation: 'avg', bin: 'auto', groupBy: 'none' },
    spans: { source: 'thread', view: 'slowest', limit: 100 },
    processes: { limit: 100 },
    table: { columns: [], wheres: [], limit: 100 },
  };
}

/** Fills what a saved (possibly older or hand-written) state lacks with the defaults. */
export function normalizeBuilderState(saved: unknown): BuilderState {
  const d = defaultBuilderState();
  if (!saved || typeof saved !== 'object') {
    return d;
  }
  const s = saved as Partial<BuilderState>;
  const mode = BUILDER_MODES.some((m) => m.value === s.mode) ? (s.mode as BuilderMode) : d.mode;
  return {
    mode,
    logs: { ...d.logs, ...s.logs },
    metrics: { ...d.metrics, ...s.metrics },
    spans: { ...d.spans, ...s.spans },
    processes: { ...d.processes, ...s.processes },
    table: { ...d.table, ...s.table },
  };
}

/**
 * The upstream plugin's builder fields (grafana/src/types.ts and BuilderView.tsx of
 * madesroches/micromegas): `table` (quoted when it has capitals), `columns` and `wheres`
 * as `[{value}]` (typed `string[]`, so both are accepted), `orderBy`, `groupBy`, `limit`
 * as text; `rawEditor: true` when the SQL editor was in use.
 */
export interface UpstreamBuilderFields {
  rawEditor?: boolean;
  table?: string;
  columns?: unknown;
  wheres?: unknown;
  orderBy?: string;
  groupBy?: string;
  limit?: string | number;
}

function texts(list: unknown): string[] {
  if (!Array.isArray(list)) {
    return [];
  }
  return list
    .map((item) => (typeof item === 'string' ? item : (item as { value?: unknown } | null)?.value))
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .map((v) => v.trim());
}

/** The Table-mode state of a query saved by the upstream builder, or undefined when it used the SQL editor. */
export function fromUpstreamBuilder(q: UpstreamBuilderFields): TableState | undefined {
  if (q.rawEditor === true || typeof q.table !== 'string' || q.table.trim() === '') {
    return undefined;
  }
  const limit = q.limit === undefined || q.limit === '' ? undefined : Number(q.limit);
  return {
    table: q.table.trim().replace(/^"(.*)"$/, '$1'),
    columns: texts(q.columns).filter((c) => c !== '*'),
    wheres: texts(q.wheres),
    groupBy: q.groupBy?.trim() || undefined,
    orderBy: q.orderBy?.trim() || undefined,
    limit: limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : undefined,
  };
}
