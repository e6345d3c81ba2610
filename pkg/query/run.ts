// Running one panel query in two steps: plan (model → macros → ad hoc filters → log volume →
// limits/headers) then execute (client stream → frames).
import { DataType, Schema } from 'apache-arrow';

import { analyzeStatement } from '../../src/shared/sql';
import { framesFromBatches, nextTurn, type Notice } from '../frames';
import { LARGE_STATEMENT, planningLarge } from './large-statements';
import { resultSchema, wrapWithFilters } from './adhoc';
import { attributionHeaders } from './attribution';
import { mapError, redactMessage } from './errors';
import {
  DEFAULT_QUERY_TIMEOUT_MS,
  limitBatches,
  planLimits,
  timeAxisColumn,
  truncationNotice,
  type LimitPlan,
  type TimeAxisLimit,
} from './limits';
import {
  isLogVolumeQuery,
  logVolumeFrames,
  logVolumeSql,
  volumeBucketMs,
  volumeColumns,
  withoutTrailingOrderLimit,
  type VolumeColumns,
} from './logvolume';
import { expandMacros } from './macros';
import { parseQueryModel, type QueryFormat, type QueryModel } from './model';
import { callControl, openStream } from './stream';
import { resolveTimeRange, resolveIntervalMs } from './timerange';
import type { DataQueryInput, QueryEnv, QueryResult, QuerySentInfo } from './types';

function hasTimeColumn(schema: Schema): boolean {
  return schema.fields.some((f) => DataType.isTimestamp(f.type) || DataType.isDate(f.type));
}

/**
 * Auto limit of a time series counts points on its time column; a result that has none
 * (shown as a table) is capped at the same number of rows instead.
 */
function effectiveLimits(
  plan: LimitPlan,
  format: QueryFormat,
  schema: Schema
): { limits: LimitPlan; timeAxis?: TimeAxisLimit } {
  if (plan.timePoints === undefined) {
    return { limits: plan };
  }
  const column = format === 'time_series' ? timeAxisColumn(schema) : undefined;
  if (column !== undefined) {
    return { limits: plan, timeAxis: { column, max: plan.timePoints } };
  }
  if (plan.cap !== undefined && plan.timePoints >= plan.cap) {
    return { limits: plan };
  }
  return { limits: { ...plan, cap: plan.timePoints, reason: 'autoLimit' } };
}

/** What runQuery will send and how it will read the answer, decided before the main call. */
export interface QueryPlan {
  model: QueryModel;
  /** The statement to run: macros expanded, ad hoc filters applied, restated as a volume. */
  sql: string;
  /** Notices known before execution (limits, ad hoc filters). */
  notices: Notice[];
  /** The range sent as query_range_begin/end (the query's time filter), if bound. */
  bind?: { from: Date; to: Date };
  headers: Record<string, string>;
  limits: LimitPlan;
  /** A log volume query: its bucket width and the result columns it counts. */
  volume?: { bucketMs: number; columns: VolumeColumns };
}

/** The result schema probe's cache key: the step and the query as written (not the expanded text, whose time bounds change every refresh). */
function probeKey(step: 'adhoc' | 'volume', volume: boolean, model: QueryModel): string {
  return `${step}${volume ? '+volume' : ''}:${model.sql}`;
}

/**
 * Each pass over a statement is linear, but one pass over a multi-megabyte statement (a
 * multi-value variable with All selected) still holds the event loop for tens of ms: other
 * queries and health checks run between the passes.
 */
function yieldIfLarge(sql: string): Promise<void> | undefined {
  return sql.length >= LARGE_STATEMENT ? nextTurn() : undefined;
}

/**
 * The plan: macros, ad hoc filters (around the statement when $__adhocFilters is absent,
 * which needs the statement's columns: a probe), the log volume restatement (the filtered
 * statement's columns: a second probe), limits and headers. The statement is analysed once
 * (src/shared/sql) for each text it takes.
 */
