// Heatmap format: Grafana's dataplane "heatmap-cells" frame (grafana/grafana
// packages/grafana-data DataFrameType.HeatmapCells; the fields Prometheus' native
// histograms send): xMin (time), yMin and yMax (bucket bounds, in the value's unit), count.
// The grid is dense (every bucket at every time, 0 where the result has none), x-major
// with buckets ascending, which is what the heatmap panel reads without recalculating.
//
// Two inputs: `time, bucket, count` rows (bucket = lower bound, or bucket_min/bucket_max,
// or bin_center from expand_histogram), and Micromegas histogram structs
// (make_histogram / sum_histograms: {start, end, …, bins: List<UInt64>}) one per time.
import * as arrow from 'apache-arrow';

import { isValid } from './buffers';
import { describeColumns, findColumn, type Column } from './columns';
import { utf8At } from './json-value';
import { FrameFormatError, type FrameField } from './model';
import type { Notes } from './notes';
import { findTimeColumn, noTimeColumnError } from './timeseries';
import { grafanaUnit, UNIT_COLUMN } from './units';

/** Upper bound on the cells of one heatmap (times × buckets): past it, a clear error. */
export const MAX_HEATMAP_CELLS = 5_000_000;

const LOWER = ['bucket', 'bucket_min', 'bucket_start', 'bin_start', 'ymin', 'le_min'];
const UPPER = ['bucket_max', 'bucket_end', 'bin_end', 'ymax'];
const CENTER = ['bin_center', 'bucket_center'];
const COUNT = ['count', 'value', 'n', 'total'];

interface Cell {
  time: bigint;
  lo: number;
  hi: number;
  count: number;
}

function timeAt(data: arrow.Data, i: number): bigint {
  return (data.values as unknown as BigInt64Array)[data.offset + i];
}

function numberAt(chunk: arrow.Data, i: number): number {
  return Number(arrow.makeVector(chunk).get(i));
}

/** Rows of (time, chunk, index), skipping rows without a time. */
function* rows(time: Column): Generator<{ t: bigint; chunk: number; i: number }> {
  for (let c = 0; c < time.chunks.length; c++) {
    const data = time.chunks[c];
    for (let i = 0; i < data.length; i++) {
      if (isValid(data, i)) {
        yield { t: timeAt(data, i), chunk: c, i };
      }
    }
  }
}

interface HistogramValue {
  start: number;
  end: number;
  bins: number[];
}

function parseHistogram(text: string): HistogramValue | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown> | null;
    if (v && Array.isArray(v.bins) && v.start !== undefined && v.end !== undefined) {
      return { start: Number(v.start), end: Number(v.end), bins: v.bins.map((b) => Number(b)) };
    }
  } catch {
    // not JSON: not a histogram
  }
  return undefined;
}

/** A struct column whose first non-null value is a Micromegas histogram. */
function findHistogramColumn(columns: Column[]): Column | undefined {
  for (const col of columns) {
    if (col.tstype !== 'other' || !arrow.DataType.isStruct(col.source.type)) {
      continue;
    }
    for (const chunk of col.chunks) {
      for (let i = 0; i < chunk.length; i++) {
        if (isValid(chunk, i)) {
          return parseHistogram(utf8At(chunk, i)) ? col : undefined;
        }
      }
    }
  }
  return undefined;
}

function histogramCells(time: Column, hist: Column): Cell[] {
  const cells: Cell[] = [];
  for (const { t, chunk, i } of rows(time)) {
    const data = hist.chunks[chunk];
    if (!isValid(data, i)) {
      continue;
    }
    const h = parseHistogram(utf8At(data, i));
    if (!h || h.bins.length === 0) {
      continue;
    }
    const width = (h.end - h.start) / h.bins.length;
    h.bins.forEach((count, b) => {
      cells.push({
        time: t,
        lo: h.start + b * width,
        hi: b === h.bins.length - 1 ? h.end : h.start + (b + 1) * width,
        count,
      });
    });
  }
  return cells;
}

/** The smallest gap between distinct sorted values (the bucket width), 1 with a single bucket. */
function smallestGap(values: number[]): number {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  let gap = Infinity;
  for (let k = 1; k < sorted.length; k++) {
    gap = Math.min(gap, sorted[k] - sorted[k - 1]);
  }
  return Number.isFinite(gap) ? gap : 1;
}

