// Checks one encoded frame against the rules Grafana's SDK (grafana-plugin-sdk-go data
// package) applies when it reads a plugin's frames — one Arrow IPC file per frame, schema
// metadata name/refId/meta, field metadata tstype, only the Arrow types it decodes — and
// the dataplane shapes of its formats (time series, logs, traces, flame graph). Any test
// that produces frames can run `assertGrafanaFrame(bytes)` on them.
import * as arrow from 'apache-arrow';

import { readFrame } from '../../pkg/frames/json';

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const TSTYPES = new Set(['string', 'number', 'boolean', 'time', 'other', 'enum']);
const SEVERITIES = new Set(['info', 'warning', 'error']);

// Frames are read keeping the file's own schema (same-named fields keep their own metadata).
export { readFrame };

export interface ValidatedFrame {
  table: arrow.Table;
  meta: Record<string, unknown> | undefined;
  problems: string[];
}

function parseJson(text: string, what: string, problems: string[]): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    problems.push(`${what} is not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The Arrow type a tstype must be written with, or a reason it is not. */
function typeProblem(type: arrow.DataType, tstype: string): string | undefined {
  const t = type.typeId;
  switch (tstype) {
    case 'string':
      return t === arrow.Type.Utf8 ? undefined : 'tstype string needs Utf8';
    case 'number':
      return t === arrow.Type.Int ||
        (t === arrow.Type.Float && (type as arrow.Float).precision !== arrow.Precision.HALF)
        ? undefined
        : 'tstype number needs Int*/Uint*/Float32/Float64';
    case 'boolean':
      return t === arrow.Type.Bool ? undefined : 'tstype boolean needs Bool';
    case 'time':
      if (t !== arrow.Type.Timestamp) {
        return 'tstype time needs Timestamp';
      }
      return (type as arrow.Timestamp).unit === arrow.TimeUnit.NANOSECOND
        ? undefined
        : 'Timestamp must be in nanoseconds (Grafana reads every Timestamp as ns)';
    case 'other':
      return t === arrow.Type.Binary ? undefined : 'tstype other needs Binary (JSON text)';
    case 'enum':
      return t === arrow.Type.Int && !(type as arrow.Int).isSigned && (type as arrow.Int).bitWidth === 16
        ? undefined
        : 'tstype enum needs Uint16';
    default:
      return `unknown tstype ${tstype}`;
  }
}

export function validateGrafanaFrame(bytes: Uint8Array): ValidatedFrame {
  const problems: string[] = [];
  const head = [...bytes.subarray(0, 6)];
  const tail = [...bytes.subarray(bytes.length - 6)];
  if (head.join() !== MAGIC.join() || tail.join() !== MAGIC.join()) {
    problems.push('not an Arrow IPC file (ARROW1 magic missing at start or end)');
  }
  let table: arrow.Table;
  try {
    if (!arrow.RecordBatchReader.from(bytes).isFile()) {
      problems.push('Arrow IPC stream instead of file');
    }
    table = readFrame(bytes);
  } catch (e) {
    return {
      table: new arrow.Table(),
      meta: undefined,
      problems: [...problems, `unreadable Arrow IPC: ${(e as Error).message}`],
    };
  }
  const md = table.schema.metadata;
  for (const key of ['name', 'refId']) {
    if (!md.has(key)) {
      problems.push(`schema metadata "${key}" missing`);
    }
  }
  let meta: Record<string, unknown> | undefined;
  if (md.has('meta')) {
    const parsed = parseJson(md.get('meta')!, 'schema metadata "meta"', problems);
    if (parsed !== undefined && !isPlainObject(parsed)) {
      problems.push('meta is not a JSON object');
    } else {
      meta = parsed as Record<string, unknown> | undefined;
    }
  }
  if (meta) {
    const notices = meta.notices;
    if (notices !== undefined) {
      if (!Array.isArray(notices)) {
        problems.push('meta.notices is not an array');
      } else {
        for (const n of notices) {
          if (!isPlainObject(n) || !SEVERITIES.has(n.severity as string) || typeof n.text !== 'string') {
            problems.push(`bad notice ${JSON.stringify(n)}`);
          }
        }
      }
    }
    const tv = meta.typeVersion;
    if (tv !== undefined && !(Array.isArray(tv) && tv.length === 2 && tv.every((x) => Number.isInteger(x)))) {
      problems.push('meta.typeVersion is not [major, minor]');
    }
  }

  const rows = table.numRows;
  table.schema.fields.forEach((field, i) => {
    const where = `field ${i} "${field.name}"`;
    const tstype = field.metadata.get('tstype');
    if (!tstype || !TSTYPES.has(tstype)) {
      problems.push(`${where}: tstype metadata missing or unknown (${tstype})`);
    } else {
      const p = typeProblem(field.type, tstype);
      if (p) {
        problems.push(`${where}: ${String(field.type)}: ${p}`);
      }
    }
    if (field.metadata.has('labels')) {
      const labels = parseJson(field.metadata.get('labels')!, `${where} labels`, problems);
      if (
        labels !== undefined &&
        (!isPlainObject(labels) || Object.values(labels).some((v) => typeof v !== 'string'))
      ) {
        problems.push(`${where}: labels must be a JSON object of strings`);
      }
    }
    if (field.metadata.has('config')) {
      const config = parseJson(field.metadata.get('config')!, `${where} config`, problems);
      if (config !== undefined && !isPlainObject(config)) {
        problems.push(`${where}: config must be a JSON object`);
      }
    }
    const column = table.getChildAt(i)!;
    if (column.length !== rows) {
      problems.push(`${where}: ${column.length} values for ${rows} rows`);
    }
    for (const batch of table.batches) {
      const child = batch.getChildAt(i)!;
      if (child.length !== batch.numRows) {
        problems.push(`${where}: ${child.length} values in a batch of ${batch.numRows} rows`);
      }
    }
    if (!field.nullable && column.nullCount > 0) {
      problems.push(`${where}: non-nullable but holds ${column.nullCount} null(s) (Grafana reads them as zero values)`);
    }
    if (field.type.typeId === arrow.Type.Binary) {
      const decoder = new TextDecoder('utf-8', { fatal: true });
      for (let r = 0; r < column.length; r++) {
        const v = column.get(r) as Uint8Array | null;
        if (v === null) {
          continue;
        }
        try {
          JSON.parse(decoder.decode(v));
        } catch {
          problems.push(`${where}: row ${r} is not JSON text`);
          break;
        }
      }
    }
  });
  problems.push(...shapeProblems(table, meta));
  return { table, meta, problems };
}

function timeValues(column: arrow.Vector): bigint[] {
  const out: bigint[] = [];
  for (const d of column.data) {
    const values = d.values as unknown as BigInt64Array;
    for (let k = 0; k < d.length; k++) {
      out.push(values[k]);
    }
  }
  return out;
}

/** Dataplane shapes (§4) for the frame types this plugin writes. */
function shapeProblems(table: arrow.Table, meta: Record<string, unknown> | undefined): string[] {
  const problems: string[] = [];
  const fields = table.schema.fields;
  const tstype = (f: arrow.Field) => f.metadata.get('tstype');
  if (meta?.type === 'timeseries-wide') {
    const timeFields = fields.filter((f) => tstype(f) === 'time');
    if (fields.length === 0 || tstype(fields[0]) !== 'time') {
      problems.push('timeseries-wide: first field must be the time field');
    } else {
      if (table.getChildAt(0)!.nullCount > 0) {
        problems.push('timeseries-wide: time field holds nulls');
      }
      const t = timeValues(table.getChildAt(0)!);
      for (let k = 1; k < t.length; k++) {
        if (t[k] < t[k - 1]) {
          problems.push('timeseries-wide: time not sorted ascending');
          break;
        }
      }
    }
    if (timeFields.length !== 1) {
      problems.push(`timeseries-wide: ${timeFields.length} time fields (exactly one expected)`);
    }
    const seen = new Set<string>();
    for (const f of fields.slice(1)) {
      if (tstype(f) !== 'number') {
        continue;
      }
      const key = `${f.name}${f.metadata.get('labels') ?? '{}'}`;
      if (seen.has(key)) {
        problems.push(`timeseries-wide: series ${key} is not unique by name and labels`);
      }
      seen.add(key);
    }
  }
  if (meta?.type === 'log-lines') {
    if (fields[0]?.name !== 'timestamp' || tstype(fields[0]) !== 'time') {
      problems.push('log-lines: first field must be time field "timestamp"');
    } else if (table.getChildAt(0)!.nullCount > 0 || fields[0].nullable) {
      problems.push('log-lines: timestamp must be non-null');
    }
    const body = fields.find((f) => tstype(f) === 'string');
    if (!body || body.name !== 'body') {
      problems.push('log-lines: first string field must be "body"');
    } else if (body.nullable) {
      problems.push('log-lines: body must be non-null');
    }
    const labels = fields.find((f) => f.name === 'labels');
    if (labels && tstype(labels) !== 'other') {
      problems.push('log-lines: labels must be a JSON (other) field');
    }
  }
  return problems;
}

/** Throws with every problem listed when the frame is not what Grafana expects. */
export function assertGrafanaFrame(bytes: Uint8Array): ValidatedFrame {
  const result = validateGrafanaFrame(bytes);
  if (result.problems.length > 0) {
    throw new Error(`invalid Grafana frame:\n  - ${result.problems.join('\n  - ')}`);
  }
  return result;
}

/**
 * The fields of Grafana's trace frame (the trace view's dataplane contract) with the
 * tstype each must have, in the order the plugin writes them.
 */
export const TRACE_FRAME_FIELDS: ReadonlyArray<readonly [name: string, tstype: string]> = [
  ['traceID', 'string'],
  ['spanID', 'string'],
  ['parentSpanID', 'string'],
  ['operationName', 'string'],
  ['serviceName', 'string'],
  ['serviceTags', 'other'],
  ['startTime', 'number'],
  ['duration', 'number'],
  ['tags', 'other'],
];
