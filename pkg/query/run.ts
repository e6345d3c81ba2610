// Running one panel query: model → macros → limits/headers → client stream → frames.
import { DataType, Schema } from 'apache-arrow';

import { framesFromBatches, type Notice } from '../frames';
import { isWrappable, resultSchema, wrapWithFilters } from './adhoc';
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
} from './logvolume';
import { expandMacros } from './macros';
import { parseQueryModel, type QueryFormat } from './model';
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

/** Runs one query; never throws: failures become the DataResponse error. */
export async function runQuery(env: QueryEnv, query: DataQueryInput): Promise<QueryResult> {
  const started = Date.now();
  const timeoutMs =
    env.settings.queryTimeoutMs && env.settings.queryTimeoutMs > 0
      ? env.settings.queryTimeoutMs
      : DEFAULT_QUERY_TIMEOUT_MS;
  const control = callControl(env.signal, timeoutMs);
  try {
    const model = parseQueryModel(query.json);
    const range = resolveTimeRange(query.timeRange);
    const intervalMs = resolveIntervalMs(query.intervalMS, model.intervalMs, range, query.maxDataPoints);
    const adhoc = { filters: model.adhocFilters, used: false };
    const volume = isLogVolumeQuery(query.queryType, query.json);
    let sql = expandMacros(model.sql, {
      from: range?.from ?? new Date(NaN),
      to: range?.to ?? new Date(NaN),
      intervalMs,
      adhoc,
    });
    if (volume) {
      // Every matching line counts, not the page the logs view shows.
      sql = withoutTrailingOrderLimit(sql);
    }
    const adhocNotices: Notice[] = [];
    const bind = model.timeFilter && range !== undefined;
    const headers = attributionHeaders(env.settings, env.user);
    // The result columns of a statement: an empty probe with the query's range (no data
    // read), cached per SQL as written for 30 s.
    const probeSchema = (statement: string) =>
      resultSchema(env.client, model.sql, statement, bind ? range.from : undefined, bind ? range.to : undefined, {
        signal: control.signal,
        headers,
        timeoutMs,
      });
    if (adhoc.filters.length > 0 && !adhoc.used) {
      // Which filters fit depends on the result's columns.
      const schema = isWrappable(sql) ? await probeSchema(sql) : new Schema([]);
      const wrapped = wrapWithFilters(sql, schema, adhoc.filters);
      sql = wrapped.sql;
      adhocNotices.push(...wrapped.notices);
    }
    const bucketMs = volume ? volumeBucketMs(intervalMs, range) : 0;
    const volumeCols = volume ? volumeColumns(await probeSchema(sql)) : undefined;
    if (volumeCols) {
      sql = logVolumeSql(sql, volumeCols, bucketMs, range);
    }

    const plan = planLimits({
      settingsRowLimit: env.settings.rowLimit,
      queryRowLimit: model.rowLimit,
      // A volume's rows are buckets × levels, not points: maxDataPoints does not apply.
      autoLimit: model.autoLimit && !volume,
      maxDataPoints: query.maxDataPoints,
      timeSeries: model.format === 'time_series',
      rangeMs: range ? range.to.getTime() - range.from.getTime() : undefined,
      intervalMs,
    });
    const notices: Notice[] = [...plan.notices, ...adhocNotices];
    env.logger.debug('running query', {
      refId: query.refId,
      format: model.format,
      limit: plan.serverLimit,
      rangeBound: bind,
    });

    const result = await env.client.queryStream(sql, bind ? range.from : undefined, bind ? range.to : undefined, {
      signal: control.signal,
      headers,
      limit: plan.serverLimit,
      timeoutMs,
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
    const { limits, timeAxis } = effectiveLimits(plan, format, schema);
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
      custom.queryRange = { begin: range.from.toISOString(), end: range.to.toISOString() };
    }
    if (plan.serverLimit !== undefined) {
      custom.limit = plan.serverLimit;
    }
    const encoded = volumeCols
      ? await logVolumeFrames(schema, limited, {
          refId: query.refId,
          executedQueryString: sql,
          notices,
          custom: { ...custom },
          bucketMs,
          hasLevel: volumeCols.level !== undefined,
        })
      : await framesFromBatches(schema, limited, {
          refId: query.refId,
          format,
          executedQueryString: sql,
          notices,
          custom: { ...custom },
        });
    if (truncated) {
      control.stop();
    }
    env.logger.debug('query done', { refId: query.refId, rows: encoded.rowCount, truncated, ms: Date.now() - started });
    return { frames: encoded.frames };
  } catch (err) {
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
  } finally {
    control.dispose();
  }
}
