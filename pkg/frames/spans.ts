// Reading span results for the Traces and Flame graph formats: Micromegas thread_spans
// (id, parent, depth, begin, end, duration ns, name, target, …), process_spans,
// async/net/otel spans, or any query with such columns. Columns are found by their
// Micromegas names and common aliases; each span's parent is resolved to a row.
import * as arrow from 'apache-arrow';

import { concatData, isValid } from './buffers';
import { findColumn, type Column } from './columns';
import { jsonAt, utf8At } from './json-value';
import type { Notes } from './notes';
import { SLICE_MASK, type Slicer } from './slicer';
import { NS_PER_UNIT } from './time';

/** Accepted names, most specific first (compared lower-case). */
export const SPAN_NAMES = {
  id: ['id', 'span_id', 'spanid'],
  parent: ['parent', 'parent_span_id', 'parent_id', 'parentspanid'],
  name: ['name', 'operation', 'operation_name', 'operationname', 'span_name'],
  begin: ['begin', 'start', 'start_time', 'begin_time', 'starttime', 'time', 'timestamp'],
  end: ['end', 'end_time', 'endtime', 'stop'],
  duration: ['duration', 'duration_ns', 'duration_us', 'duration_ms'],
  depth: ['depth', 'level'],
  /** Spans of different groups never link to each other (ids are per thread stream / trace). */
  group: ['trace_id', 'traceid', 'stream_id', 'process_id'],
} as const;

/** Nanoseconds per unit of a plain-number duration column, by its name. */
const DURATION_NAME_FACTOR: Record<string, number> = { duration_us: 1e3, duration_ms: 1e6 };

/** Parent values that mean "no parent" (Micromegas roots have 0, net_spans −1). */
const ROOT_PARENTS = new Set(['', '0', '-1']);

const ID_TYPES = ['number', 'string'] as const;

export interface SpanColumns {
  id?: Column;
  parent?: Column;
  name?: Column;
  begin?: Column;
  end?: Column;
  duration?: Column;
  depth?: Column;
  group?: Column;
}

export function findSpanColumns(columns: Column[]): SpanColumns {
  return {
    id: findColumn(columns, SPAN_NAMES.id, ID_TYPES),
    parent: findColumn(columns, SPAN_NAMES.parent, ID_TYPES),
    name: findColumn(columns, SPAN_NAMES.name, ['string']),
    begin: findColumn(columns, SPAN_NAMES.begin, ['time']),
    end: findColumn(columns, SPAN_NAMES.end, ['time']),
    duration: findColumn(columns, SPAN_NAMES.duration, ['number']),
    depth: findColumn(columns, SPAN_NAMES.depth, ['number']),
    group: findColumn(columns, SPAN_NAMES.group, ['string']),
  };
}

/** The spans that could be read, in result order. */
export interface Spans {
  /** Result row of each span. */
  row: Uint32Array;
  /** Span id as text (decimal for integers), or '' without an id column. */
  id: string[];
  /** Index (into these spans) of each span's parent, −1 at the top level. */
  parent: Int32Array;
  name: string[];
  /** Begin in ms since the epoch, fractional (0 without a begin column). */
  beginMs: Float64Array;
  durationNs: Float64Array;
  /** Group (trace / stream / process) of each span, or undefined without a group column. */
  group: string[] | undefined;
}

/** Text of an id cell: decimal for integers, as is for text. */
function idText(data: arrow.Data, i: number, tstype: string): string {
  if (tstype === 'string') {
    return utf8At(data, i);
  }
  // Integers (the usual ids) straight from the buffer; other numbers as their JSON text.
  return data.type.typeId === arrow.Type.Int
    ? String((data.values as ArrayLike<number | bigint>)[i])
    : jsonAt(data, i, () => 'null');
}

function numberAt(data: arrow.Data, i: number): number {
  return Number((data.values as ArrayLike<number | bigint>)[i]);
}

/** ns per unit of the duration column: Arrow Duration's own unit, else ns unless the name says otherwise. */
function durationFactor(col: Column): number {
  if (arrow.DataType.isDuration(col.source.type)) {
    return Number(NS_PER_UNIT[(col.source.type as arrow.Duration).unit]);
  }
  return DURATION_NAME_FACTOR[col.name.toLowerCase()] ?? 1;
}

