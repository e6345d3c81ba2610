// Row limit and auto limit: decide the cap, ask the server for one row more than the cap
// (so truncation is detected, not guessed), and cut the stream once the cap is passed.
// On a time series, auto limit bounds the points of each series (distinct times), not
// rows: a binned result with several series has series × bins rows.
import { DataType, type Data, type RecordBatch, type Schema } from 'apache-arrow';

import { DEFAULT_QUERY_TIMEOUT_SECONDS, DEFAULT_ROW_LIMIT } from '../../src/shared/query';

import type { Notice } from '../frames';

export const DEFAULT_QUERY_TIMEOUT_MS = DEFAULT_QUERY_TIMEOUT_SECONDS * 1000;

export interface LimitPlan {
  /** Rows we keep at most (undefined = unlimited). */
  cap?: number;
  /** What the cap comes from, for the truncation notice. */
  reason?: 'autoLimit' | 'rowLimit';
  /** The server's `limit` header: cap + 1, so one extra row proves truncation. */
  serverLimit?: number;
  /** Notices known before running (e.g. a per-query limit above the data source's). */
  notices: Notice[];
  /** Time series auto limit: distinct times (points per series) kept at most. */
  timePoints?: number;
}

export interface LimitInputs {
  settingsRowLimit?: number;
  queryRowLimit?: number;
  autoLimit: boolean;
  maxDataPoints?: number;
  /** A time series: auto limit counts points along the time axis instead of rows. */
  timeSeries?: boolean;
  /** The query's range and interval: a result binned at the interval has range / interval + 1 points. */
  rangeMs?: number;
  intervalMs?: number;
}

/**
 * Points per series a time series may have under auto limit: max data points, or the bins
 * of the range at the query's interval when more (Grafana rounds the interval to a "nice"
 * value, which may give a few more bins than max data points).
 */
export function timeSeriesPointCap(maxDataPoints: number, rangeMs?: number, intervalMs?: number): number {
  const bins = rangeMs && intervalMs && rangeMs > 0 && intervalMs > 0 ? Math.floor(rangeMs / intervalMs) + 1 : 0;
  return Math.max(maxDataPoints, bins);
}

export function planLimits(input: LimitInputs): LimitPlan {
  const notices: Notice[] = [];
  const dsLimit =
    input.settingsRowLimit && input.settingsRowLimit > 0 ? Math.floor(input.settingsRowLimit) : DEFAULT_ROW_LIMIT;
  let rowLimit = dsLimit;
  if (input.queryRowLimit !== undefined) {
    if (input.queryRowLimit > dsLimit) {
      notices.push({
        severity: 'info',
        text: `The query's row limit (${input.queryRowLimit}) is above the data source's row limit; ${dsLimit} rows are the maximum.`,
      });
    } else {
      rowLimit = input.queryRowLimit;
    }
  }
  // maxDataPoints 0/absent means "no auto limit" (unlike upstream, which sent limit 0).
  const auto =
    input.autoLimit && input.maxDataPoints && input.maxDataPoints > 0 ? Math.floor(input.maxDataPoints) : undefined;
  if (auto !== undefined && input.timeSeries) {
    // Rows per point are unknown (one per series): the server limit stays the row limit.
    const timePoints = timeSeriesPointCap(auto, input.rangeMs, input.intervalMs);
    return { cap: rowLimit, reason: 'rowLimit', serverLimit: rowLimit + 1, notices, timePoints };
  }
  if (auto !== undefined && auto < rowLimit) {
    return { cap: auto, reason: 'autoLimit', serverLimit: auto + 1, notices };
  }
  return { cap: rowLimit, reason: 'rowLimit', serverLimit: rowLimit + 1, notices };
}

/** What cut a stream: the row cap, or the time series' points per series. */
export type TruncatedBy = 'rows' | 'timePoints';

