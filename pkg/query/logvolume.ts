// Log volume (Explore's "Logs volume" histogram): a logs query restated as a count of its
// lines per time bucket and level over the whole range, answered as one frame per level
// so Explore colours each series by its level (docs/log-volume.md).
import * as arrow from 'apache-arrow';

import { encodeFrameChunks, type EncodedFrames, type FrameField, type FrameMeta, type Notice } from '../frames';
import { LEVEL_NAMES } from '../frames/logs';
import { intervalText } from './duration';
import { rfc3339 } from './macros';
import { QueryModelError } from './model';
import { analyzeStatement, asSubquery, quoteIdent, withoutTail, type StatementAnalysis } from '../../src/shared/sql';

/** `queryType` of a derived volume query (set by the frontend's getSupplementaryQuery). */
export const LOG_VOLUME_QUERY_TYPE = 'logVolume';

/** At most this many buckets over the range: a finer interval is widened (rows = buckets × levels). */
export const MAX_VOLUME_BUCKETS = 2000;

/** True for a volume query: the protocol's queryType, else the JSON's (callers without Grafana). */
export function isLogVolumeQuery(
  queryType: string | undefined,
  json: Uint8Array | string | Record<string, unknown>
): boolean {
  if (queryType) {
    return queryType === LOG_VOLUME_QUERY_TYPE;
  }
  if (json instanceof Uint8Array) {
    return false; // Grafana always copies the JSON's queryType into the protocol field
  }
  if (typeof json === 'string') {
    if (!json.includes(LOG_VOLUME_QUERY_TYPE)) {
      return false;
    }
    try {
      const parsed: unknown = JSON.parse(json);
      return (
        typeof parsed === 'object' &&
        parsed !== null &&
        (parsed as Record<string, unknown>).queryType === LOG_VOLUME_QUERY_TYPE
      );
    } catch {
      return false; // the model parser reports bad JSON
    }
  }
  return json.queryType === LOG_VOLUME_QUERY_TYPE;
}

/**
 * The statement without its top-level trailing ORDER BY / LIMIT / OFFSET / FETCH (and
 * semicolon), so the volume counts every matching line, not the page the logs view shows.
 * Clauses inside parentheses (subqueries, window specs), strings, quoted identifiers and
 * comments are kept (src/shared/sql finds the tail).
 */
export function withoutTrailingOrderLimit(statement: string | StatementAnalysis): string {
  return withoutTail(typeof statement === 'string' ? analyzeStatement(statement) : statement);
}

/** The result columns the volume reads, chosen as the logs format chooses them. */
export interface VolumeColumns {
  time: string;
  /** Absent: every line is counted as one series (Explore names it "logs"). */
  level?: string;
}

function isTime(f: arrow.Field): boolean {
  return arrow.DataType.isTimestamp(f.type) || arrow.DataType.isDate(f.type);
}

/**
 * The time column (`timestamp`, else `time`, else the first timestamp column) and the level
 * column (`severity`, else `level`) of the logs query's result, as pkg/frames/logs.ts picks
 * them for the log lines. A result without a time column cannot have a volume: the error
 * says what to select.
 */
export function volumeColumns(schema: arrow.Schema): VolumeColumns {
  const fields = schema.fields;
  const time =
    fields.find((f) => isTime(f) && f.name === 'timestamp') ??
    fields.find((f) => isTime(f) && f.name === 'time') ??
    fields.find(isTime);
  if (!time) {
    const names = fields.map((f) => f.name).join(', ') || 'no columns';
    throw new QueryModelError(
      `Log volume needs the logs query to select a timestamp column (e.g. "time"), and its result has none (${names}).`
    );
  }
  const level =
    fields.find((f) => f.name.toLowerCase() === 'severity') ?? fields.find((f) => f.name.toLowerCase() === 'level');
  return { time: time.name, level: level?.name };
}

/** The bucket: Grafana's interval, widened so the range has at most MAX_VOLUME_BUCKETS. */
export function volumeBucketMs(intervalMs: number, range: { from: Date; to: Date } | undefined): number {
  const span = range ? range.to.getTime() - range.from.getTime() : 0;
  const floor = Math.ceil(span / MAX_VOLUME_BUCKETS);
  // intervalText sends whole seconds from 1 s up: round the widened bucket the same way.
  const ms = Math.max(1, intervalMs, floor);
  return ms >= 1000 ? Math.ceil(ms / 1000) * 1000 : ms;
}

/**
 * The volume statement over `sql` (already without its tail, see withoutTrailingOrderLimit):
 * line count per bucket and raw level, within `range` when there is one. Levels are named
 * after the query (numbers through LEVEL_NAMES, text as it is), so the SQL needs no knowledge
 * of the level's type.
 */
