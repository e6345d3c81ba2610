import {
  AdHocVariableFilter,
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceGetTagKeysOptions,
  DataSourceGetTagValuesOptions,
  DataSourceInstanceSettings,
  FieldType,
  getDefaultTimeRange,
  GetTagResponse,
  DataSourceWithLogsContextSupport,
  DataSourceWithQueryModificationSupport,
  DataSourceWithSupplementaryQueriesSupport,
  DataSourceWithToggleableQueryFiltersSupport,
  dateTime,
  LegacyMetricFindQueryOptions,
  LoadingState,
  LogRowContextOptions,
  LogRowContextQueryDirection,
  LogRowModel,
  MetricFindValue,
  QueryFilterOptions,
  QueryFixAction,
  ScopedVars,
  SupplementaryQueryOptions,
  SupplementaryQueryType,
  TimeRange,
  ToggleFilterAction,
} from '@grafana/data';
import { DataSourceWithBackend } from '@grafana/runtime';
import { lastValueFrom, Observable } from 'rxjs';

import { createAnnotationSupport } from './annotations';
import { probeSql, tagKeys, tagValues, toAdhocModel, type AdhocSource } from './query/adhoc';
import { defaultQuery, migrateQuery, sqlOf } from './query/migrate';
import { interpolateSql } from './query/interpolate';
import { addFilter, hasFilter, removeFilter, toggleFilter, type SqlFilter } from './query/logFilters';
import { routeLiveTail } from './query/liveTail';
import { buildLogContextQuery, hasLogContext, type LogContextQuery } from './query/logContext';
import { SUPPORTED_SUPPLEMENTARY_TYPES, supplementaryQuery, supplementaryRequest } from './query/logVolume';
import { framesToVariableValues } from './query/frames';
import { SchemaClient } from './resources';
import { MicromegasOptions, MicromegasQuery } from './types';
import { MicromegasVariableSupport } from './variables';

/**
 * The failure of a response, if any: per-query `errors`, else the request-level `error`
 * that @grafana/runtime's toDataQueryResponse alone sets for a non-200 answer without
 * per-query results (cancellation, plugin 500, 401/403, proxy 502).
 */
export function responseError(response: DataQueryResponse): string | undefined {
  const messages = (response.errors ?? [])
    .map((e) => e.message ?? e.data?.message)
    .filter((m): m is string => Boolean(m));
  if (messages.length) {
    return messages.join('; ');
  }
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- toDataQueryResponse still reports request-level failures only here
  const e = response.error;
  if (e || response.state === LoadingState.Error) {
    return e?.message || e?.data?.message || e?.statusText || 'the request failed';
  }
  return undefined;
}

/** A key/value filter from Explore, if it has both. */
function sqlFilter(
  options: Record<string, string> | undefined,
  operator: SqlFilter['operator']
): SqlFilter | undefined {
  const key = options?.key;
  const value = options?.value;
  return key && value !== undefined ? { key, operator, value } : undefined;
}

function withSql(query: MicromegasQuery, sql: string): MicromegasQuery {
  return { ...migrateQuery(query), query: sql };
}

let requestSeq = 0;

/**
 * A request id of its own for each request the data source sends by itself: Grafana's
 * BackendSrv cancels an in-flight request when another starts with the same requestId.
 */
function uniqueRequestId(uid: string, purpose: string): string {
  requestSeq += 1;
  return `${uid}-${purpose}-${requestSeq}`;
}

