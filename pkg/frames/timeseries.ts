// Time series format (Grafana dataplane "timeseries-wide"): one non-null time field
// sorted ascending, then number fields whose labels identify each series. Long input
// (string label columns) is pivoted; already-wide input is only sorted.
import * as arrow from 'apache-arrow';

import { concatData, fixedData, gather, isValid } from './buffers';
import { describeColumns, toField, type Column } from './columns';
import { utf8At } from './json-value';
import { FrameFormatError, type FrameField, type Notice } from './model';
import type { Notes } from './notes';
import { SLICE_MASK, type Slicer } from './slicer';
import { grafanaUnit, UNIT_COLUMN } from './units';

const FLOAT64 = new arrow.Float64();

/**
 * Upper bound on the cells (times × series × value columns) of one wide frame. A wide
 * frame holds a slot for every series at every time, so sparse long results with many
 * label combinations grow quadratically; past this bound the query gets a clear error
 * instead of exhausting the backend's memory.
 */
export const MAX_WIDE_CELLS = 20_000_000;
const TIME_NS = new arrow.TimestampNanosecond();

export function findTimeColumn(columns: Column[], preferred: string[] = []): Column | undefined {
  for (const name of preferred) {
    const c = columns.find((col) => col.tstype === 'time' && col.name === name);
    if (c) {
      return c;
    }
  }
  return columns.find((c) => c.tstype === 'time');
}

export function noTimeColumnError(columns: Column[], format: string): FrameFormatError {
  return new FrameFormatError(
    `Format "${format}" needs a timestamp column, and this result has none (${describeColumns(columns)}). ` +
      `Select a timestamp column (e.g. "date_bin(INTERVAL '1 minute', time) AS time" or "CAST(x AS TIMESTAMP) AS time"), ` +
      `or set the query's format to Table.`
  );
}

/**
 * Ascending order of the rows by time (stable); rows with null time are left out.
 * `order` is undefined when the rows are already in order with no null time. Sorted by
 * an LSD radix sort on the int64 as four 16-bit digits (stable, linear, and sliced:
 * Array.prototype.sort would hold the event loop for the whole sort).
 */