/**
 * Reads every span with what the format needs (`needBegin`: a begin time); rows
 * missing an id (when ids are read), a begin (when needed) or a duration are left out
 * with a warning. Parents link within the same group only; a parent that is not in the
 * result makes the span top-level (noted: it lies outside the range or past the row limit).
 */
export async function readSpans(
  cols: SpanColumns,
  opts: { needBegin: boolean; what: string },
  notes: Notes,
  slicer: Slicer
): Promise<Spans> {
  const data = (c: Column | undefined) => (c ? concatData(c.chunks) : undefined);
  const id = data(cols.id);
  const parent = cols.id ? data(cols.parent) : undefined;
  const name = data(cols.name);
  const begin = data(cols.begin);
  const end = data(cols.end);
  const duration = data(cols.duration);
  const depth = data(cols.depth);
  const group = data(cols.group);
  const n = Math.max(0, ...[id, name, begin, end, duration].map((d) => d?.length ?? 0));
  const factor = cols.duration ? durationFactor(cols.duration) : 1;
  // Exact int64 ns, so that end − begin keeps every nanosecond.
  const beginNs = (i: number): bigint | undefined =>
    begin && isValid(begin, i) ? (begin.values as unknown as BigInt64Array)[i] : undefined;
  const endNs = (i: number): bigint | undefined =>
    end && isValid(end, i) ? (end.values as unknown as BigInt64Array)[i] : undefined;

  const rows: number[] = [];
  const ids: string[] = [];
  const names: string[] = [];
  const begins: number[] = [];
  const durations: number[] = [];
  const groups: string[] | undefined = group ? [] : undefined;
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const b = beginNs(i);
    let d: number | undefined;
    if (duration && isValid(duration, i)) {
      d = numberAt(duration, i) * factor;
    } else {
      const e = endNs(i);
      d = b !== undefined && e !== undefined ? Number(e - b) : undefined;
    }
    if ((id && !isValid(id, i)) || (opts.needBegin && b === undefined) || d === undefined || !Number.isFinite(d)) {
      dropped++;
      continue;
    }
    rows.push(i);
    ids.push(id ? idText(id, i, cols.id!.tstype) : '');
    names.push(name && isValid(name, i) ? utf8At(name, i) : '');
    // Whole ms and the sub-ms rest apart: the closest float64 to the exact time.
    begins.push(b === undefined ? 0 : Number(b / 1_000_000n) + Number(b % 1_000_000n) / 1e6);
    durations.push(Math.max(0, Math.round(d))); // whole ns: sums stay exact
    groups?.push(isValid(group!, i) ? utf8At(group!, i) : '');
  }
  if (dropped > 0) {
    const needs = [cols.id && cols.id.name, opts.needBegin && cols.begin?.name, 'a duration'].filter(Boolean);
    notes.push({
      severity: 'warning',
      text: `${dropped} row(s) without ${needs.join(', ')} are not shown in the ${opts.what}.`,
    });
  }

  const parents = new Int32Array(rows.length).fill(-1);
  if (parent && cols.parent) {
    const key = (k: number, value: string) => (groups ? `${groups[k]}\u0000${value}` : value);
    const byId = new Map<string, number>();
    for (let k = 0; k < ids.length; k++) {
      if ((k & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      byId.set(key(k, ids[k]), k);
    }
    let orphans = 0;
    for (let k = 0; k < rows.length; k++) {
      if ((k & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const i = rows[k];
      if (!isValid(parent, i) || (depth && isValid(depth, i) && numberAt(depth, i) === 0)) {
        continue;
      }
      const p = idText(parent, i, cols.parent.tstype);
      const at = p === ids[k] ? undefined : byId.get(key(k, p));
      if (at !== undefined && at !== k) {
        parents[k] = at;
      } else if (!ROOT_PARENTS.has(p) && p !== ids[k]) {
        orphans++;
      }
    }
    if (orphans > 0) {
      notes.push({
        severity: 'info',
        text:
          `${orphans} span(s) have a parent that is not in the result (it lies outside the time range or past the row limit); ` +
          `they are shown at the top level.`,
      });
    }
  }
  return {
    row: Uint32Array.from(rows),
    id: ids,
    parent: parents,
    name: names,
    beginMs: Float64Array.from(begins),
    durationNs: Float64Array.from(durations),
    group: groups,
  };
}