export async function planQuery(
  env: QueryEnv,
  query: DataQueryInput,
  call: { signal: AbortSignal; timeoutMs: number }
): Promise<QueryPlan> {
  const model = parseQueryModel(query.json);
  const leave = planningLarge(model.sql);
  try {
    return await planPasses(env, query, call, model);
  } finally {
    leave();
  }
}

async function planPasses(
  env: QueryEnv,
  query: DataQueryInput,
  call: { signal: AbortSignal; timeoutMs: number },
  model: ReturnType<typeof parseQueryModel>
): Promise<QueryPlan> {
  const range = resolveTimeRange(query.timeRange);
  const intervalMs = resolveIntervalMs(query.intervalMS, model.intervalMs, range, query.maxDataPoints);
  const adhoc = { filters: model.adhocFilters, used: false };
  const volume = isLogVolumeQuery(query.queryType, query.json);
  await yieldIfLarge(model.sql);
  let sql = expandMacros(model.sql, {
    from: range?.from ?? new Date(NaN),
    to: range?.to ?? new Date(NaN),
    intervalMs,
    adhoc,
  });
  await yieldIfLarge(sql);
  let statement = analyzeStatement(sql);
  if (volume) {
    // Every matching line counts, not the page the logs view shows.
    await yieldIfLarge(sql);
    sql = withoutTrailingOrderLimit(statement);
    await yieldIfLarge(sql);
    statement = analyzeStatement(sql);
  }
  const notices: Notice[] = [];
  const bind = model.timeFilter && range !== undefined ? range : undefined;
  const headers = attributionHeaders(env.settings, env.user);
  // The result columns of a statement: an empty probe with the query's range (no data read).
  const probeSchema = (key: string, text: string) =>
    resultSchema(env.client, key, text, bind?.from, bind?.to, {
      signal: call.signal,
      headers,
      timeoutMs: call.timeoutMs,
    });
  if (adhoc.filters.length > 0 && !adhoc.used) {
    // Which filters fit depends on the result's columns.
    const schema = statement.wrappable ? await probeSchema(probeKey('adhoc', volume, model), sql) : new Schema([]);
    await yieldIfLarge(sql);
    const wrapped = wrapWithFilters(statement, schema, adhoc.filters);
    sql = wrapped.sql;
    notices.push(...wrapped.notices);
  }
  let volumePlan: QueryPlan['volume'];
  if (volume) {
    const bucketMs = volumeBucketMs(intervalMs, range);
    const columns = volumeColumns(await probeSchema(probeKey('volume', volume, model), sql));
    sql = logVolumeSql(sql, columns, bucketMs, range);
    volumePlan = { bucketMs, columns };
  }
  const limits = planLimits({
    settingsRowLimit: env.settings.rowLimit,
    queryRowLimit: model.rowLimit,
    // A volume's rows are buckets × levels, not points: maxDataPoints does not apply.
    autoLimit: model.autoLimit && !volume,
    maxDataPoints: query.maxDataPoints,
    timeSeries: model.format === 'time_series',
    rangeMs: range ? range.to.getTime() - range.from.getTime() : undefined,
    intervalMs,
  });
  return {
    model,
    sql,
    notices: [...limits.notices, ...notices],
    bind,
    headers,
    limits,
    volume: volumePlan,
  };
}

/** Runs one query; never throws: failures become the DataResponse error. */
export async function runQuery(env: QueryEnv, query: DataQueryInput): Promise<QueryResult> {
  const started = Date.now();
  const timeoutMs =
    env.settings.queryTimeoutMs && env.settings.queryTimeoutMs > 0
      ? env.settings.queryTimeoutMs
      : DEFAULT_QUERY_TIMEOUT_MS;
  const control = callControl(env.signal, timeoutMs);
  try {
    const plan = await planQuery(env, query, { signal: control.signal, timeoutMs });
    return await executePlan(env, query, plan, control, { started, timeoutMs });
  } catch (err) {
    return failed(env, query, err, control, started);
  } finally {
    control.dispose();
  }
}