export async function timeOrder(
  time: arrow.Data,
  slicer: Slicer
): Promise<{ order: Uint32Array | undefined; dropped: number }> {
  const n = time.length;
  const ns = time.values as unknown as BigInt64Array;
  // int64 as (signed high word, unsigned low word): no BigInt per row.
  const words = new Int32Array(ns.buffer, ns.byteOffset, n * 2);
  if (time.nullCount === 0) {
    let sorted = true;
    for (let k = 1; k < n; k++) {
      if ((k & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const ha = words[2 * k - 1];
      const hb = words[2 * k + 1];
      if (ha > hb || (ha === hb && words[2 * k - 2] >>> 0 > words[2 * k] >>> 0)) {
        sorted = false;
        break;
      }
    }
    if (sorted) {
      return { order: undefined, dropped: 0 };
    }
  }
  let rows = new Uint32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    if (isValid(time, i)) {
      rows[kept++] = i;
    }
  }
  rows = rows.subarray(0, kept);
  let spare = new Uint32Array(kept);
  const counts = new Uint32Array(65537);
  // Digits from least to most significant: the low word's low and high halves, then the
  // high word's (its sign bit flipped, so negative times come first).
  for (let pass = 0; pass < 4; pass++) {
    const half = pass >> 1;
    const shift = (pass & 1) * 16;
    const flip = pass === 3 ? 0x8000 : 0;
    counts.fill(0);
    for (let i = 0; i < kept; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      counts[(((words[2 * rows[i] + half] >>> shift) & 0xffff) ^ flip) + 1]++;
    }
    if (kept === 0 || counts[(((words[2 * rows[0] + half] >>> shift) & 0xffff) ^ flip) + 1] === kept) {
      continue; // every row has the same digit: this pass would move none
    }
    for (let b = 1; b <= 65536; b++) {
      counts[b] += counts[b - 1];
    }
    for (let i = 0; i < kept; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const row = rows[i];
      spare[counts[((words[2 * row + half] >>> shift) & 0xffff) ^ flip]++] = row;
    }
    [rows, spare] = [spare, rows];
  }
  return { order: rows, dropped: n - kept };
}

function indicesData(order: Uint32Array): arrow.Data {
  return fixedData(new arrow.Uint32(), order, order.length, undefined, 0);
}

export async function timeSeriesFields(columns: Column[], notes: Notes, slicer: Slicer): Promise<FrameField[]> {
  const timeCol = findTimeColumn(columns, ['time']);
  if (!timeCol) {
    throw noTimeColumnError(columns, 'Time series');
  }
  // A text `unit` column (Micromegas measures) sets the series' unit instead of labelling it.
  const unitCol = columns.find((c) => c.tstype === 'string' && c.name.toLowerCase() === UNIT_COLUMN);
  const labelCols = columns.filter((c) => c.tstype === 'string' && c !== unitCol);
  const valueCols = columns.filter((c) => c !== timeCol && (c.tstype === 'number' || c.tstype === 'boolean'));
  const time = concatData(timeCol.chunks);
  const { order, dropped } = await timeOrder(time, slicer);
  if (dropped > 0) {
    notes.push({
      severity: 'warning',
      text: `${dropped} row(s) with an empty ${timeCol.name} were left out of the time series.`,
    });
  }
  if (valueCols.length === 0) {
    notes.push({
      severity: 'warning',
      text: `No numeric column to plot (${describeColumns(columns)}); select at least one number column.`,
    });
  }

  if (labelCols.length === 0) {
    // Already wide: every column, rows sorted by time (as they are when already in order).
    const idx = order && indicesData(order);
    // One unit for the whole result: it becomes the value fields' unit and the column goes.
    const units = unitCol ? await distinctUnits(unitCol, notes, slicer) : undefined;
    const unit = units?.size === 1 ? grafanaUnit([...units][0]) : undefined;
    const ordered = async (c: Column): Promise<arrow.Data[]> => {
      await slicer.check();
      return idx ? [gather(concatData(c.chunks), idx)] : c.chunks;
    };
    const fields = [toField(timeCol, { chunks: await ordered(timeCol), nullable: false })];
    for (const c of columns) {
      if (c === timeCol || (c === unitCol && units?.size === 1)) {
        continue;
      }
      const config = unit && valueCols.includes(c) ? { ...c.config, unit } : c.config;
      fields.push(toField(c, { chunks: await ordered(c), config }));
    }
    return fields;
  }

  for (const c of columns) {
    if (c !== timeCol && c !== unitCol && !labelCols.includes(c) && !valueCols.includes(c)) {
      notes.add('dropped', `${c.name} (${c.tstype === 'time' ? 'a second time column' : 'not a number or text'})`);
    }
  }
  return pivot(time, order ?? identity(time.length), timeCol, labelCols, valueCols, unitCol, notes, slicer);
}

/** The distinct non-empty units of the column; a warning when there are several. */
async function distinctUnits(unitCol: Column, notes: Notes, slicer: Slicer): Promise<Set<string>> {
  const units = new Set<string>();
  for (const chunk of unitCol.chunks) {
    const comparable = isUtf8(chunk);
    for (let i = 0; i < chunk.length; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      // A unit repeated from the row before is already in (null and '' are both left out).
      if (isValid(chunk, i) && !(comparable && i > 0 && sameText(chunk, i, i - 1))) {
        units.add(utf8At(chunk, i));
      }
    }
  }
  units.delete('');
  if (units.size > 1) {
    notes.push(mixedUnitsNotice(unitCol.name, [...units]));
  }
  return units;
}

/** One warning for every series whose rows carry several units (`series` lists them). */
function mixedUnitsNotice(column: string, units: string[], series: string[] = []): Notice {
  const shown = series.slice(0, 5).join(', ') + (series.length > 5 ? ` and ${series.length - 5} more` : '');
  return {
    severity: 'warning',
    text:
      `${series.length > 0 ? `Series ${shown} mix` : 'These rows mix'} units (${units.join(', ')} in column ${column}), so no unit was applied` +
      `${series.length > 0 ? ' to them' : ''}. Filter on one unit, or select ${column} under another name (e.g. ${column} AS ${column}_label) to split the series by unit.`,
  };
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    out[k] = k;
  }
  return out;
}

