// Traces format (preferred visualisation `trace`, Grafana's trace dataplane): one frame of
// spans with traceID, spanID, parentSpanID, operationName, serviceName, serviceTags,
// startTime (ms), duration (ms) and tags, from Micromegas span columns or aliases.
import * as arrow from 'apache-arrow';

import { concatData, fixedData, isValid, VarBinaryBuilder } from './buffers';
import { describeColumns, findColumn, type Column } from './columns';
import { jsonAt, utf8At } from './json-value';
import { FrameFormatError, type FrameField } from './model';
import type { Notes } from './notes';
import { SLICE_MASK, type Slicer } from './slicer';
import { findSpanColumns, readSpans, SPAN_NAMES } from './spans';

const UTF8 = new arrow.Utf8();
const BINARY = new arrow.Binary();
const FLOAT64 = new arrow.Float64();
const INT32 = new arrow.Int32();

/** The trace id of every span when the result has no trace/stream/process column. */
export const DEFAULT_TRACE_ID = 'spans';
/** serviceName when no column names the service. */
export const DEFAULT_SERVICE = 'micromegas';

const SERVICE_NAMES = ['service', 'service_name', 'servicename', 'exe', 'thread_name', 'target'];
/** Process-level columns: shown with the service rather than on each span. */
const SERVICE_TAG_NAMES = new Set([
  'exe',
  'process_id',
  'stream_id',
  'thread_name',
  'computer',
  'username',
  'realname',
  'distro',
  'cpu_brand',
  'process_properties',
]);
const TRACE_ID_NAMES = new Set(['trace_id', 'traceid']);
/** OpenTelemetry status text → the trace view's statusCode (2 marks the span as an error). */
const STATUS_CODES: Record<string, number> = { unset: 0, ok: 1, error: 2 };

const decoder = new TextDecoder();

async function stringField(name: string, values: string[], slicer: Slicer): Promise<FrameField> {
  const out = new VarBinaryBuilder(values.length, values.reduce((n, v) => n + v.length, 0) + values.length);
  for (let k = 0; k < values.length; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    out.pushString(values[k]);
  }
  return { name, type: 'string', chunks: [out.finish(UTF8)], nullable: false };
}

/** Distinct values among `values`, counted in slices (a 200k-span id index is tens of ms). */
async function distinctCount(values: string[], slicer: Slicer): Promise<number> {
  const seen = new Set<string>();
  for (let k = 0; k < values.length; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    seen.add(values[k]);
  }
  return seen.size;
}

function numberField(name: string, ms: Float64Array): FrameField {
  return { name, type: 'number', chunks: [fixedData(FLOAT64, ms, ms.length, undefined, 0)], nullable: false };
}

