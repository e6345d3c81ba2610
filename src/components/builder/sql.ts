// Builder state → the SQL a person would write: one clause per line, macros for the time
// filter and bins (docs/macros.md), literals quoted, identifiers quoted only when needed.
// Dependency-free so the backend tests run exactly this SQL through the executable.
import type { BuilderState, LogsState, MetricsState, ProcessesState, SpansState, TableState } from './model';

/** The result format each mode's SQL is written for (Table mode keeps the query's own). */
export type BuilderFormat = 'table' | 'time_series' | 'logs' | 'traces' | 'flame_graph';

/** A SQL string literal: single quotes doubled. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const PLAIN = /^[a-z_][a-z0-9_]*$/;
// Words DataFusion (and DuckDB) would read as keywords in a select list.
const RESERVED = new Set(['end', 'begin', 'order', 'group', 'select', 'from', 'where', 'limit', 'user', 'table']);

/** A column name as written in SQL: bare when plain lower-case, else double-quoted. */
export function ident(name: string): string {
  return PLAIN.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function statement(lines: Array<string | undefined | false>): string {
  return lines.filter((l): l is string => typeof l === 'string' && l !== '').join('\n');
}

function where(conditions: string[]): string | undefined {
  if (conditions.length === 0) {
    return undefined;
  }
  return `WHERE ${conditions.join('\n  AND ')}`;
}

function source(view: string, instance: string | undefined): string {
  return instance ? `view_instance(${literal(view)}, ${literal(instance)})` : view;
}

function likeAny(text: string): string {
  // ILIKE pattern: the text itself, with LIKE's wildcards escaped.
  return literal(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
}

export function logsSql(s: LogsState): string {
  const cols = s.columns.length > 0 ? s.columns : ['time', 'level', 'msg'];
  const conditions = ['$__timeFilter(time)'];
  if (s.maxLevel !== undefined) {
    conditions.push(`level <= ${s.maxLevel}`);
  }
  if (s.exe) {
    conditions.push(`exe = ${literal(s.exe)}`);
  }
  if (s.computer) {
    conditions.push(`computer = ${literal(s.computer)}`);
  }
  if (s.search) {
    const p = likeAny(s.search);
    conditions.push(`(msg ILIKE ${p} OR target ILIKE ${p})`);
  }
  return statement([
    `SELECT ${cols.map(ident).join(', ')}`,
    `FROM ${source('log_entries', s.processId)}`,
    where(conditions),
    'ORDER BY time DESC',
    `LIMIT ${s.limit}`,
  ]);
}

function metricGroupColumn(groupBy: MetricsState['groupBy']): { select: string; name: string } | undefined {
  if (groupBy === 'none') {
    return undefined;
  }
  if (groupBy.startsWith('property:')) {
    const key = groupBy.slice('property:'.length);
    return { select: `property_get(process_properties, ${literal(key)}) AS ${ident(key)}`, name: key };
  }
  return { select: groupBy, name: groupBy };
}

export function metricsSql(s: MetricsState): string {
  const bin = s.bin === 'auto' ? '$__timeInterval(time)' : `date_bin(INTERVAL ${literal(s.bin)}, time)`;
  const group = metricGroupColumn(s.groupBy);
  const value = s.aggregation === 'count' ? 'count(value)' : `${s.aggregation}(value)`;
  // `unit` rides along as a column: the time series frames take it as the series' unit.
  const select = ['time', ...(group ? [group.select] : []), 'unit', `${value} AS ${ident(s.measure ?? 'value')}`];
  const conditions = ['$__timeFilter(time)', `name = ${literal(s.measure ?? '')}`];
  if (s.exe) {
    conditions.push(`exe = ${literal(s.exe)}`);
  }
  const positions = select.slice(0, -1).map((_, i) => String(i + 1));
  return statement([
    `SELECT ${bin} AS ${select.join(', ')}`,
    `FROM ${source('measures', s.processId)}`,
    where(conditions),
    `GROUP BY ${positions.join(', ')}`,
    'ORDER BY 1',
  ]);
}

function asyncSpans(s: SpansState): string {
  // Async spans are begin/end event pairs: one row per span once paired by span_id.
  const events = source('async_events', s.processId);
  const conditions = ["b.event_type = 'begin'"];
  if (s.name) {
    conditions.push(`b.name = ${literal(s.name)}`);
  }
  return statement([
    'SELECT b.span_id AS id, b.parent_span_id AS parent, b.depth, b.name, b.target, b.time AS begin, e.time AS "end"',
    `FROM ${events} AS b`,
    `JOIN ${events} AS e ON e.span_id = b.span_id AND e.event_type = 'end'`,
    where(conditions),
    s.view === 'slowest' ? 'ORDER BY e.time - b.time DESC' : s.view === 'trace' ? 'ORDER BY b.time' : undefined,
    s.view === 'flame_graph' ? undefined : `LIMIT ${s.limit}`,
  ]);
}

export function spansSql(s: SpansState): string {
  if (s.source === 'async') {
    return asyncSpans(s);
  }
  const from = `FROM view_instance('thread_spans', ${literal(s.streamId ?? '')})`;
  const conditions = s.name ? [`name = ${literal(s.name)}`] : [];
  switch (s.view) {
    case 'slowest':
      return statement([
        'SELECT begin, "end", duration, name, target, depth, id, parent',
        from,
        where(conditions),
        'ORDER BY duration DESC',
        `LIMIT ${s.limit}`,
      ]);
    case 'flame_graph':
      return statement(['SELECT id, parent, depth, name, begin, "end", duration', from, where(conditions)]);
    case 'trace':
      return statement([
        'SELECT id, parent, name, target, begin, "end", duration',
        from,
        where(conditions),
        'ORDER BY begin',
        `LIMIT ${s.limit}`,
      ]);
  }
}

export function processesSql(s: ProcessesState): string {
  const conditions: string[] = [];
  if (s.exe) {
    conditions.push(`exe = ${literal(s.exe)}`);
  }
  if (s.computer) {
    conditions.push(`computer = ${literal(s.computer)}`);
  }
  if (s.username) {
    conditions.push(`username = ${literal(s.username)}`);
  }
  return statement([
    'SELECT process_id, exe, computer, username, start_time, last_update_time, parent_process_id,',
    '  jsonb_format_json(properties) AS properties',
    'FROM processes',
    where(conditions),
    'ORDER BY start_time DESC',
    `LIMIT ${s.limit}`,
  ]);
}

export function tableSql(s: TableState): string {
  const cols = s.columns.length > 0 ? s.columns.join(', ') : '*';
  return statement([
    `SELECT ${cols}`,
    `FROM ${source(s.table ?? '', s.instance)}`,
    where(s.wheres.filter((w) => w.trim() !== '')),
    s.groupBy ? `GROUP BY ${s.groupBy}` : undefined,
    s.orderBy ? `ORDER BY ${s.orderBy}` : undefined,
    s.limit !== undefined ? `LIMIT ${s.limit}` : undefined,
  ]);
}

/** The SQL of the state's current mode. */
export function builderSql(state: BuilderState): string {
  switch (state.mode) {
    case 'logs':
      return logsSql(state.logs);
    case 'metrics':
      return metricsSql(state.metrics);
    case 'spans':
      return spansSql(state.spans);
    case 'processes':
      return processesSql(state.processes);
    case 'table':
      return tableSql(state.table);
  }
}

/** The format the mode's SQL is written for; undefined: Table mode keeps the query's format. */
export function builderFormat(state: BuilderState): BuilderFormat | undefined {
  switch (state.mode) {
    case 'logs':
      return 'logs';
    case 'metrics':
      return 'time_series';
    case 'spans':
      return state.spans.view === 'flame_graph' ? 'flame_graph' : state.spans.view === 'trace' ? 'traces' : 'table';
    case 'processes':
      return 'table';
    case 'table':
      return undefined;
  }
}

/** What the mode still needs before its SQL can run (shown instead of running a broken query). */
export function missingInput(state: BuilderState): string | undefined {
  switch (state.mode) {
    case 'metrics':
      return state.metrics.measure ? undefined : 'Pick a measure.';
    case 'spans':
      if (state.spans.source === 'async') {
        return state.spans.processId ? undefined : 'Pick a process: async spans are read per process.';
      }
      return state.spans.streamId
        ? undefined
        : 'Pick a process and one of its threads: thread spans are read per thread.';
    case 'table':
      return state.table.table ? undefined : 'Pick a table.';
    default:
      return undefined;
  }
}

/**
 * Layout-insensitive comparison: the SQL is still exactly what the builder wrote. Runs of
 * whitespace count as one space outside string literals and quoted identifiers only (inside
 * them a space is content: an edit there must keep the SQL editor).
 */
export function sameSql(a: string, b: string): boolean {
  return layout(a) === layout(b);
}

function layout(sql: string): string {
  // Quoted parts ('…' and "…", quotes doubled inside) are kept whole; the rest is collapsed.
  const parts = sql.trim().split(/('(?:[^']|'')*'|"(?:[^"]|"")*")/);
  const text = parts.map((p, i) => (i % 2 === 1 ? p : p.replace(/\s+/g, ' '))).join('');
  return text.replace(/\s*;\s*$/, '').trim();
}
