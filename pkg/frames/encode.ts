// Frame → one Arrow IPC *file* exactly as Grafana's SDK reads it (data.UnmarshalArrowFrame):
// schema metadata name/refId/meta, field metadata tstype/labels/config, and
// only the Arrow types Grafana decodes. The chunks' buffers are referenced as they are
// (see ipc-file.ts), so an encoded frame costs no copy of its values.
import * as arrow from 'apache-arrow';

import { IpcFileWriter, joinChunks } from './ipc-file';
import { runSteps, runStepsSliced, type Steps } from './ipc-schema';
import type { FieldConfig, FieldType, Frame, FrameField } from './model';
import type { Slicer } from './slicer';

/** Arrow types Grafana decodes, for each tstype. */
export function isGrafanaType(type: arrow.DataType, tstype: FieldType): boolean {
  switch (tstype) {
    case 'string':
      return type.typeId === arrow.Type.Utf8;
    case 'number':
      return (
        type.typeId === arrow.Type.Int ||
        (type.typeId === arrow.Type.Float && (type as arrow.Float).precision !== arrow.Precision.HALF)
      );
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

/** What the schema says about one field (its values are written separately). */
export interface FieldHeader {
  name: string;
  type: FieldType;
  arrowType: arrow.DataType;
  nullable: boolean;
  labels?: Record<string, string>;
  config?: FieldConfig;
}

/** The frame's Arrow schema: metadata name/refId/meta, field metadata tstype/labels/config. */
export function frameSchema(frame: Pick<Frame, 'name' | 'refId' | 'meta'>, fields: FieldHeader[]): arrow.Schema {
  const metadata = new Map<string, string>([
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ]);
  if (frame.meta) {
    metadata.set('meta', JSON.stringify(frame.meta));
  }
  return new arrow.Schema(
    fields.map((f) => {
      if (!isGrafanaType(f.arrowType, f.type)) {
        throw new Error(`field "${f.name}": Arrow type ${String(f.arrowType)} cannot be sent as tstype ${f.type}`);
      }
      const md = new Map<string, string>([['tstype', f.type]]);
      if (f.labels) {
        md.set('labels', JSON.stringify(f.labels));
      }
      if (f.config) {
        md.set('config', JSON.stringify(f.config));
      }
      return new arrow.Field(f.name, f.arrowType, f.nullable, md);
    }),
    metadata
  );
}

function fieldHeader(field: FrameField): FieldHeader {
  const hasNulls = field.chunks.some((c) => c.nullCount > 0);
  if (field.nullable === false && hasNulls) {
    throw new Error(`field "${field.name}" is declared non-nullable but holds nulls`);
  }
  return {
    name: field.name,
    type: field.type,
    arrowType: field.chunks[0].type,
    nullable: field.nullable ?? hasNulls,
    labels: field.labels,
    config: field.config,
  };
}

/** Row ranges where no field changes chunk: the record batches to write. */
function segments(fields: FrameField[], rows: number): number[] {
  const cuts = new Set<number>([0, rows]);
  for (const f of fields) {
    let at = 0;
    for (const c of f.chunks) {
      cuts.add((at += c.length));
    }
  }
  return [...cuts].sort((a, b) => a - b);
}

/** The part of a field's chunks covering rows [start, end): usually one whole chunk. */
function sliceRows(field: FrameField, start: number, end: number): arrow.Data {
  let at = 0;
  for (const c of field.chunks) {
    const next = at + c.length;
    if (start >= at && end <= next) {
      return start === at && end === next ? c : c.slice(start - at, end - start);
    }
    at = next;
  }
  throw new Error(`field "${field.name}": rows ${start}..${end} span chunk boundaries`);
}

/** The frame as one Arrow IPC file, in chunks that reference the fields' buffers (no copy of the values). */
export function encodeFrameChunks(frame: Frame): Uint8Array[] {
  return runSteps(encodeSteps(frame));
}

/** The same, pausing as it goes (a time series of many series is a frame of thousands of fields). */
export function encodeFrameChunksSliced(frame: Frame, slicer: Slicer): Promise<Uint8Array[]> {
  return runStepsSliced(encodeSteps(frame), slicer);
}

function* encodeSteps(frame: Frame): Steps<Uint8Array[]> {
  const { fields } = frame;
  const rows = fields.length > 0 ? fieldLength(fields[0]) : 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.chunks.length === 0) {
      throw new Error(`field "${f.name}" has no chunks (give it an empty chunk of its type)`);
    }
    for (const c of f.chunks) {
      if (!isGrafanaType(c.type, f.type)) {
        throw new Error(`field "${f.name}": Arrow type ${String(c.type)} cannot be sent as tstype ${f.type}`);
      }
      if (c.type.typeId !== f.chunks[0].type.typeId) {
        throw new Error(`field "${f.name}": chunks of different types`);
      }
    }
    const len = fieldLength(f);
    if (len !== rows) {
      throw new Error(`field "${f.name}" has ${len} rows, field "${fields[0].name}" has ${rows}`);
    }
    if ((i & 1023) === 1023) {
      yield;
    }
  }
  const schema = frameSchema(frame, fields.map(fieldHeader));
  yield;
  const writer = new IpcFileWriter();
  if (rows === 0) {
    yield* writer.writeBatchSteps(
      0,
      schema.fields.map((f) => emptyData(f.type))
    );
  } else {
    const cuts = segments(fields, rows);
    for (let s = 0; s + 1 < cuts.length; s++) {
      const [start, end] = [cuts[s], cuts[s + 1]];
      if (end > start) {
        yield* writer.writeBatchSteps(
          end - start,
          fields.map((f) => sliceRows(f, start, end))
        );
      }
    }
  }
  return yield* writer.finishSteps(schema);
}

/** The frame as one Arrow IPC file in a single buffer. */
export function encodeFrame(frame: Frame): Uint8Array {
  return joinChunks(encodeFrameChunks(frame));
}