function bucketCells(columns: Column[], time: Column, notes: Notes): Cell[] {
  const center = findColumn(columns, CENTER, ['number']);
  const lower = center ? undefined : findColumn(columns, LOWER, ['number']);
  const upper = findColumn(columns, UPPER, ['number']);
  const used = new Set([time, center, lower, upper]);
  const count =
    findColumn(columns, COUNT, ['number']) ?? [...columns].reverse().find((c) => c.tstype === 'number' && !used.has(c));
  const bound = center ?? lower;
  if (!bound || !count || used.has(count)) {
    throw new FrameFormatError(
      `Format "Heatmap" needs a time column, a bucket column and a count column: ` +
        `time, bucket, count (bucket = the lower bound; or bucket_min and bucket_max; or bin_center from expand_histogram), ` +
        `or time and a histogram from make_histogram. This result has ${describeColumns(columns)}.`
    );
  }
  const raw: Array<{ time: bigint; b: number; hi?: number; count: number }> = [];
  let skipped = 0;
  for (const { t, chunk, i } of rows(time)) {
    const bData = bound.chunks[chunk];
    const cData = count.chunks[chunk];
    if (!isValid(bData, i) || !isValid(cData, i)) {
      skipped++;
      continue;
    }
    const hi = upper && isValid(upper.chunks[chunk], i) ? numberAt(upper.chunks[chunk], i) : undefined;
    raw.push({ time: t, b: numberAt(bData, i), hi, count: numberAt(cData, i) });
  }
  if (skipped > 0) {
    notes.push({
      severity: 'warning',
      text: `${skipped} row(s) without a bucket or count were left out of the heatmap.`,
    });
  }
  const width = smallestGap(raw.map((r) => r.b));
  return raw.map((r) =>
    center
      ? { time: r.time, lo: r.b - width / 2, hi: r.b + width / 2, count: r.count }
      : { time: r.time, lo: r.b, hi: r.hi ?? r.b + width, count: r.count }
  );
}

function unitOf(columns: Column[]): string | undefined {
  const col = columns.find((c) => c.tstype === 'string' && c.name.toLowerCase() === UNIT_COLUMN);
  for (const chunk of col?.chunks ?? []) {
    for (let i = 0; i < chunk.length; i++) {
      if (isValid(chunk, i)) {
        return grafanaUnit(utf8At(chunk, i));
      }
    }
  }
  return undefined;
}

const FLOAT64 = new arrow.Float64();

function float64Field(name: string, values: Float64Array, unit?: string): FrameField {
  const data = new arrow.Data(FLOAT64, 0, values.length, 0, [undefined, values, undefined] as never);
  return { name, type: 'number', chunks: [data], nullable: false, config: unit ? { unit } : undefined };
}

export function heatmapFields(columns: Column[], notes: Notes): FrameField[] {
  const time = findTimeColumn(columns, ['time', 'time_bin']);
  if (!time) {
    throw noTimeColumnError(columns, 'Heatmap');
  }
  const hist = findHistogramColumn(columns);
  const cells = hist ? histogramCells(time, hist) : bucketCells(columns, time, notes);

  const times = [...new Set(cells.map((c) => c.time))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bucketKey = (c: Cell) => `${c.lo}|${c.hi}`;
  const buckets = [...new Map(cells.map((c) => [bucketKey(c), c])).values()]
    .map((c) => ({ lo: c.lo, hi: c.hi }))
    .sort((a, b) => a.lo - b.lo || a.hi - b.hi);
  const n = times.length * buckets.length;
  if (n > MAX_HEATMAP_CELLS) {
    throw new FrameFormatError(
      `This heatmap would have ${times.length} times × ${buckets.length} buckets = ${n} cells, more than ${MAX_HEATMAP_CELLS}: ` +
        `use wider time bins ($__timeInterval(time)) or fewer buckets.`
    );
  }
  const timeIndex = new Map(times.map((t, k) => [t, k]));
  const bucketIndex = new Map(buckets.map((b, k) => [`${b.lo}|${b.hi}`, k]));
  const xs = new BigInt64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const count = new Float64Array(n);
  times.forEach((t, x) => {
    buckets.forEach((b, y) => {
      const k = x * buckets.length + y;
      xs[k] = t;
      lo[k] = b.lo;
      hi[k] = b.hi;
    });
  });
  for (const c of cells) {
    // Several rows for one cell (e.g. per process) add up.
    count[timeIndex.get(c.time)! * buckets.length + bucketIndex.get(bucketKey(c))!] += c.count;
  }
  const unit = unitOf(columns);
  const timeType = new arrow.TimestampNanosecond();
  const xData = new arrow.Data(timeType, 0, n, 0, [undefined, xs, undefined] as never);
  return [
    { name: 'xMin', type: 'time', chunks: [xData], nullable: false, config: time.config },
    float64Field('yMin', lo, unit),
    float64Field('yMax', hi, unit),
    float64Field('count', count, 'short'),
  ];
}