export class DataSource
  extends DataSourceWithBackend<MicromegasQuery, MicromegasOptions>
  implements
    DataSourceWithLogsContextSupport<MicromegasQuery>,
    DataSourceWithSupplementaryQueriesSupport<MicromegasQuery>,
    DataSourceWithToggleableQueryFiltersSupport<MicromegasQuery>,
    DataSourceWithQueryModificationSupport<MicromegasQuery>
{
  /** Editor resources (tables, columns, functions) with caching and quiet failure. */
  readonly schema: SchemaClient;
  /** The data source's jsonData (row limit etc.), for the editors. */
  readonly options: MicromegasOptions;

  constructor(instanceSettings: DataSourceInstanceSettings<MicromegasOptions>) {
    super(instanceSettings);
    this.options = instanceSettings.jsonData ?? {};
    this.schema = new SchemaClient(this);
    this.variables = new MicromegasVariableSupport(this);
    this.annotations = createAnnotationSupport();
  }

  /** Explore's Live mode streams logs queries over Grafana Live; everything else queries the backend. */
  query(request: DataQueryRequest<MicromegasQuery>): Observable<DataQueryResponse> {
    return routeLiveTail(this, request, (r) => super.query(r));
  }

  /** Query history and the query library show the SQL, not the query's JSON. */
  getQueryDisplayText(query: MicromegasQuery): string {
    return sqlOf(migrateQuery(query));
  }

  /** Log details' "filter for value" / "filter out value": a condition in the SQL's WHERE. */
  toggleQueryFilter(query: MicromegasQuery, filter: ToggleFilterAction): MicromegasQuery {
    const f = sqlFilter(filter.options, filter.type === 'FILTER_OUT' ? '!=' : '=');
    return f ? withSql(query, toggleFilter(sqlOf(migrateQuery(query)), f)) : query;
  }

  /** Whether log details shows "filter for value" as active. */
  queryHasFilter(query: MicromegasQuery, filter: QueryFilterOptions): boolean {
    const f = sqlFilter(filter, filter.operator === '!=' ? '!=' : '=');
    return f !== undefined && hasFilter(sqlOf(migrateQuery(query)), f);
  }

  getSupportedQueryModifications(): string[] {
    return ['ADD_FILTER', 'ADD_FILTER_OUT'];
  }

  /** Explore's "Add to filters" (ADD_FILTER / ADD_FILTER_OUT); other actions leave the query as is. */
  modifyQuery(query: MicromegasQuery, action: QueryFixAction): MicromegasQuery {
    if (action.type !== 'ADD_FILTER' && action.type !== 'ADD_FILTER_OUT') {
      return query;
    }
    const f = sqlFilter(action.options, action.type === 'ADD_FILTER_OUT' ? '!=' : '=');
    if (!f) {
      return query;
    }
    const opposite: SqlFilter = { ...f, operator: f.operator === '=' ? '!=' : '=' };
    return withSql(query, addFilter(removeFilter(sqlOf(migrateQuery(query)), opposite), f));
  }

  getDefaultQuery(app: CoreApp): Partial<MicromegasQuery> {
    return defaultQuery(app);
  }

  /** Queries with no SQL are not sent: the editor explains what to type instead. */
  filterQuery(query: MicromegasQuery): boolean {
    return !query.hide && sqlOf(query).trim() !== '';
  }

  /**
   * Dashboard variables are replaced here; ad hoc filters travel as `adhocFilters` and the
   * backend applies them (so alert rules and API calls filter the same way).
   */
  applyTemplateVariables(
    query: MicromegasQuery,
    scopedVars: ScopedVars,
    filters?: AdHocVariableFilter[]
  ): MicromegasQuery {
    const migrated = migrateQuery(query);
    const out: MicromegasQuery = { ...migrated, query: interpolateSql(migrated.query ?? '', scopedVars) };
    const adhoc = toAdhocModel(filters);
    if (adhoc.length > 0) {
      out.adhocFilters = adhoc;
    }
    return out;
  }

  private get adhocSource(): AdhocSource {
    return {
      schema: this.schema,
      fetcher: this,
      distinct: async (sql, filters, range) => {
        const frames = await this.runSql(
          { refId: 'adhocValues', query: sql, format: 'table', autoLimit: false, version: 3, adhocFilters: filters },
          range ?? getDefaultTimeRange(),
          {}
        );
        const field = frames[0]?.fields.find((f) => f.name === 'value');
        return field ? Array.from(field.values as ArrayLike<unknown>, (v) => String(v)) : [];
      },
      probeColumns: async (sql, range) => {
        const frames = await this.runSql(
          { refId: 'adhocColumns', query: probeSql(sql), format: 'table', autoLimit: false, version: 3 },
          range ?? getDefaultTimeRange(),
          {}
        );
        if (frames.length === 0) {
          throw new Error('the data source returned no result columns');
        }
        // JSON, lists and structs arrive as "other": nothing to compare with a value.
        return frames[0].fields.filter((f) => f.type !== FieldType.other).map((f) => f.name);
      },
    };
  }

  /** Ad hoc filter keys: the panel queries' result columns, else the main views' columns. */
  getTagKeys(options?: DataSourceGetTagKeysOptions<MicromegasQuery>): Promise<GetTagResponse> {
    return tagKeys(this.adhocSource, { queries: options?.queries, timeRange: options?.timeRange });
  }

  /** Distinct values of a key over the time range, narrowed by the other filters, capped at 1000. */
  getTagValues(options: DataSourceGetTagValuesOptions<MicromegasQuery>): Promise<GetTagResponse> {
    return tagValues(this.adhocSource, {
      key: options.key,
      filters: options.filters,
      queries: options.queries,
      timeRange: options.timeRange,
    });
  }

  /** Runs a variable query and maps its result to options (also used by CustomVariableSupport). */
  async metricFindQuery(
    query: MicromegasQuery | string,
    options?: LegacyMetricFindQueryOptions & { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const migrated = migrateQuery(query, 'metricFindQuery');
    if (sqlOf(migrated).trim() === '') {
      return [];
    }
    const frames = await this.runSql(
      { ...migrated, refId: migrated.refId || 'metricFindQuery', format: 'table', autoLimit: false },
      options?.range ?? getDefaultTimeRange(),
      options?.scopedVars ?? {}
    );
    return framesToVariableValues(frames, migrated.variable);
  }

  /** "Show context" only where the line has a time and a source (process, exe or computer). */
  showContextToggle(row?: LogRowModel): boolean {
    return row !== undefined && hasLogContext(row);
  }

  private logContext(row: LogRowModel, options?: LogRowContextOptions, query?: MicromegasQuery): LogContextQuery {
    const direction = options?.direction === LogRowContextQueryDirection.Forward ? 'FORWARD' : 'BACKWARD';
    const built = buildLogContextQuery(
      row,
      direction,
      options?.limit,
      query?.refId ?? 'log-context',
      options?.timeWindowMs
    );
    if (!built) {
      throw new Error(
        'This log line has no process_id, exe or computer label: select one of them to show its context.'
      );
    }
    return built;
  }

  /** The context query itself, for Grafana's "open in split view". */
  async getLogRowContextQuery(
    row: LogRowModel,
    options?: LogRowContextOptions,
    query?: MicromegasQuery
  ): Promise<MicromegasQuery | null> {
    return hasLogContext(row) ? this.logContext(row, options, query).query : null;
  }

  /**
   * Lines of the same source around `row`, through the normal backend path (auth, TLS,
   * limits). Grafana asks both directions at once: each has its own request id. A failure
   * rejects, so the context view shows it instead of "no lines".
   */
  async getLogRowContext(
    row: LogRowModel,
    options?: LogRowContextOptions,
    query?: MicromegasQuery
  ): Promise<DataQueryResponse> {
    const { query: target, fromMs, toMs } = this.logContext(row, options, query);
    const range: TimeRange = {
      from: dateTime(fromMs),
      to: dateTime(toMs),
      raw: { from: dateTime(fromMs), to: dateTime(toMs) },
    };
    const direction = options?.direction === LogRowContextQueryDirection.Forward ? 'forward' : 'backward';
    const requestId = uniqueRequestId(this.uid, `log-context-${direction}`);
    const request = this.singleQueryRequest(target, range, options?.scopedVars ?? {}, requestId, CoreApp.Explore);
    const response = await lastValueFrom(this.query(request));
    const error = responseError(response);
    if (error) {
      throw new Error(error);
    }
    return response;
  }

  /** Explore's "Logs volume": counted by the backend over the whole range (query/logVolume.ts). */
  getSupportedSupplementaryQueryTypes(): SupplementaryQueryType[] {
    return [...SUPPORTED_SUPPLEMENTARY_TYPES];
  }

  getSupplementaryQuery(options: SupplementaryQueryOptions, query: MicromegasQuery): MicromegasQuery | undefined {
    return supplementaryQuery(options, query);
  }

  getSupplementaryRequest(
    type: SupplementaryQueryType,
    request: DataQueryRequest<MicromegasQuery>,
    options?: SupplementaryQueryOptions
  ): DataQueryRequest<MicromegasQuery> | undefined {
    return supplementaryRequest(type, request, options);
  }

  /**
   * One query through the backend, outside of a panel, with a request id of its own;
   * errors (per query or of the whole request) become exceptions.
   */
  async runSql(target: MicromegasQuery, range: TimeRange, scopedVars: ScopedVars): Promise<DataFrame[]> {
    const request = this.singleQueryRequest(
      target,
      range,
      scopedVars,
      uniqueRequestId(this.uid, target.refId || 'query'),
      CoreApp.Dashboard
    );
    const response = await lastValueFrom(this.query(request));
    const error = responseError(response);
    if (error) {
      throw new Error(error);
    }
    return (response.data ?? []) as DataFrame[];
  }

  /** A request for one query outside of a panel (maxDataPoints 0: no auto limit). */
  private singleQueryRequest(
    target: MicromegasQuery,
    range: TimeRange,
    scopedVars: ScopedVars,
    requestId: string,
    app: CoreApp
  ): DataQueryRequest<MicromegasQuery> {
    return {
      requestId,
      app,
      targets: [target],
      range,
      interval: '1s',
      intervalMs: 1000,
      maxDataPoints: 0,
      scopedVars,
      timezone: 'utc',
      startTime: Date.now(),
    };
  }
}
