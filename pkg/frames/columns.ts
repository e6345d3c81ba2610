// Reading the incoming batches into converted columns: each batch is converted as
// it arrives (dictionaries hydrated, JSONB decoded) so the batch itself can go.
import * as arrow from 'apache-arrow';

import { columnConverter, type ColumnConverter } from './convert';
import { concatData } from './buffers';
import { emptyData } from './encode';
import type { FieldConfig, FieldType, FrameField } from './model';
import type { Notes } from './notes';
import type { Slicer } from './slicer';
import { arrowTypeToText as typeText } from './type-text';

/** One result column after type mapping: Grafana-decodable chunks, one per batch. */
export interface Column {
  name: string;
  tstype: FieldType;
  type: arrow.DataType;
  config?: FieldConfig;
  chunks: arrow.Data[];
  /** The source Arrow field (its original type, for messages). */
  source: arrow.Field;
}

export interface ConvertedResult {
  columns: Column[];
  rowCount: number;
}

/**
 * Converts every record batch as it arrives and hands the converted columns to `onBatch`
 * (empty batches are skipped). Returns the total row count. Both the buffering formats and
 * the streaming table writer read the server's batches through this one loop.
 */
export async function forEachConverted(
  converters: ColumnConverter[],
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  onBatch: (numRows: number, columns: arrow.Data[]) => void,
  slicer: Slicer
): Promise<number> {
  let rowCount = 0;
  for await (const batch of batches) {
    // Batches already received resolve at once: without a pause, a fast server's whole
    // result would be converted in one turn of the event loop.
    await slicer.check();
    const children = batch.data.children;
    if (children.length !== converters.length) {
      throw new Error(`a record batch has ${children.length} columns, the schema announced ${converters.length}`);
    }
    rowCount += batch.numRows;
    if (batch.numRows === 0) {
      continue;
    }
    const columns: arrow.Data[] = [];
    for (let c = 0; c < converters.length; c++) {
      columns.push(await convertColumn(converters[c], children[c], slicer));
    }
    onBatch(batch.numRows, columns);
  }
  return rowCount;
}

/** Rows a cell-by-cell conversion handles between two checks of the slice's budget. */
const ROW_RANGE = 1024;

/** One batch's column, converted in row ranges (pausing between them) when its conversion is per cell. */
async function convertColumn(conv: ColumnConverter, data: arrow.Data, slicer: Slicer): Promise<arrow.Data> {
  if (!conv.perRow || data.length <= ROW_RANGE) {
    return conv.convert(data);
  }
  conv.prepare?.(data);
  const pieces: arrow.Data[] = [];
  for (let start = 0; start < data.length; start += ROW_RANGE) {
    pieces.push(conv.convert(data.slice(start, Math.min(ROW_RANGE, data.length - start))));
    await slicer.check();
  }
  return concatData(pieces);
}

export async function convertBatches(
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  notes: Notes,
  slicer: Slicer
): Promise<ConvertedResult> {
  const converters = schema.fields.map((f) => columnConverter(f, notes));
  const chunks: arrow.Data[][] = converters.map(() => []);
  const rowCount = await forEachConverted(
    converters,
    batches,
    (_rows, columns) => {
      columns.forEach((data, c) => chunks[c].push(data));
    },
    slicer
  );
  const columns = converters.map((conv, c): Column => {
    const type = conv.outType;
    return {
      name: conv.name,
      tstype: conv.tstype,
      type,
      config: conv.config,
      chunks: chunks[c].length > 0 ? chunks[c] : [emptyData(type)],
      source: conv.source,
    };
  });
  return { columns, rowCount };
}

/** The column as a frame field: nullable when the server declared it so or it holds nulls. */
export function toField(column: Column, extra: Partial<FrameField> = {}): FrameField {
  const nullable = column.source.nullable || column.chunks.some((c) => c.nullCount > 0);
  return { name: column.name, type: column.tstype, chunks: column.chunks, config: column.config, nullable, ...extra };
}

/** The first column named (case-insensitively) like one of `names`, in order of preference, of an accepted tstype. */
export function findColumn(
  columns: Column[],
  names: readonly string[],
  tstypes?: readonly string[]
): Column | undefined {
  for (const name of names) {
    const c = columns.find((col) => col.name.toLowerCase() === name && (!tstypes || tstypes.includes(col.tstype)));
    if (c) {
      return c;
    }
  }
  return undefined;
}

/** "name Type" list of the columns, for error messages. */
export function describeColumns(columns: Column[]): string {
  if (columns.length === 0) {
    return 'no columns';
  }
  return columns.map((c) => `${c.name} (${typeText(c.source.type)})`).join(', ');
}
