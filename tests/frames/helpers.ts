// Shared test helpers: run batches through framesFromBatches, validate every frame
// against Grafana's rules and decode it the way Grafana's server would.
import * as arrow from 'apache-arrow';

import { framesFromBatches, joinChunks, type FrameFormat, type Notice } from '../../pkg/frames';
import { frameToJson, type DataFrameJSON } from '../harness/frame-json';
import { assertGrafanaFrame } from '../harness/frame-validate';

export interface Converted {
  table: arrow.Table;
  meta: Record<string, unknown> | undefined;
  json: DataFrameJSON;
  notices: Notice[];
  rowCount: number;
  bytes: Uint8Array;
}

export async function convert(
  input:
    arrow.Table | { schema: arrow.Schema; batches: Iterable<arrow.RecordBatch> | AsyncIterable<arrow.RecordBatch> },
  format: FrameFormat = 'table',
  extra: { notices?: Notice[]; executedQueryString?: string; frameName?: string; custom?: Record<string, unknown> } = {}
): Promise<Converted> {
  const result = await framesFromBatches(input.schema, input.batches, { refId: 'A', format, ...extra });
  if (result.frames.length !== 1) {
    throw new Error(`expected one frame, got ${result.frames.length}`);
  }
  const bytes = joinChunks(result.frames[0]);
  const { table, meta } = assertGrafanaFrame(bytes);
  return { table, meta, json: frameToJson(bytes), notices: result.notices, rowCount: result.rowCount, bytes };
}

/** The browser-side values of the field named `name` (first match). */
export function values(c: Converted, name: string): unknown[] {
  const i = c.json.schema.fields.findIndex((f) => f.name === name);
  if (i < 0) {
    throw new Error(`no field ${name} in ${c.json.schema.fields.map((f) => f.name).join(', ')}`);
  }
  return c.json.data.values[i];
}

export function fieldJson(c: Converted, name: string) {
  const f = c.json.schema.fields.find((x) => x.name === name);
  if (!f) {
    throw new Error(`no field ${name}`);
  }
  return f;
}

/** Validity bitmap for a list of nullable flags (true = value present). */
export function bitmap(present: boolean[]): Uint8Array {
  const out = new Uint8Array((present.length + 7) >> 3);
  present.forEach((p, i) => {
    if (p) {
      out[i >> 3] |= 1 << (i & 7);
    }
  });
  return out;
}

/** A RecordBatch stream (schema + batches) from several tables of the same schema. */
export function batchesOf(
  schema: arrow.Schema,
  ...columnsPerBatch: Array<Record<string, arrow.Data>>
): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const batches = columnsPerBatch.map((cols) => {
    const children = schema.fields.map((f) => cols[f.name]);
    const length = children[0].length;
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
    return new arrow.RecordBatch(schema, struct);
  });
  return { schema, batches };
}

/** Re-reads batches through an Arrow IPC stream, as the client receives them from Flight. */
export function throughIpc(
  schema: arrow.Schema,
  batches: arrow.RecordBatch[]
): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (const b of batches) {
    writer.write(b);
  }
  writer.finish();
  const reader = arrow.RecordBatchReader.from(writer.toUint8Array(true)).open();
  return { schema: reader.schema, batches: [...reader] };
}
