import type { AdHocVariableFilter, GetTagResponse, MetricFindValue, ScopedVars, TimeRange } from '@grafana/data';

import { resourceErrorMessage, type ResourceFetcher, type SchemaClient } from '../resources';
import { tablesInStatement } from '../sql/tableRefs';
import type { AdhocFilterModel, ColumnInfo, MicromegasQuery, ValuesResponse } from '../types';
import { interpolateSql } from './interpolate';
import { sqlOf } from './migrate';

/** Where keys and values come from when the variable does not pass the panel queries. */
export const DEFAULT_ADHOC_TABLES = ['log_entries', 'measures', 'processes'] as const;

/** Most values listed for one key (the backend's cap too); beyond it the list says so. */
export const ADHOC_VALUES_LIMIT = 1000;

/** The backend accepts plain column names only (pkg/query/adhoc.ts). */
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Lists, structs, maps and binary (JSONB properties) have no `key = value` to offer. */
const UNFILTERABLE =
  /^(?:Dictionary\([^,]+, )?(?:List|LargeList|FixedSizeList|Struct|Map|Union|Binary|LargeBinary|BinaryView|FixedSizeBinary|Null)\b/;

export function isFilterableColumn(c: ColumnInfo): boolean {
  return PLAIN_IDENTIFIER.test(c.name) && !UNFILTERABLE.test(c.type);
}

/** The filters as the backend reads them (`adhocFilters` in the query JSON). */
export function toAdhocModel(filters: readonly AdHocVariableFilter[] | undefined): AdhocFilterModel[] {
  return (filters ?? []).map((f) => ({
    key: f.key,
    operator: f.operator,
    value: f.value,
    ...(f.values && f.values.length > 0 ? { values: [...f.values] } : {}),
  }));
}

/** What key and value lookups need from the data source. */
export interface AdhocSource {
  schema: SchemaClient;
  fetcher: ResourceFetcher;
  /** One query through the backend (errors rejected), for values of computed columns. */
  distinct(sql: string, filters: AdhocFilterModel[], range: TimeRange | undefined): Promise<string[]>;
  /**
   * Filterable result columns of a statement from an empty run with the range (errors
   * rejected): for statements the `schema` resource cannot plan without one (thread spans).
   */
  probeColumns(sql: string, range: TimeRange | undefined): Promise<string[]>;
}

/**
 * A statement as a derived table: without its trailing semicolon, and with a newline before
 * ")" that ends a trailing line comment.
 */
function asSubquery(sql: string, alias: string): string {
  return `(\n${sql.replace(/;\s*$/, '')}\n) AS ${alias}`;
}

/** SQL that returns no row but the statement's result columns. */
export function probeSql(sql: string): string {
  return `SELECT * FROM ${asSubquery(sql, 'adhoc_columns')} LIMIT 0`;
}

/** Filterable result column names: the schema resource, else an empty run with the range. */
async function resultColumnNames(source: AdhocSource, sql: string, range: TimeRange | undefined): Promise<string[]> {
  try {
    return (await source.schema.resultColumns(sql)).filter(isFilterableColumn).map((c) => c.name);
  } catch (err) {
    try {
      return (await source.probeColumns(sql, range)).filter((name) => PLAIN_IDENTIFIER.test(name));
    } catch {
      throw err;
    }
  }
}

interface LookupOptions {
  queries?: MicromegasQuery[];
  timeRange?: TimeRange;
  scopedVars?: ScopedVars;
}

/** The SQL of the panel queries that would run, dashboard variables replaced. */
function panelSqls(opts: LookupOptions): string[] {
  const sqls = (opts.queries ?? [])
    .filter((q) => !q.hide)
    .map((q) => interpolateSql(sqlOf(q), opts.scopedVars ?? {}).trim())
    .filter((sql) => sql !== '');
  return [...new Set(sqls)];
}

const uses$adhocFilters = (sql: string) => /\$__adhocFilters\b/.test(sql);

function addColumns(into: Set<string>, columns: ColumnInfo[]) {
  columns.filter(isFilterableColumn).forEach((c) => into.add(c.name));
}

/**
 * Keys: the result columns of the panel queries (the backend filters results), plus the
 * columns of the tables of queries that place $__adhocFilters themselves; without panel
 * queries, the columns of the most used views.
 */
export async function tagKeys(source: AdhocSource, opts: LookupOptions): Promise<GetTagResponse> {
  const keys = new Set<string>();
  const problems: string[] = [];
  const sqls = panelSqls(opts);
  await Promise.all(
    sqls.map(async (sql) => {
      try {
        (await resultColumnNames(source, sql, opts.timeRange)).forEach((name) => keys.add(name));
      } catch (err) {
        problems.push(resourceErrorMessage(err));
      }
      if (uses$adhocFilters(sql)) {
        for (const table of tablesInStatement(sql)) {
          addColumns(keys, await source.schema.columns(table));
        }
      }
    })
  );
  if (keys.size === 0) {
    for (const table of DEFAULT_ADHOC_TABLES) {
      addColumns(keys, await source.schema.columns(table));
    }
  }
  const data: MetricFindValue[] = [...keys].sort().map((name) => ({ text: name, value: name }));
  if (problems.length > 0) {
    return { data, error: { message: `Some filter keys could not be listed: ${[...new Set(problems)].join('; ')}` } };
  }
  if (data.length === 0) {
    return { data, error: { message: 'No filter keys: the data source lists no columns (check its connection)' } };
  }
  return { data };
}

function isoRange(range: TimeRange | undefined): { from?: string; to?: string } {
  if (!range) {
    return {};
  }
  return { from: range.from.toISOString(), to: range.to.toISOString() };
}

function otherFilters(filters: readonly AdHocVariableFilter[] | undefined, key: string, columns: Set<string>) {
  return toAdhocModel(filters).filter((f) => f.key !== key && columns.has(f.key));
}

/**
 * Values of one key over the time range, narrowed by the other filters: from the tables the
 * panel queries read (or the most used views) that have the column; for a column that only
 * exists in a query's result (an alias), the distinct values of that result.
 */
export async function tagValues(
  source: AdhocSource,
  opts: LookupOptions & { key: string; filters?: AdHocVariableFilter[] }
): Promise<GetTagResponse> {
  const { key } = opts;
  if (!PLAIN_IDENTIFIER.test(key)) {
    return { data: [], error: { message: `"${key}" is not a plain column name: pick a key from the list` } };
  }
  const sqls = panelSqls(opts);
  const fromQueries = [...new Set(sqls.flatMap(tablesInStatement))];
  const tables = fromQueries.length > 0 ? fromQueries : [...DEFAULT_ADHOC_TABLES];
  const values = new Set<string>();
  const problems: string[] = [];
  let found = false;

  await Promise.all(
    tables.map(async (table) => {
      const columns = new Set((await source.schema.columns(table)).map((c) => c.name));
      if (!columns.has(key)) {
        return;
      }
      found = true;
      try {
        const r = await source.fetcher.postResource<ValuesResponse>('values', {
          table,
          column: key,
          ...isoRange(opts.timeRange),
          limit: ADHOC_VALUES_LIMIT,
          filters: otherFilters(opts.filters, key, columns),
        });
        (Array.isArray(r?.values) ? r.values : []).forEach((v) => values.add(v));
      } catch (err) {
        problems.push(`${table}: ${resourceErrorMessage(err)}`);
      }
    })
  );

  if (!found) {
    // A result column only (alias, computed): the distinct values of the first query that has it.
    for (const sql of sqls) {
      let columns: Set<string>;
      try {
        columns = new Set(await resultColumnNames(source, sql, opts.timeRange));
      } catch {
        continue;
      }
      if (!columns.has(key)) {
        continue;
      }
      found = true;
      const col = `"${key}"`;
      const distinctSql =
        `SELECT DISTINCT CAST(${col} AS VARCHAR) AS value FROM ${asSubquery(sql, 'adhoc_values')} ` +
        `WHERE ${col} IS NOT NULL AND $__adhocFilters ORDER BY value LIMIT ${ADHOC_VALUES_LIMIT + 1}`;
      try {
        const rows = await source.distinct(distinctSql, otherFilters(opts.filters, key, columns), opts.timeRange);
        rows.forEach((v) => values.add(v));
      } catch (err) {
        problems.push(resourceErrorMessage(err));
      }
      break;
    }
  }

  const sorted = [...values].sort();
  const data: MetricFindValue[] = sorted.slice(0, ADHOC_VALUES_LIMIT).map((v) => ({ text: v, value: v }));
  if (problems.length > 0) {
    return { data, error: { message: `Values of ${key} could not be listed: ${problems.join('; ')}` } };
  }
  if (!found) {
    return {
      data,
      error: { message: `No table of ${tables.join(', ')} has a column ${key}: type the value to filter on` },
    };
  }
  // A list cut at the limit is not a failure: Scenes shows any `error` as a warning that
  // stays until the next look-up, and accepts typed values for the ones not listed.
  return { data };
}