export function truncationNotice(plan: LimitPlan, by: TruncatedBy = 'rows'): Notice {
  if (by === 'timePoints') {
    return {
      severity: 'warning',
      text: `Results truncated to ${plan.timePoints} points per series by Auto Limit (the panel's max data points at the query's interval). Aggregate by time ($__dateBin), narrow the time range, or turn Auto Limit off to see every point.`,
    };
  }
  if (plan.reason === 'autoLimit') {
    return {
      severity: 'warning',
      text: `Results truncated to ${plan.cap} rows by Auto Limit (the panel's max data points). Aggregate or narrow the query, raise Max data points, or turn Auto Limit off to see every row.`,
    };
  }
  return {
    severity: 'warning',
    text: `Results truncated to the row limit of ${plan.cap} rows. Narrow the query (time range, WHERE, aggregation) or raise the row limit to see every row.`,
  };
}

/** The time axis auto limit counts: a timestamp or date column, and its most distinct values. */
export interface TimeAxisLimit {
  column: number;
  max: number;
}

/** The time series' time column (named `time`, else the first timestamp/date), as frames pick it. */
export function timeAxisColumn(schema: Schema): number | undefined {
  const isTime = (t: DataType) => DataType.isTimestamp(t) || DataType.isDate(t);
  const named = schema.fields.findIndex((f) => f.name === 'time' && isTime(f.type));
  const first = named >= 0 ? named : schema.fields.findIndex((f) => isTime(f.type));
  return first >= 0 ? first : undefined;
}

/**
 * Counts distinct times of a timestamp/date column. Keys are doubles: exact for dates and
 * ms/µs timestamps; nanosecond times within ~256 ns may share a key, which only undercounts.
 */
class DistinctTimes {
  private readonly seen = new Set<number>();
  private last = NaN;

  get size(): number {
    return this.seen.size;
  }

  /** Index of the first row of `data` that would make more than `max` distinct times, or -1. */
  firstOver(data: Data, max: number): number {
    const values = data.values as unknown;
    const wide = values instanceof BigInt64Array || values instanceof BigUint64Array;
    const words = wide
      ? new Int32Array(values.buffer, values.byteOffset, values.length * 2)
      : (values as Int32Array | undefined);
    if (!words) {
      return -1;
    }
    const off = data.offset;
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) {
        continue;
      }
      const k = off + i;
      const key = wide ? words[2 * k + 1] * 4294967296 + (words[2 * k] >>> 0) : words[k];
      if (key === this.last || this.seen.has(key)) {
        continue;
      }
      if (this.seen.size >= max) {
        return i;
      }
      this.seen.add(key);
      this.last = key;
    }
    return -1;
  }
}

/**
 * Passes batches through until `cap` rows (and, with `timeAxis`, `timeAxis.max` distinct
 * times); the batch crossing a cap is sliced, then `onTruncate` runs and iteration stops
 * (which ends the source stream, cancelling the call).
 */
export async function* limitBatches(
  source: AsyncIterable<RecordBatch>,
  cap: number | undefined,
  onTruncate: (by: TruncatedBy) => void,
  timeAxis?: TimeAxisLimit
): AsyncGenerator<RecordBatch> {
  let total = 0;
  const times = timeAxis ? new DistinctTimes() : undefined;
  for await (const batch of source) {
    let keep = batch.numRows;
    let by: TruncatedBy | undefined;
    if (cap !== undefined && total + batch.numRows > cap) {
      keep = cap - total;
      by = 'rows';
    }
    if (times && timeAxis) {
      let row = 0;
      for (const data of batch.getChildAt(timeAxis.column)?.data ?? []) {
        const over = times.firstOver(data, timeAxis.max);
        if (over >= 0) {
          if (row + over <= keep) {
            keep = row + over;
            by = 'timePoints';
          }
          break;
        }
        row += data.length;
      }
    }
    if (by !== undefined) {
      if (keep > 0) {
        yield batch.slice(0, keep);
      }
      onTruncate(by);
      return;
    }
    total += batch.numRows;
    yield batch;
  }
}