/** Long → wide: one value field per (value column, distinct label set). */
async function pivot(
  time: arrow.Data,
  order: Uint32Array,
  timeCol: Column,
  labelCols: Column[],
  valueCols: Column[],
  unitCol: Column | undefined,
  notes: Notes,
  slicer: Slicer
): Promise<FrameField[]> {
  const n = time.length;
  const rows = order.length;
  // Distinct times, in order, and each row's slot among them. int64 compared as
  // (high, low) 32-bit words: no BigInt per row.
  const words = new Int32Array(time.values.buffer, time.values.byteOffset, n * 2);
  const slot = new Int32Array(n).fill(-1);
  const firstRowOfTime = new Uint32Array(rows);
  let T = 0;
  let prev = -1;
  for (let i = 0; i < rows; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const row = order[i];
    if (prev < 0 || words[2 * row] !== words[2 * prev] || words[2 * row + 1] !== words[2 * prev + 1]) {
      firstRowOfTime[T++] = row;
    }
    prev = row;
    slot[row] = T - 1;
  }
  const times = new BigInt64Array(T);
  const timeWords = new Int32Array(times.buffer);
  for (let k = 0; k < T; k++) {
    timeWords[2 * k] = words[2 * firstRowOfTime[k]];
    timeWords[2 * k + 1] = words[2 * firstRowOfTime[k] + 1];
  }
  // Each row's series, and each series' units (usually one: not part of its identity).
  const series = new SeriesIndex(labelCols.map((c) => concatData(c.chunks)));
  const seriesOfRow = new Int32Array(n);
  const unitData = unitCol && concatData(unitCol.chunks);
  const unitComparable = unitData !== undefined && isUtf8(unitData);
  const seriesUnits: Array<Set<string>> = [];
  const lastUnitRow: number[] = [];
  let prevSeries = -1;
  for (let i = 0; i < rows; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const row = order[i];
    const s = series.seriesOf(row, prevSeries);
    prevSeries = s;
    seriesOfRow[row] = s;
    if (unitData) {
      while (seriesUnits.length <= s) {
        seriesUnits.push(new Set());
        lastUnitRow.push(-1);
      }
      if (isValid(unitData, row)) {
        const last = lastUnitRow[s];
        if (!(unitComparable && last >= 0 && sameText(unitData, row, last))) {
          seriesUnits[s].add(utf8At(unitData, row));
          lastUnitRow[s] = row;
        }
      }
    }
  }
  const S = series.size;
  const seriesLabels = series.labels;
  // Deterministic legend order: series sorted by their labels.
  const seriesOrder = seriesLabels.map((_, s) => s).sort((a, b) => compareLabels(seriesLabels[a], seriesLabels[b]));
  const mixedSeries: string[] = [];
  const mixedUnits = new Set<string>();
  const seriesUnit = seriesLabels.map((labels, s): string | undefined => {
    const units = seriesUnits[s];
    units?.delete('');
    if (units?.size === 1) {
      return grafanaUnit([...units][0]);
    }
    if (units && units.size > 1) {
      mixedSeries.push(`{${labelCols.map((c, k) => `${c.name}=${labels[k]}`).join(', ')}}`);
      units.forEach((u) => mixedUnits.add(u));
    }
    return undefined;
  });
  if (unitCol && mixedSeries.length > 0) {
    notes.push(mixedUnitsNotice(unitCol.name, [...mixedUnits], mixedSeries));
  }

  const cells = T * S * valueCols.length;
  if (cells > MAX_WIDE_CELLS) {
    throw new FrameFormatError(
      `This result has ${S} distinct label sets (series, from the text columns ${labelCols.map((c) => c.name).join(', ')}) ` +
        `over ${T} distinct times: a time series frame of ${cells} values, above the limit of ${MAX_WIDE_CELLS}. ` +
        `Aggregate into fewer time buckets (e.g. date_bin), group by fewer text columns, or set the query's format to Table.`
    );
  }
  const fields: FrameField[] = [
    toField(timeCol, { chunks: [fixedData(TIME_NS, times, T, undefined, 0)], nullable: false }),
  ];
  // Every series of a value column in one buffer (series s at s·T) and one validity
  // bitmap (series s from byte s·stride, so each starts at bit 0): no allocation per series.
  const stride = (T + 7) >> 3;
  let duplicates = 0;
  for (const col of valueCols) {
    await slicer.check();
    const data = concatData(col.chunks);
    const isBool = col.tstype === 'boolean';
    const src = data.values as unknown as ArrayLike<number | bigint>;
    const Ctor = (
      isBool ? Float64Array : (src as unknown as { constructor: new (n: number) => unknown }).constructor
    ) as new (n: number) => { [i: number]: number | bigint; subarray(a: number, b: number): ArrayBufferView };
    const values = new Ctor(S * T);
    const validity = new Uint8Array(S * stride);
    const filled = new Uint8Array(S * stride);
    // 64-bit integers move as two 32-bit words: reading them as BigInt would allocate per cell.
    const wide = src instanceof BigInt64Array || src instanceof BigUint64Array;
    const srcWords = wide ? new Int32Array(src.buffer, src.byteOffset, src.length * 2) : undefined;
    const outWords = wide ? new Int32Array((values as unknown as BigInt64Array).buffer) : undefined;
    const anyNull = data.nullCount > 0;
    for (let i = 0; i < rows; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const row = order[i];
      const s = seriesOfRow[row];
      const k = slot[row];
      const at = s * stride + (k >> 3);
      const bit = 1 << (k & 7);
      if ((filled[at] & bit) !== 0) {
        duplicates++;
      }
      filled[at] |= bit;
      if (anyNull && !isValid(data, row)) {
        validity[at] &= ~bit;
        continue;
      }
      const cell = s * T + k;
      if (srcWords && outWords) {
        outWords[2 * cell] = srcWords[2 * row];
        outWords[2 * cell + 1] = srcWords[2 * row + 1];
      } else {
        values[cell] = isBool ? (boolAt(data, row) ? 1 : 0) : src[row];
      }
      validity[at] |= bit;
    }
    const outType = isBool ? FLOAT64 : col.type;
    for (let j = 0; j < S; j++) {
      if ((j & 255) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const s = seriesOrder[j];
      const labels: Record<string, string> = {};
      labelCols.forEach((c, k) => (labels[c.name] = seriesLabels[s][k]));
      const bits = validity.subarray(s * stride, (s + 1) * stride);
      const nulls = T - popcount(bits);
      fields.push({
        name: col.name,
        type: 'number',
        chunks: [fixedData(outType, values.subarray(s * T, (s + 1) * T), T, bits, nulls)],
        nullable: true,
        labels,
        config: seriesUnit[s] ? { ...col.config, unit: seriesUnit[s] } : col.config,
      });
    }
  }
  if (duplicates > 0) {
    notes.push({
      severity: 'warning',
      text: `${duplicates} row(s) repeat a time already seen for the same labels; the last value was kept. Group by time and every label column to avoid this.`,
    });
  }
  return fields;
}

/**
 * The distinct label sets (series) of long rows, found without decoding a string per row:
 * a row's label bytes are hashed (FNV-1a) into an open-addressing table and compared byte
 * for byte with a row already seen. Long results list the series in the same order at
 * every time, so the series that followed the previous row's last time is tried first.
 * A null label counts as '' (as its decoded text); label sets whose bytes differ but
 * decode to the same text (invalid UTF-8) are one series.
 */
class SeriesIndex {
  /** Decoded labels of each series, in order of first appearance. */
  readonly labels: string[][] = [];
  private readonly seriesRow: number[] = [];
  private readonly nextSeries: number[] = [];
  private readonly byText = new Map<string, number>();
  // Entries: one per distinct byte pattern (usually one per series).
  private readonly entryHash: number[] = [];
  private readonly entryRow: number[] = [];
  private readonly entrySeries: number[] = [];
  private table = new Int32Array(64).fill(-1);

  constructor(private readonly data: arrow.Data[]) {
    for (const d of data) {
      if (!isUtf8(d)) {
        throw new Error(`a label column converted to ${String(d.type)}, not Utf8`);
      }
    }
  }

  get size(): number {
    return this.labels.length;
  }

  /** The series of `row`; `after` is the previous row's series (-1 for the first row). */
  seriesOf(row: number, after: number): number {
    const guess = after >= 0 ? this.nextSeries[after] : -1;
    const s = guess >= 0 && this.sameLabels(row, this.seriesRow[guess]) ? guess : this.lookup(row);
    if (after >= 0) {
      this.nextSeries[after] = s;
    }
    return s;
  }

  private lookup(row: number): number {
    const h = this.hash(row);
    const mask = this.table.length - 1;
    let at = h & mask;
    for (let e = this.table[at]; e >= 0; e = this.table[at]) {
      if (this.entryHash[e] === h && this.sameLabels(row, this.entryRow[e])) {
        return this.entrySeries[e];
      }
      at = (at + 1) & mask;
    }
    const values = this.data.map((d) => (isValid(d, row) ? utf8At(d, row) : ''));
    const key = JSON.stringify(values);
    let s = this.byText.get(key);
    if (s === undefined) {
      s = this.labels.length;
      this.byText.set(key, s);
      this.labels.push(values);
      this.seriesRow.push(row);
      this.nextSeries.push(-1);
    }
    this.table[at] = this.entryHash.length;
    this.entryHash.push(h);
    this.entryRow.push(row);
    this.entrySeries.push(s);
    if (this.entryHash.length * 2 > this.table.length) {
      this.grow();
    }
    return s;
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = this.table.length - 1;
    this.entryHash.forEach((h, e) => {
      let at = h & mask;
      while (this.table[at] >= 0) {
        at = (at + 1) & mask;
      }
      this.table[at] = e;
    });
  }

  private hash(row: number): number {
    let h = 0x811c9dc5;
    for (const d of this.data) {
      if (isValid(d, row)) {
        const offsets = d.valueOffsets as Int32Array;
        const bytes = d.values as Uint8Array;
        for (let k = offsets[row], end = offsets[row + 1]; k < end; k++) {
          h = Math.imul(h ^ bytes[k], 0x01000193);
        }
      }
      // A byte UTF-8 never holds ends each label: ("ab", "c") and ("a", "bc") differ.
      h = Math.imul(h ^ 0xff, 0x01000193);
    }
    return h >>> 0;
  }

  private sameLabels(a: number, b: number): boolean {
    for (const d of this.data) {
      if (!sameText(d, a, b)) {
        return false;
      }
    }
    return true;
  }
}

/** Bits set in a bitmap. */
function popcount(bits: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < bits.length; i++) {
    let b = bits[i];
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    count += (b + (b >> 4)) & 0x0f;
  }
  return count;
}

