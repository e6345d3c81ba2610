// Time series format (Grafana dataplane "timeseries-wide"): one non-null time field
// sorted ascending, then number fields whose labels identify each series. Long input
// (string label columns) is pivoted; already-wide input is only sorted.
import * as arrow from 'apache-arrow';

import { concatData, fixedData, gather, isValid, newBitmap } from './buffers';
import { describeColumns, toField, type Column } from './columns';
import { utf8At } from './json-value';
import { FrameFormatError, type FrameField, type Notice } from './model';
import type { Notes } from './notes';
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
 * `order` is undefined when the rows are already in order with no null time.
 */
export function timeOrder(time: arrow.Data): { order: Uint32Array | undefined; dropped: number } {
  const n = time.length;
  const ns = time.values as unknown as BigInt64Array;
  // Compare int64 as (signed high word, unsigned low word) to avoid BigInt per row.
  const words = new Int32Array(ns.buffer, ns.byteOffset, n * 2);
  if (time.nullCount === 0) {
    let sorted = true;
    for (let k = 1; k < n; k++) {
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
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isValid(time, i)) {
      rows.push(i);
    }
  }
  const hi = (k: number) => words[2 * k + 1];
  const lo = (k: number) => words[2 * k] >>> 0;
  rows.sort((a, b) => hi(a) - hi(b) || lo(a) - lo(b) || a - b);
  return { order: Uint32Array.from(rows), dropped: n - rows.length };
}

function indicesData(order: Uint32Array): arrow.Data {
  return fixedData(new arrow.Uint32(), order, order.length, undefined, 0);
}

export function timeSeriesFields(columns: Column[], notes: Notes): FrameField[] {
  const timeCol = findTimeColumn(columns, ['time']);
  if (!timeCol) {
    throw noTimeColumnError(columns, 'Time series');
  }
  // A text `unit` column (Micromegas measures) sets the series' unit instead of labelling it.
  const unitCol = columns.find((c) => c.tstype === 'string' && c.name.toLowerCase() === UNIT_COLUMN);
  const labelCols = columns.filter((c) => c.tstype === 'string' && c !== unitCol);
  const valueCols = columns.filter((c) => c !== timeCol && (c.tstype === 'number' || c.tstype === 'boolean'));
  const time = concatData(timeCol.chunks);
  const { order, dropped } = timeOrder(time);
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
    const ordered = (c: Column): arrow.Data[] => (idx ? [gather(concatData(c.chunks), idx)] : c.chunks);
    // One unit for the whole result: it becomes the value fields' unit and the column goes.
    const units = unitCol ? distinctUnits(unitCol, notes) : undefined;
    const unit = units?.size === 1 ? grafanaUnit([...units][0]) : undefined;
    return [
      toField(timeCol, { chunks: ordered(timeCol), nullable: false }),
      ...columns
        .filter((c) => c !== timeCol && !(c === unitCol && units?.size === 1))
        .map((c) =>
          toField(c, { chunks: ordered(c), config: unit && valueCols.includes(c) ? { ...c.config, unit } : c.config })
        ),
    ];
  }

  for (const c of columns) {
    if (c !== timeCol && c !== unitCol && !labelCols.includes(c) && !valueCols.includes(c)) {
      notes.add('dropped', `${c.name} (${c.tstype === 'time' ? 'a second time column' : 'not a number or text'})`);
    }
  }
  return pivot(time, order ?? identity(time.length), timeCol, labelCols, valueCols, unitCol, notes);
}

