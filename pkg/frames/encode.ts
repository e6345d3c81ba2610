// Frame → one Arrow IPC *file* exactly as Grafana's SDK reads it (grafana-protocol
// §3): schema metadata name/refId/meta, field metadata tstype/labels/config, and
// only the Arrow types Grafana decodes. The chunks' buffers are written as they are.
import * as arrow from 'apache-arrow';

import type { FieldType, Frame, FrameField } from './model';

/** Arrow types Grafana decodes, for each tstype. */
export function isGrafanaType(type: arrow.DataType, tstype: FieldType): boolean {
  switch (tstype) {
    case 'string':
      return type.typeId === arrow.Type.Utf8;
    case 'number':
      return type.typeId === arrow.Type.Int || (type.typeId === arrow.Type.Float && (type as arrow.Float).precision !== arrow.Precision.HALF);
    case 'boolean':
      return type.typeId === arrow.Type.Bool;
    case 'time':
      return type.typeId === arrow.Type.Timestamp && (type as arrow.Timestamp).unit === arrow.TimeUnit.NANOSECOND;
    case 'other':
      return type.typeId === arrow.Type.Binary;
    case 'enum':
      return type.typeId === arrow.Type.Int && !(type as arrow.Int).isSigned && (type as arrow.Int).bitWidth === 16;
  }
}

function fieldLength(field: FrameField): number {
  return field.chunks.reduce((n, c) => n + c.length, 0);
}

/** A zero-length Data of `type` (for frames without rows). */
export function emptyData(type: arrow.DataType): arrow.Data {
  if (type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.Binary) {
    return new arrow.Data(type, 0, 0, 0, [new Int32Array(1), new Uint8Array(0)] as never);
  }
  const ArrayType = (type as arrow.DataType & { ArrayType: new (n: number) => ArrayBufferView }).ArrayType;
  return new arrow.Data(type, 0, 0, 0, [undefined, new ArrayType(0)] as never);
}

function arrowField(field: FrameField): arrow.Field {
  const type = field.chunks[0]?.type;
  const hasNulls = field.chunks.some((c) => c.nullCount > 0);
  if (field.nullable === false && hasNulls) throw new Error(`field "${field.name}" is declared non-nullable but holds nulls`);
  const metadata = new Map<string, string>([['tstype', field.type]]);
  if (field.labels) metadata.set('labels', JSON.stringify(field.labels));
  if (field.config) metadata.set('config', JSON.stringify(field.config));
  return new arrow.Field(field.name, type, field.nullable ?? hasNulls, metadata);
}

/** Row ranges where no field changes chunk: the record batches to write. */
function segments(fields: FrameField[], rows: number): number[] {
  const cuts = new Set<number>([0, rows]);
  for (const f of fields) {
    let at = 0;
    for (const c of f.chunks) cuts.add((at += c.length));
  }
  return [...cuts].sort((a, b) => a - b);
}

/** The part of a field's chunks covering rows [start, end): usually one whole chunk. */
function sliceRows(field: FrameField, start: number, end: number): arrow.Data {
  let at = 0;
  for (const c of field.chunks) {
    const next = at + c.length;
    if (start >= at && end <= next) return start === at && end === next ? c : c.slice(start - at, end - start);
    at = next;
  }
  throw new Error(`field "${field.name}": rows ${start}..${end} span chunk boundaries`);
}

export function encodeFrame(frame: Frame): Uint8Array {
  const { fields } = frame;
  const rows = fields.length > 0 ? fieldLength(fields[0]) : 0;
  for (const f of fields) {
    if (f.chunks.length === 0) throw new Error(`field "${f.name}" has no chunks (give it an empty chunk of its type)`);
    for (const c of f.chunks) {
      if (!isGrafanaType(c.type, f.type)) throw new Error(`field "${f.name}": Arrow type ${String(c.type)} cannot be sent as tstype ${f.type}`);
      if (c.type.typeId !== f.chunks[0].type.typeId) throw new Error(`field "${f.name}": chunks of different types`);
    }
    const len = fieldLength(f);
    if (len !== rows) throw new Error(`field "${f.name}" has ${len} rows, field "${fields[0].name}" has ${rows}`);
  }
  const metadata = new Map<string, string>([
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ]);
  if (frame.meta) metadata.set('meta', JSON.stringify(frame.meta));
  const schema = new arrow.Schema(fields.map(arrowField), metadata);

  const writer = new arrow.RecordBatchFileWriter();
  writer.reset(undefined, schema);
  const cuts = segments(fields, rows);
  const write = (length: number, children: arrow.Data[]) => {
    const struct = new arrow.Data(new arrow.Struct(schema.fields), 0, length, 0, [undefined, undefined, undefined] as never, children);
    const batch = new arrow.RecordBatch(schema, struct as arrow.Data<arrow.Struct>);
    // apache-arrow's constructor merges the metadata of same-named fields; a frame
    // repeats names (one field per series), so put the exact schema back.
    Object.assign(batch, { schema });
    writer.write(batch);
  };
  if (rows === 0) {
    write(0, schema.fields.map((f) => emptyData(f.type)));
  } else {
    for (let s = 0; s + 1 < cuts.length; s++) {
      const [start, end] = [cuts[s], cuts[s + 1]];
      if (end > start) write(end - start, fields.map((f) => sliceRows(f, start, end)));
    }
  }
  writer.finish();
  return writer.toUint8Array(true);
}