export function logVolumeSql(
  sql: string,
  columns: VolumeColumns,
  bucketMs: number,
  range?: { from: Date; to: Date }
): string {
  const level = columns.level ? quoteIdent(columns.level) : 'NULL';
  const time = quoteIdent(columns.time);
  // The histogram covers the range only, also for a query sent without the range headers.
  const within = range ? ` AND ${time} >= '${rfc3339(range.from)}' AND ${time} <= '${rfc3339(range.to)}'` : '';
  const bucket = `date_bin(interval '${intervalText(bucketMs)}', ${time}, timestamp '1970-01-01T00:00:00Z')`;
  return (
    `SELECT ${bucket} AS time, ${level} AS level, count(*) AS count FROM ${asSubquery(sql, 'logs')} ` +
    `WHERE ${time} IS NOT NULL${within} GROUP BY 1, 2 ORDER BY 1`
  );
}

/** Severity order of the series (most severe first), then text levels by name. */
const LEVEL_ORDER = [...Object.values(LEVEL_NAMES), 'unknown'];

function levelName(value: unknown, hasLevel: boolean): string | undefined {
  if (!hasLevel) {
    return undefined;
  }
  if (value === null || value === undefined) {
    return 'unknown';
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return LEVEL_NAMES[Number(value)] ?? 'unknown';
  }
  return String(value);
}

function rank(level: string | undefined): number {
  const i = LEVEL_ORDER.indexOf(level ?? 'unknown');
  return i < 0 ? LEVEL_ORDER.length : i;
}

export interface VolumeFrameOptions {
  refId: string;
  executedQueryString: string;
  /** Read after the last batch (the truncation notice is pushed while they stream). */
  notices: Notice[];
  custom: Record<string, unknown>;
  bucketMs: number;
  hasLevel: boolean;
}

const TIME_NS = new arrow.TimestampNanosecond();
const COUNT = new arrow.Float64();
const MS_TO_NS = BigInt(1_000_000);

/**
 * One `timeseries-multi` frame per level: `time` and `count` (labels {level}, display
 * name the level), every series with a point (0 when it had no line) at every bucket where
 * any level had lines, so Explore stacks the bars. No line at all: one empty frame.
 */
export async function logVolumeFrames(
  schema: arrow.Schema,
  batches: AsyncIterable<arrow.RecordBatch>,
  options: VolumeFrameOptions
): Promise<EncodedFrames> {
  const timeAt = schema.fields.findIndex((f) => f.name === 'time');
  const levelAt = schema.fields.findIndex((f) => f.name === 'level');
  const countAt = schema.fields.findIndex((f) => f.name === 'count');
  if (timeAt < 0 || levelAt < 0 || countAt < 0) {
    throw new Error(`log volume: unexpected result columns ${schema.fields.map((f) => f.name).join(', ')}`);
  }
  const counts = new Map<string | undefined, Map<number, number>>();
  const times = new Set<number>();
  let rowCount = 0;
  for await (const batch of batches) {
    const time = batch.getChildAt(timeAt)!;
    const level = batch.getChildAt(levelAt)!;
    const count = batch.getChildAt(countAt)!;
    for (let i = 0; i < batch.numRows; i++) {
      const t = time.get(i) as number | null;
      if (t === null) {
        continue;
      }
      const name = levelName(level.get(i), options.hasLevel);
      let series = counts.get(name);
      if (!series) {
        series = new Map();
        counts.set(name, series);
      }
      series.set(t, (series.get(t) ?? 0) + Number(count.get(i) ?? 0));
      times.add(t);
    }
    rowCount += batch.numRows;
  }

  const buckets = [...times].sort((a, b) => a - b);
  const timeData = arrow.makeData({
    type: TIME_NS,
    length: buckets.length,
    data: BigInt64Array.from(buckets, (ms) => BigInt(ms) * MS_TO_NS),
  });
  const levels = [...counts.keys()].sort((a, b) => rank(a) - rank(b) || String(a).localeCompare(String(b)));
  const notices = options.notices;
  const meta = (first: boolean): FrameMeta => ({
    type: 'timeseries-multi',
    typeVersion: [0, 1],
    preferredVisualisationType: 'graph',
    executedQueryString: options.executedQueryString,
    custom: { ...options.custom, bucketMs: options.bucketMs },
    ...(first && notices.length > 0 ? { notices } : {}),
  });
  const timeField: FrameField = {
    name: 'time',
    type: 'time',
    chunks: [timeData],
    nullable: false,
    config: { interval: options.bucketMs },
  };
  const series = levels.length > 0 ? levels : [undefined];
  const frames = series.map((level, k) => {
    const values = counts.get(level);
    const count: FrameField = {
      name: 'count',
      type: 'number',
      chunks: [
        arrow.makeData({
          type: COUNT,
          length: values ? buckets.length : 0,
          data: values ? Float64Array.from(buckets, (t) => values.get(t) ?? 0) : new Float64Array(0),
        }),
      ],
      nullable: false,
      labels: level === undefined ? undefined : { level },
      config: { displayNameFromDS: level ?? 'logs', min: 0, decimals: 0 },
    };
    const time = values
      ? timeField
      : { ...timeField, chunks: [arrow.makeData({ type: TIME_NS, length: 0, data: new BigInt64Array(0) })] };
    return encodeFrameChunks({
      name: level ?? 'logs',
      refId: options.refId,
      meta: meta(k === 0),
      fields: [time, count],
    });
  });
  return { frames, rowCount, notices };
}
