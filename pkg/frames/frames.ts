// Entry point used by the query pipeline: Arrow record batches from Micromegas →
// Grafana frames (Arrow IPC files, as chunk lists) in the requested format.
import * as arrow from 'apache-arrow';

import { convertBatches, forEachConverted } from './columns';
import { columnConverter } from './convert';
import { emptyData, encodeFrameChunksSliced, frameSchema, isGrafanaType } from './encode';
import { flameGraphFields } from './flamegraph';
import { heatmapFields } from './heatmap';
import { BatchCoalescer } from './coalesce';
import { IpcFileWriter } from './ipc-file';
import { addLinks, addLogLinks } from './links';
import { logsFields } from './logs';
import type { EncodedFrames, FrameField, FrameMeta, FrameOptions, Notice } from './model';
import { Notes } from './notes';
import { DEFAULT_SLICE_MS, Slicer } from './slicer';
import { timeSeriesFields } from './timeseries';
import { tracesFields } from './traces';

/**
 * Converts the batches (consumed once) into frames of the requested format. Table
 * frames are written batch by batch: each batch is converted and appended to the IPC
 * file as it arrives, so nothing but the frame's own buffers outlives it. Time series,
 * logs, traces and flame graphs need every row before reshaping. `options.notices` and `options.custom` are
 * read after the last batch, so what the caller adds while the batches stream (e.g.
 * truncation) is included. Throws FrameFormatError when the result cannot take the
 * requested shape.
 */
export async function framesFromBatches(
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  options: FrameOptions
): Promise<EncodedFrames> {
  const slicer = new Slicer(options.sliceMs ?? DEFAULT_SLICE_MS, options.signal);
  if (options.format === 'table') {
    return streamTable(schema, batches, options, slicer);
  }
  const notes = new Notes();
  const { columns, rowCount } = await convertBatches(schema, batches, notes, slicer);

  let fields: FrameField[];
  const meta: FrameMeta = {};
  switch (options.format) {
    case 'time_series':
      fields = await timeSeriesFields(columns, notes, slicer);
      meta.type = 'timeseries-wide';
      meta.typeVersion = [0, 1];
      break;
    case 'logs':
      fields = await logsFields(columns, notes, slicer);
      meta.type = 'log-lines';
      meta.typeVersion = [0, 0];
      meta.preferredVisualisationType = 'logs';
      break;
    case 'traces':
      fields = await tracesFields(columns, notes, slicer);
      meta.preferredVisualisationType = 'trace';
      break;
    case 'flame_graph':
      fields = await flameGraphFields(columns, notes, slicer);
      meta.preferredVisualisationType = 'flamegraph';
      break;
    case 'heatmap':
      fields = heatmapFields(columns, notes);
      meta.type = 'heatmap-cells';
      meta.typeVersion = [0, 0];
      break;
    default:
      throw new Error(`unknown frame format ${JSON.stringify(options.format)}`);
  }
  if (options.links) {
    fields = addLinks(fields, options.format, options.links, options.executedQueryString ?? '');
    if (options.format === 'logs') {
      fields = addLogLinks(fields, columns, options.links);
    }
  }
  const notices = finishMeta(meta, options, notes);
  const frame = { name: options.frameName ?? '', refId: options.refId, meta, fields };
  return { frames: [await encodeFrameChunksSliced(frame, slicer)], rowCount, notices };
}

/** Query text, notices (the caller's first) and custom info: known once every batch is read. */
function finishMeta(meta: FrameMeta, options: FrameOptions, notes: Notes): Notice[] {
  if (options.executedQueryString !== undefined) {
    meta.executedQueryString = options.executedQueryString;
  }
  const notices: Notice[] = [...(options.notices ?? []), ...notes.notices()];
  if (notices.length > 0) {
    meta.notices = notices;
  }
  if (options.custom !== undefined && Object.keys(options.custom).length > 0) {
    meta.custom = options.custom;
  }
  return notices;
}

/** Same buffer layout (so a batch written before the type was settled stays valid). */
function sameLayout(a: arrow.DataType, b: arrow.DataType): boolean {
  const varBinary = (t: arrow.DataType) => t.typeId === arrow.Type.Binary || t.typeId === arrow.Type.Utf8;
  return a.typeId === b.typeId || (varBinary(a) && varBinary(b));
}

async function streamTable(
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  options: FrameOptions,
  slicer: Slicer
): Promise<EncodedFrames> {
  const notes = new Notes();
  const converters = schema.fields.map((f) => columnConverter(f, notes));
  const hasNulls = converters.map(() => false);
  const written: arrow.DataType[][] = converters.map(() => []);
  const writer = new IpcFileWriter();
  const coalescer = new BatchCoalescer((numRows, columns) => writer.writeBatch(numRows, columns));
  const rowCount = await forEachConverted(
    converters,
    batches,
    (numRows, columns) => {
      columns.forEach((data, c) => {
        if (data.nullCount > 0) {
          hasNulls[c] = true;
        }
        if (written[c].length === 0 || written[c][written[c].length - 1].typeId !== data.type.typeId) {
          written[c].push(data.type);
        }
      });
      coalescer.push(numRows, columns);
    },
    slicer
  );
  coalescer.flush();
  if (writer.batchCount === 0) {
    writer.writeBatch(
      0,
      converters.map((conv) => emptyData(conv.outType))
    );
  }

  const meta: FrameMeta = {};
  const notices = finishMeta(meta, options, notes);
  const converted = converters.map((conv, c) => {
    const arrowType = conv.outType;
    for (const t of written[c]) {
      if (!sameLayout(t, arrowType)) {
        throw new Error(`column "${conv.name}": batches converted to ${String(t)} and ${String(arrowType)}`);
      }
    }
    if (!isGrafanaType(arrowType, conv.tstype)) {
      throw new Error(`column "${conv.name}": Arrow type ${String(arrowType)} cannot be sent as tstype ${conv.tstype}`);
    }
    return {
      name: conv.name,
      type: conv.tstype,
      arrowType,
      nullable: conv.source.nullable || hasNulls[c],
      config: conv.config,
    };
  });
  const fields = options.links
    ? addLinks(converted, 'table', options.links, options.executedQueryString ?? '')
    : converted;
  const frameInfo = { name: options.frameName ?? '', refId: options.refId, meta };
  return { frames: [await writer.finishSliced(frameSchema(frameInfo, fields), slicer)], rowCount, notices };
}