/** The distinct non-empty units of the column; a warning when there are several. */
function distinctUnits(unitCol: Column, notes: Notes): Set<string> {
  const units = new Set<string>();
  for (const chunk of unitCol.chunks) {
    for (let i = 0; i < chunk.length; i++) {
      if (isValid(chunk, i)) {
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
function pivot(
  time: arrow.Data,
  order: Uint32Array,
  timeCol: Column,
  labelCols: Column[],
  valueCols: Column[],
  unitCol: Column | undefined,
  notes: Notes
): FrameField[] {
  const n = time.length;
  // Distinct times, in order, and each row's slot among them. int64 compared as
  // (high, low) 32-bit words: no BigInt per row.
  const words = new Int32Array(time.values.buffer, time.values.byteOffset, n * 2);
  const slot = new Int32Array(n).fill(-1);
  const firstRowOfTime = new Uint32Array(order.length);
  let T = 0;
  let prev = -1;
  for (const row of order) {
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
  // Each row's series, keyed by its label values.
  const labelData = labelCols.map((c) => concatData(c.chunks));
  const seriesByKey = new Map<string, number>();
  const seriesLabels: string[][] = [];
  const seriesOfRow = new Int32Array(n);
  // Long results list the series in the same order at every time: guess that the series
  // after the previous row's is the one that followed it last time, and confirm by
  // comparing label bytes with a row of that series (no string decoded per row).
  const comparable = labelData.every(isUtf8);
  const seriesRow: number[] = [];
  const nextSeries: number[] = [];
  // Each series' units (usually one): not part of its identity.
  const unitData = unitCol && concatData(unitCol.chunks);
  const unitComparable = unitData !== undefined && isUtf8(unitData);
  const seriesUnits: Array<Set<string>> = [];
  const lastUnitRow: number[] = [];
  let prevSeries = -1;
  for (const row of order) {
    let s = comparable && prevSeries >= 0 ? nextSeries[prevSeries] : -1;
    for (let c = 0; s >= 0 && c < labelData.length; c++) {
      if (!sameText(labelData[c], row, seriesRow[s])) {
        s = -1;
      }
    }
    if (s < 0) {
      const values = labelData.map((d) => (isValid(d, row) ? utf8At(d, row) : ''));
      const key = values.join('\u0000');
      const known = seriesByKey.get(key);
      if (known === undefined) {
        s = seriesLabels.length;
        seriesByKey.set(key, s);
        seriesLabels.push(values);
        seriesUnits.push(new Set());
        seriesRow.push(row);
        nextSeries.push(-1);
        lastUnitRow.push(-1);
      } else {
        s = known;
      }
    }
    if (prevSeries >= 0) {
      nextSeries[prevSeries] = s;
    }
    prevSeries = s;
    seriesOfRow[row] = s;
    if (unitData && isValid(unitData, row)) {
      const last = lastUnitRow[s];
      if (!(unitComparable && last >= 0 && sameText(unitData, row, last))) {
        seriesUnits[s].add(utf8At(unitData, row));
        lastUnitRow[s] = row;
      }
    }
  }
  // Deterministic legend order: series sorted by their labels.
  const seriesOrder = seriesLabels.map((_, s) => s).sort((a, b) => compareLabels(seriesLabels[a], seriesLabels[b]));
  const mixedSeries: string[] = [];
  const mixedUnits = new Set<string>();
  const seriesUnit = seriesUnits.map((units, s): string | undefined => {
    units.delete('');
    if (units.size === 1) {
      return grafanaUnit([...units][0]);
    }
    if (units.size > 1) {
      mixedSeries.push(`{${labelCols.map((c, k) => `${c.name}=${seriesLabels[s][k]}`).join(', ')}}`);
      units.forEach((u) => mixedUnits.add(u));
    }
    return undefined;
  });
  if (unitCol && mixedSeries.length > 0) {
    notes.push(mixedUnitsNotice(unitCol.name, [...mixedUnits], mixedSeries));
  }

  const cells = T * seriesLabels.length * valueCols.length;
  if (cells > MAX_WIDE_CELLS) {
    throw new FrameFormatError(
      `This result has ${seriesLabels.length} distinct label sets (series, from the text columns ${labelCols.map((c) => c.name).join(', ')}) ` +
        `over ${T} distinct times: a time series frame of ${cells} values, above the limit of ${MAX_WIDE_CELLS}. ` +
        `Aggregate into fewer time buckets (e.g. date_bin), group by fewer text columns, or set the query's format to Table.`
    );
  }
  const fields: FrameField[] = [
    toField(timeCol, { chunks: [fixedData(TIME_NS, times, T, undefined, 0)], nullable: false }),
  ];
  let duplicates = 0;
  for (const col of valueCols) {
    const data = concatData(col.chunks);
    const isBool = col.tstype === 'boolean';
    const src = data.values as unknown as ArrayLike<number | bigint>;
    const Ctor = (
      isBool ? Float64Array : (src as unknown as { constructor: new (n: number) => unknown }).constructor
    ) as new (n: number) => { [i: number]: number | bigint };
    const out = seriesLabels.map(() => ({ values: new Ctor(T), validity: newBitmap(T), filled: newBitmap(T) }));
    // 64-bit integers move as two 32-bit words: reading them as BigInt would allocate per cell.
    const wide = src instanceof BigInt64Array || src instanceof BigUint64Array;
    const srcWords = wide ? new Int32Array(src.buffer, src.byteOffset, src.length * 2) : undefined;
    const outWords = wide ? out.map((o) => new Int32Array((o.values as unknown as BigInt64Array).buffer)) : [];
    const anyNull = data.nullCount > 0;
    for (const row of order) {
      const s = seriesOfRow[row];
      const target = out[s];
      const k = slot[row];
      const bit = 1 << (k & 7);
      if ((target.filled[k >> 3] & bit) !== 0) {
        duplicates++;
      }
      target.filled[k >> 3] |= bit;
      if (anyNull && !isValid(data, row)) {
        target.validity[k >> 3] &= ~bit;
        continue;
      }
      if (srcWords) {
        outWords[s][2 * k] = srcWords[2 * row];
        outWords[s][2 * k + 1] = srcWords[2 * row + 1];
      } else {
        target.values[k] = isBool ? (boolAt(data, row) ? 1 : 0) : src[row];
      }
      target.validity[k >> 3] |= bit;
    }
    const outType = isBool ? FLOAT64 : col.type;
    for (const s of seriesOrder) {
      const labels: Record<string, string> = {};
      labelCols.forEach((c, k) => (labels[c.name] = seriesLabels[s][k]));
      const { values, validity } = out[s];
      let nulls = 0;
      for (let k = 0; k < T; k++) {
        if ((validity[k >> 3] & (1 << (k & 7))) === 0) {
          nulls++;
        }
      }
      fields.push({
        name: col.name,
        type: 'number',
        chunks: [fixedData(outType, values as unknown as ArrayBufferView, T, validity, nulls)],
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