/** JSON list of {key, value} per row from the columns' non-null cells. */
async function keyValueField(name: string, cols: Column[], rows: Uint32Array, slicer: Slicer): Promise<FrameField> {
  const data = cols.map((c) => concatData(c.chunks));
  const keys = cols.map((c) => `{"key":${JSON.stringify(c.name)},"value":`);
  const out = new VarBinaryBuilder(rows.length, rows.length * (2 + cols.length * 32));
  for (let k = 0; k < rows.length; k++) {
    if ((k & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const i = rows[k];
    const parts: string[] = [];
    data.forEach((d, k) => {
      if (isValid(d, i)) {
        // JSON columns already hold JSON text; every other cell is rendered as its JSON value.
        parts.push(`${keys[k]}${jsonAt(d, i, (bytes) => decoder.decode(bytes))}}`);
      }
    });
    out.pushString(`[${parts.join(',')}]`);
  }
  return { name, type: 'other', chunks: [out.finish(BINARY)], nullable: false };
}

export async function tracesFields(columns: Column[], notes: Notes, slicer: Slicer): Promise<FrameField[]> {
  const cols = findSpanColumns(columns);
  if (!cols.id || !cols.begin || (!cols.duration && !cols.end)) {
    const missing = [
      !cols.id && `span id (${SPAN_NAMES.id.join(' / ')})`,
      !cols.begin && `begin time (${SPAN_NAMES.begin.join(' / ')})`,
      !cols.duration &&
        !cols.end &&
        `duration in ns or end time (${[...SPAN_NAMES.duration, ...SPAN_NAMES.end].join(' / ')})`,
    ].filter(Boolean);
    throw new FrameFormatError(
      `Traces format needs span id, begin and duration (or end) columns; missing: ${missing.join(', ')}. ` +
        `Found: ${describeColumns(columns)}. ` +
        `Select spans, e.g. SELECT * FROM view_instance('thread_spans', '<stream_id>'), or set the query's format to Table.`
    );
  }
  const spans = await readSpans(cols, { needBegin: true, what: 'trace' }, notes, slicer);
  const n = spans.row.length;
  const service = findColumn(columns, SERVICE_NAMES, ['string']);
  const status = findColumn(columns, ['status', 'status_code'], ['string']);
  const statusMessage = findColumn(columns, ['status_message', 'statusmessage'], ['string']);
  const traceIdCol = cols.group && TRACE_ID_NAMES.has(cols.group.name.toLowerCase()) ? cols.group : undefined;
  const used = new Set<Column | undefined>([
    cols.id,
    cols.parent,
    cols.name,
    cols.begin,
    cols.end,
    cols.duration,
    service,
    status,
    statusMessage,
    traceIdCol,
  ]);
  const rest = columns.filter((c) => !used.has(c));
  const serviceTagCols = rest.filter((c) => SERVICE_TAG_NAMES.has(c.name.toLowerCase()));
  const tagCols = rest.filter((c) => !SERVICE_TAG_NAMES.has(c.name.toLowerCase()));

  const traceIds = spans.group ?? new Array<string>(n).fill(DEFAULT_TRACE_ID);
  // Span ids repeat across threads/traces: qualify them only when they would collide in one view.
  let spanIds = spans.id;
  if (spans.group) {
    const distinct = await distinctCount(spans.id, slicer);
    if (distinct < n) {
      const qualified = await slicer.map(n, (k) => `${traceIds[k]}/${spans.id[k]}`);
      if ((await distinctCount(qualified, slicer)) > distinct) {
        spanIds = qualified;
        notes.push({
          severity: 'info',
          text: `Span ids repeat across ${cols.group!.name} values; they are shown as "<${cols.group!.name}>/<id>" so that every span stays distinct.`,
        });
      }
    }
  }
  const parentIds = await slicer.map(n, (k) => (spans.parent[k] < 0 ? '' : spanIds[spans.parent[k]]));
  const serviceData = service && concatData(service.chunks);
  const services = await slicer.map(n, (k) => {
    const i = spans.row[k];
    return serviceData && isValid(serviceData, i) ? utf8At(serviceData, i) : DEFAULT_SERVICE;
  });

  // One pass over the spans per field, with a chance to pause between them.
  const fields: FrameField[] = [];
  for (const next of [
    () => stringField('traceID', traceIds, slicer),
    () => stringField('spanID', spanIds, slicer),
    () => stringField('parentSpanID', parentIds, slicer),
    () => stringField('operationName', spans.name, slicer),
    () => stringField('serviceName', services, slicer),
    () => keyValueField('serviceTags', serviceTagCols, spans.row, slicer),
    () => numberField('startTime', spans.beginMs),
    () =>
      numberField(
        'duration',
        spans.durationNs.map((ns) => ns / 1e6)
      ),
    () => keyValueField('tags', tagCols, spans.row, slicer),
  ]) {
    await slicer.check();
    fields.push(await next());
  }
  if (status) {
    const d = concatData(status.chunks);
    const codes = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      if ((k & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const i = spans.row[k];
      codes[k] = isValid(d, i)
        ? (STATUS_CODES[
            utf8At(d, i)
              .toLowerCase()
              .replace(/^status_code_/, '')
          ] ?? 0)
        : 0;
    }
    fields.push({
      name: 'statusCode',
      type: 'number',
      chunks: [fixedData(INT32, codes, n, undefined, 0)],
      nullable: false,
    });
  }
  if (statusMessage) {
    const d = concatData(statusMessage.chunks);
    const messages = await slicer.map(n, (k) => (isValid(d, spans.row[k]) ? utf8At(d, spans.row[k]) : ''));
    fields.push(await stringField('statusMessage', messages, slicer));
  }
  return fields;
}
