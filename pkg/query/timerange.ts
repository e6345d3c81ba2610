// The panel time range and interval as the pipeline uses them.
import { QueryModelError } from './model';

export interface TimeRange {
  from: Date;
  to: Date;
}

/** The bounds of an i64 nanosecond timestamp, in ms since the epoch. */
export const MIN_EPOCH_MS = -9_223_372_036_854;
export const MAX_EPOCH_MS = 9_223_372_036_854;

/** Converts pluginv2 epoch-ms bounds; absent or all-zero → no range. */
export function resolveTimeRange(tr: { fromEpochMS: number; toEpochMS: number } | undefined): TimeRange | undefined {
  if (!tr) {
    return undefined;
  }
  const fromMs = Number(tr.fromEpochMS);
  const toMs = Number(tr.toEpochMS);
  if (fromMs === 0 && toMs === 0) {
    return undefined;
  }
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new QueryModelError('invalid time range: the bounds are not numbers');
  }
  // Micromegas keeps nanosecond timestamps in an i64: 1677-09-21 … 2262-04-11 (also within a JS Date).
  const outside = [fromMs, toMs].find((ms) => ms < MIN_EPOCH_MS || ms > MAX_EPOCH_MS);
  if (outside !== undefined) {
    throw new QueryModelError(
      `time range out of bounds: ${outside} ms since 1970 is outside what a nanosecond timestamp holds (${new Date(MIN_EPOCH_MS).toISOString()} to ${new Date(MAX_EPOCH_MS).toISOString()}); pick a time range within these dates`
    );
  }
  if (fromMs > toMs) {
    throw new QueryModelError(
      `invalid time range: from (${new Date(fromMs).toISOString()}) is after to (${new Date(toMs).toISOString()})`
    );
  }
  return { from: new Date(fromMs), to: new Date(toMs) };
}

/** Grafana's interval; when absent, range / maxDataPoints (1 s without a range). */
export function resolveIntervalMs(
  protocolMs: number | undefined,
  jsonMs: number | undefined,
  range: TimeRange | undefined,
  maxDataPoints: number | undefined
): number {
  if (protocolMs && protocolMs > 0) {
    return protocolMs;
  }
  if (jsonMs && jsonMs > 0) {
    return jsonMs;
  }
  if (range) {
    const points = maxDataPoints && maxDataPoints > 0 ? maxDataPoints : 1000;
    return Math.max(1, Math.floor((range.to.getTime() - range.from.getTime()) / points));
  }
  return 1000;
}