/** Utf8 with 32-bit offsets: its values can be compared byte for byte. */
function isUtf8(data: arrow.Data): boolean {
  return data.type.typeId === arrow.Type.Utf8 && data.valueOffsets instanceof Int32Array;
}

/** Whether rows a and b hold the same text (null counts as ''), as utf8At would decode them. */
function sameText(data: arrow.Data, a: number, b: number): boolean {
  const offsets = data.valueOffsets as Int32Array;
  const sa = offsets[a];
  const sb = offsets[b];
  const len = isValid(data, a) ? offsets[a + 1] - sa : 0;
  if (len !== (isValid(data, b) ? offsets[b + 1] - sb : 0)) {
    return false;
  }
  const bytes = data.values as Uint8Array;
  for (let k = 0; k < len; k++) {
    if (bytes[sa + k] !== bytes[sb + k]) {
      return false;
    }
  }
  return true;
}

function boolAt(data: arrow.Data, i: number): boolean {
  const pos = data.offset + i;
  return ((data.values as Uint8Array)[pos >> 3] & (1 << (pos & 7))) !== 0;
}

function compareLabels(a: string[], b: string[]): number {
  for (let k = 0; k < a.length; k++) {
    if (a[k] < b[k]) {
      return -1;
    }
    if (a[k] > b[k]) {
      return 1;
    }
  }
  return 0;
}