/** Sends the planned statement and turns its stream into frames. */
async function executePlan(
  env: QueryEnv,
  query: DataQueryInput,
  plan: QueryPlan,
  control: ReturnType<typeof callControl>,
  timing: { started: number; timeoutMs: number }
): Promise<QueryResult> {
  const { model, sql, bind, headers, volume } = plan;
  const notices = [...plan.notices];
  env.logger.debug('running query', {
    refId: query.refId,
    format: model.format,
    limit: plan.limits.serverLimit,
    rangeBound: bind !== undefined,
  });
  const result = await env.client.queryStream(sql, bind?.from, bind?.to, {
    signal: control.signal,
    headers,
    limit: plan.limits.serverLimit,
    timeoutMs: timing.timeoutMs,
  });
  const { schema, batches } = await openStream(result);

  let format: QueryFormat = model.format;
  if (format === 'time_series' && model.upstreamShaped && !hasTimeColumn(schema)) {
    // Upstream saved queries defaulted to time_series even for plain tables: keep them working.
    format = 'table';
    notices.push({
      severity: 'warning',
      text: `This query has no time column, so it is shown as a table. Set "Format as" to Table (or add a timestamp column) to silence this warning.`,
    });
  }

  // framesFromBatches reads the notices once every batch is consumed, so the truncation
  // notice pushed during consumption is included (checked by tests/query/pipeline.test.ts).
  let truncated = false;
  const { limits, timeAxis } = effectiveLimits(plan.limits, format, schema);
  const limited = limitBatches(
    batches,
    limits.cap,
    (by) => {
      truncated = true;
      notices.push(truncationNotice(limits, by));
    },
    timeAxis
  );
  // What was sent to Micromegas, for the query inspector (meta.custom), not a panel notice.
  const custom: QuerySentInfo = {};
  if (bind) {
    custom.queryRange = { begin: bind.from.toISOString(), end: bind.to.toISOString() };
  }
  if (plan.limits.serverLimit !== undefined) {
    custom.limit = plan.limits.serverLimit;
  }
  const encoded = volume
    ? await logVolumeFrames(schema, limited, {
        refId: query.refId,
        executedQueryString: sql,
        notices,
        custom: { ...custom },
        bucketMs: volume.bucketMs,
        hasLevel: volume.columns.level !== undefined,
      })
    : await framesFromBatches(schema, limited, {
        refId: query.refId,
        format,
        executedQueryString: sql,
        notices,
        custom: { ...custom },
        links: env.settings.uid
          ? { dataSourceUid: env.settings.uid, dataSourceName: env.settings.name ?? '' }
          : undefined,
        // A cancelled or timed-out query stops converting at the next pause.
        signal: control.signal,
      });
  if (truncated) {
    control.stop();
  }
  env.logger.debug('query done', {
    refId: query.refId,
    rows: encoded.rowCount,
    truncated,
    ms: Date.now() - timing.started,
  });
  return { frames: encoded.frames };
}

/** The DataResponse of a failed query, logged once (a bug of ours with its stack). */
function failed(
  env: QueryEnv,
  query: DataQueryInput,
  err: unknown,
  control: ReturnType<typeof callControl>,
  started: number
): QueryResult {
  const mapped = mapError(err, { settings: env.settings, timedOut: control.timedOut, cancelled: control.cancelled });
  const fields = {
    refId: query.refId,
    status: mapped.status,
    errorSource: mapped.source,
    error: mapped.message,
    ms: Date.now() - started,
  };
  if (mapped.status === 500 && mapped.source === 'plugin') {
    // A bug of ours: keep the stack for the log (messages are already redacted).
    env.logger.error('query failed unexpectedly', {
      ...fields,
      stack: err instanceof Error && err.stack ? redactMessage(err.stack, env.settings.secrets) : undefined,
    });
  } else {
    env.logger.warn('query failed', fields);
  }
  return { frames: [], error: mapped.message, status: mapped.status, errorSource: mapped.source };
}
