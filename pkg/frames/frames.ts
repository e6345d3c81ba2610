// Entry point used by the query pipeline: Arrow record batches from Micromegas →
// Grafana frames (Arrow IPC files) in the requested format.
import type * as arrow from 'apache-arrow';

import { convertBatches, toField } from './columns';
import { encodeFrame } from './encode';
import { logsFields } from './logs';
import type { EncodedFrames, Frame, FrameField, FrameMeta, FrameOptions, Notice } from './model';
import { Notes } from './notes';
import { timeSeriesFields } from './timeseries';

/**
 * Converts the batches (consumed once, each converted as it arrives) into frames of
 * the requested format. `options.notices` is read after the last batch, so notices
 * the caller adds while the batches stream (e.g. truncation) are included.
 * Throws FrameFormatError when the result cannot take the requested shape.
 */
export async function framesFromBatches(
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch> | Iterable<arrow.RecordBatch>,
  options: FrameOptions
): Promise<EncodedFrames> {
  const notes = new Notes();
  const { columns, rowCount } = await convertBatches(schema, batches, notes);

  let fields: FrameField[];
  const meta: FrameMeta = {};
  switch (options.format) {
    case 'table':
      fields = columns.map((c) => toField(c));
      break;
    case 'time_series':
      fields = timeSeriesFields(columns, notes);
      meta.type = 'timeseries-wide';
      meta.typeVersion = [0, 1];
      break;
    case 'logs':
      fields = logsFields(columns, notes);
      meta.type = 'log-lines';
      meta.typeVersion = [0, 0];
      meta.preferredVisualisationType = 'logs';
      break;
    default:
      throw new Error(`unknown frame format ${JSON.stringify(options.format)}`);
  }
  if (options.executedQueryString !== undefined) meta.executedQueryString = options.executedQueryString;
  const notices: Notice[] = [...(options.notices ?? []), ...notes.notices()];
  if (notices.length > 0) meta.notices = notices;
  if (options.custom !== undefined && Object.keys(options.custom).length > 0) meta.custom = options.custom;

  const frame: Frame = { name: options.frameName ?? '', refId: options.refId, meta, fields };
  return { frames: [encodeFrame(frame)], rowCount, notices };
}
