// Text renderings of query results for the CLI: aligned table, CSV, JSON records.
import { DataType, RecordBatch, Schema } from 'apache-arrow';

import { cellText, cellValue } from './values';

export type OutputFormat = 'table' | 'csv' | 'json';

function truncate(s: string, max: number): string {
  return max > 0 && s.length > max ? s.slice(0, Math.max(0, max - 3)) + '...' : s;
}

function isNumeric(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

/** A `tabulate`-style "simple" table: header, dashes, rows; numbers right-aligned. */
export function renderTable(schema: Schema, batches: RecordBatch[], maxColWidth: number): string {
  const cols = schema.fields.map((f) => f.name);
  const numeric = schema.fields.map((f) => isNumeric(f.type));
  const rows: string[][] = [];
  for (const batch of batches) {
    const vecs = schema.fields.map((_, i) => batch.getChildAt(i)!);
    for (let r = 0; r < batch.numRows; r++) {
      rows.push(vecs.map((v) => truncate(cellText(v, r).replace(/\r?\n/g, '\\n'), maxColWidth)));
    }
  }
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(schema: Schema): string {
  return schema.fields.map((f) => csvField(f.name)).join(',') + '\n';
}

export function csvRows(batch: RecordBatch): string {
  const vecs = batch.schema.fields.map((_, i) => batch.getChildAt(i)!);
  let out = '';
  for (let r = 0; r < batch.numRows; r++) {
    out += vecs.map((v) => csvField(cellText(v, r))).join(',') + '\n';
  }
  return out;
}

/** JSON records of one batch, each prefixed by `,\n` except the very first (`first`). */
export function jsonRecords(batch: RecordBatch, first: boolean): string {
  const vecs = batch.schema.fields.map((f, i) => [f.name, batch.getChildAt(i)!] as const);
  let out = '';
  for (let r = 0; r < batch.numRows; r++) {
    const obj: Record<string, unknown> = {};
    for (const [name, v] of vecs) {
      obj[name] = cellValue(v, r);
    }
    const text = JSON.stringify(obj, null, 2).replace(/\n/g, '\n  ');
    out += (first && r === 0 ? '  ' : ',\n  ') + text;
  }
  return out;
}
