// One of our encoded frames (Arrow IPC file) as the data frame JSON Grafana's SDK writes
// with data.FrameToJSON(frame, IncludeAll): what /api/ds/query returns to the browser and
// what a plugin's Grafana Live stream packet carries. Follows the SDK's reading rules
// (non-nullable fields ignore validity, Timestamp values are nanoseconds, Binary is raw
// JSON, Uint16 + tstype enum is an enum) and JSON rules (times as epoch ms plus `nanos`,
// NaN/±Inf as null plus `entities`). Checked against the SDK's golden JSON in
// tests/frames/golden.test.ts.
import * as arrow from 'apache-arrow';

import { joinChunks } from './ipc-file';

export interface FieldJSON {
  name?: string;
  type: string;
  typeInfo: { frame: string; nullable?: true };
  labels?: Record<string, string>;
  config?: Record<string, unknown>;
}

export interface EntityLookup {
  NaN?: number[];
  Inf?: number[];
  NegInf?: number[];
}

export interface DataFrameJSON {
  schema: { name?: string; refId?: string; meta?: Record<string, unknown>; fields: FieldJSON[] };
  data: { values: unknown[][]; entities?: Array<EntityLookup | null>; nanos?: Array<number[] | null> };
}

/**
 * Reads an IPC file keeping the file's own schema: apache-arrow's Table constructor merges
 * the metadata of same-named fields, and a frame may repeat field names (one per series).
 */
export function readFrame(bytes: Uint8Array): arrow.Table {
  const reader = arrow.RecordBatchReader.from(bytes).open();
  const schema = reader.schema;
  const batches = [...reader];
  const table = batches.length > 0 ? new arrow.Table(batches) : new arrow.Table(schema);
  return Object.assign(table, { schema }) as arrow.Table;
}

function frameType(type: arrow.DataType, tstype: string | undefined): [string, string] {
  switch (type.typeId) {
    case arrow.Type.Utf8:
      return ['string', 'string'];
    case arrow.Type.Bool:
      return ['boolean', 'bool'];
    case arrow.Type.Timestamp:
      return ['time', 'time.Time'];
    case arrow.Type.Binary:
      return ['other', 'json.RawMessage'];
    case arrow.Type.Float:
      return ['number', (type as arrow.Float).precision === arrow.Precision.SINGLE ? 'float32' : 'float64'];
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      if (tstype === 'enum' && !t.isSigned && t.bitWidth === 16) {
        return ['enum', 'enum'];
      }
      return ['number', `${t.isSigned ? 'int' : 'uint'}${t.bitWidth}`];
    }
    default:
      throw new Error(`Grafana cannot decode Arrow type ${String(type)}`);
  }
}

/** Go writes float32 with the shortest decimal that reads back as the same float32. */
function shortestFloat32(v: number): number {
  for (let p = 1; p <= 9; p++) {
    const n = Number(v.toPrecision(p));
    if (Math.fround(n) === v) {
      return n;
    }
  }
  return v;
}

const utf8 = new TextDecoder();

interface ColumnJSON {
  values: unknown[];
  entities: EntityLookup | null;
  nanos: number[] | null;
}

function columnJson(column: arrow.Vector, nullable: boolean, frame: string): ColumnJSON {
  const values: unknown[] = [];
  const entities: EntityLookup = {};
  let hasEntities = false;
  let nanos: number[] | null = null;
  let row = 0;
  for (const data of column.data) {
    for (let i = 0; i < data.length; i++, row++) {
      // The SDK reads validity only for nullable fields; otherwise nulls are zero values.
      const valid =
        !nullable ||
        data.nullCount === 0 ||
        (data.nullBitmap[(data.offset + i) >> 3] & (1 << ((data.offset + i) & 7))) !== 0;
      if (!valid) {
        values.push(null);
        continue;
      }
      switch (frame) {
        case 'string': {
          const o = data.valueOffsets as Int32Array;
          values.push(utf8.decode((data.values as Uint8Array).subarray(o[i], o[i + 1])));
          break;
        }
        case 'json.RawMessage': {
          const o = data.valueOffsets as Int32Array;
          const text = utf8.decode((data.values as Uint8Array).subarray(o[i], o[i + 1]));
          values.push(text === '' || text === 'null' ? null : JSON.parse(text));
          break;
        }
        case 'bool': {
          const pos = data.offset + i;
          values.push(((data.values as Uint8Array)[pos >> 3] & (1 << (pos & 7))) !== 0);
          break;
        }
        case 'time.Time': {
          const ns = BigInt((data.values as unknown as BigInt64Array)[i]);
          const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
          const sub = Number(ns - ms * 1_000_000n);
          values.push(Number(ms));
          if (sub !== 0) {
            nanos ??= new Array<number>(column.length).fill(0);
            nanos[row] = sub;
          }
          break;
        }
        case 'float32':
        case 'float64': {
          const v = (data.values as Float32Array | Float64Array)[i];
          if (Number.isNaN(v) || !Number.isFinite(v)) {
            const key: keyof EntityLookup = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : 'NegInf';
            (entities[key] ??= []).push(row);
            hasEntities = true;
            values.push(null);
          } else {
            values.push(frame === 'float32' ? shortestFloat32(v) : v);
          }
          break;
        }
        default: {
          // ints, uints, enum: 64-bit values are bigints here; JSON numbers for the browser.
          values.push(Number((data.values as ArrayLike<number | bigint>)[i]));
        }
      }
    }
  }
  return { values, entities: hasEntities ? entities : null, nanos };
}

/** Grafana's key order (name, type, typeInfo, labels, config), for readable output. */
function orderKeys(f: FieldJSON): FieldJSON {
  const out: FieldJSON = {} as FieldJSON;
  if (f.name !== undefined) {
    out.name = f.name;
  }
  out.type = f.type;
  out.typeInfo = f.typeInfo;
  if (f.labels) {
    out.labels = f.labels;
  }
  if (f.config) {
    out.config = f.config;
  }
  return out;
}

/** An encoded frame (IPC file bytes, or the chunks the pipeline returns) as frame JSON. */
export function frameToJson(frame: Uint8Array | readonly Uint8Array[]): DataFrameJSON {
  const bytes = frame instanceof Uint8Array ? frame : joinChunks(frame);
  const table = readFrame(bytes);
  const md = table.schema.metadata;
  const schema: DataFrameJSON['schema'] = { fields: [] };
  if (md.get('name')) {
    schema.name = md.get('name');
  }
  if (md.get('refId')) {
    schema.refId = md.get('refId');
  }
  if (md.has('meta')) {
    schema.meta = JSON.parse(md.get('meta')!) as Record<string, unknown>;
  }
  const values: unknown[][] = [];
  const entities: Array<EntityLookup | null> = [];
  const nanos: Array<number[] | null> = [];
  table.schema.fields.forEach((field, i) => {
    const tstype = field.metadata.get('tstype');
    const [type, frameKind] = frameType(field.type, tstype);
    const f: FieldJSON = {
      type,
      typeInfo: field.nullable ? { frame: frameKind, nullable: true } : { frame: frameKind },
    };
    if (field.name) {
      f.name = field.name;
    }
    if (field.metadata.has('labels')) {
      f.labels = JSON.parse(field.metadata.get('labels')!) as Record<string, string>;
    }
    if (field.metadata.has('config')) {
      f.config = JSON.parse(field.metadata.get('config')!) as Record<string, unknown>;
    }
    schema.fields.push(orderKeys(f));
    const col = columnJson(table.getChildAt(i)!, field.nullable, frameKind);
    values.push(col.values);
    entities.push(col.entities);
    nanos.push(col.nanos);
  });
  const data: DataFrameJSON['data'] = { values };
  if (entities.some((e) => e !== null)) {
    data.entities = entities;
  }
  if (nanos.some((n) => n !== null)) {
    data.nanos = nanos;
  }
  return { schema, data };
}

/** Number of rows of a frame JSON. */
export function rowCount(frame: DataFrameJSON): number {
  return frame.data.values[0]?.length ?? 0;
}

/**
 * The same frame with only the given rows, in the given order (values, nanos and entity
 * indexes follow the rows). The schema object is shared, not copied.
 */
export function selectRows(frame: DataFrameJSON, rows: readonly number[]): DataFrameJSON {
  const values = frame.data.values.map((col) => rows.map((r) => col[r]));
  const data: DataFrameJSON['data'] = { values };
  const nanos = frame.data.nanos?.map((col) => (col ? rows.map((r) => col[r] ?? 0) : null));
  if (nanos?.some((col) => col !== null && col.some((n) => n !== 0))) {
    data.nanos = nanos.map((col) => (col && col.some((n) => n !== 0) ? col : null));
  }
  if (frame.data.entities) {
    const position = new Map<number, number>();
    rows.forEach((r, i) => position.set(r, i));
    const remap = (list: number[] | undefined): number[] | undefined => {
      const out = (list ?? []).filter((r) => position.has(r)).map((r) => position.get(r)!);
      return out.length > 0 ? out.sort((a, b) => a - b) : undefined;
    };
    const entities = frame.data.entities.map((e): EntityLookup | null => {
      if (!e) {
        return null;
      }
      const out: EntityLookup = {};
      const nan = remap(e.NaN);
      const inf = remap(e.Inf);
      const negInf = remap(e.NegInf);
      if (nan) {
        out.NaN = nan;
      }
      if (inf) {
        out.Inf = inf;
      }
      if (negInf) {
        out.NegInf = negInf;
      }
      return Object.keys(out).length > 0 ? out : null;
    });
    if (entities.some((e) => e !== null)) {
      data.entities = entities;
    }
  }
  return { schema: frame.schema, data };
}
