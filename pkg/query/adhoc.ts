// Ad hoc filters (the dashboard "Filters" variable): validated from the query JSON
// (`adhocFilters`) and rendered as SQL conditions. Applied by the backend so that alert
// rules, public dashboards and API calls filter exactly like dashboards do.
//
// Rule: a query that mentions the $__adhocFilters macro gets every filter there (before
// its GROUP BY / LIMIT); any other query is wrapped as
// `SELECT * FROM (<sql>) AS adhoc WHERE …` with the filters whose key is a column of its
// result, and each skipped filter is reported as a notice.
import { DataType, type Schema } from 'apache-arrow';

import type { Notice } from '../frames';
import { ADHOC_OPERATORS, PLAIN_IDENTIFIER, type AdhocOperator } from '../../src/shared/query';
import { analyzeStatement, asSubquery, quoteIdent, quoteLiteral, type StatementAnalysis } from '../../src/shared/sql';
import { openStream } from './stream';
import type { QueryClient, StreamCallOptions } from './types';

export { ADHOC_OPERATORS, type AdhocOperator };

export interface AdhocFilter {
  key: string;
  operator: AdhocOperator;
  /** One value; `=|` / `!=|` (one of / not one of) use `values`. */
  value: string;
  values?: string[];
}

/** A filter we cannot render; a user error (plugin, 400). */
export class AdhocFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdhocFilterError';
  }
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function describe(raw: unknown): string {
  const text = JSON.stringify(raw);
  return text === undefined ? String(raw) : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function scalarText(v: unknown, what: string): string {
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  throw new AdhocFilterError(`${what} must be a string; got ${describe(v)}`);
}

/** Validates `adhocFilters` from the query JSON (absent or null = no filters). */
export function parseAdhocFilters(raw: unknown): AdhocFilter[] {
  if (raw === undefined || raw === null) {
    return [];
  }
  if (!Array.isArray(raw)) {
    throw new AdhocFilterError(
      `query field "adhocFilters" must be a list like [{"key": "exe", "operator": "=", "value": "app.exe"}]; got ${describe(raw)}`
    );
  }
  return raw.map((item: unknown, i): AdhocFilter => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      throw new AdhocFilterError(`ad hoc filter #${i + 1} must be an object with key, operator and value`);
    }
    const f = item as Record<string, unknown>;
    if (typeof f.key !== 'string' || !PLAIN_IDENTIFIER.test(f.key)) {
      throw new AdhocFilterError(
        `ad hoc filter key ${describe(f.key)} is not a plain column name (letters, digits and _, not starting with a digit): ` +
          `pick a column of the query's result, e.g. exe or level`
      );
    }
    const operator = f.operator === undefined || f.operator === '' ? '=' : f.operator;
    if (typeof operator !== 'string' || !(ADHOC_OPERATORS as readonly string[]).includes(operator)) {
      throw new AdhocFilterError(
        `ad hoc filter on ${f.key}: operator ${describe(operator)} is not supported; use one of ${ADHOC_OPERATORS.join(' ')}`
      );
    }
    const filter: AdhocFilter = {
      key: f.key,
      operator: operator as AdhocOperator,
      value: f.value === undefined || f.value === null ? '' : scalarText(f.value, `ad hoc filter on ${f.key}: value`),
    };
    if (operator === '=|' || operator === '!=|') {
      const values = Array.isArray(f.values) ? f.values : f.value !== undefined && f.value !== null ? [f.value] : [];
      if (values.length === 0) {
        throw new AdhocFilterError(`ad hoc filter on ${f.key}: "${operator}" needs at least one value`);
      }
      filter.values = values.map((v) => scalarText(v, `ad hoc filter on ${f.key}: each value`));
    }
    return filter;
  });
}

/** Column type classes that change how a literal is written. */
export type ColumnKind = 'numeric' | 'other';

function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isDecimal(type);
}

/** A value as an SQL literal: a bare number only when it is one and the column is numeric. */
function literal(value: string, numeric: boolean): string {
  return numeric && NUMBER.test(value.trim()) ? value.trim() : quoteLiteral(value);
}

/**
 * One filter as a boolean SQL expression. Negations keep rows where the column is NULL
 * (a missing value is "not equal" to anything), as Grafana users expect from labels.
 * Regexes match the whole value (like Prometheus and Loki) and work on any column type.
 */
export function filterCondition(f: AdhocFilter, kind?: ColumnKind): string {
  const col = quoteIdent(f.key);
  const numeric = kind === 'numeric';
  const regex = `'^(?:${f.value.replace(/'/g, "''")})$'`;
  switch (f.operator) {
    case '=':
      return `${col} = ${literal(f.value, numeric)}`;
    case '!=':
      return `(${col} IS NULL OR ${col} <> ${literal(f.value, numeric)})`;
    case '<':
    case '>':
    case '<=':
    case '>=':
      // A number compares as a number even where the column type is unknown (macro form).
      return `${col} ${f.operator} ${literal(f.value, numeric || kind === undefined)}`;
    case '=~':
      return `CAST(${col} AS VARCHAR) ~ ${regex}`;
    case '!~':
      return `(${col} IS NULL OR CAST(${col} AS VARCHAR) !~ ${regex})`;
    case '=|':
      return `${col} IN (${(f.values ?? [f.value]).map((v) => literal(v, numeric)).join(', ')})`;
    case '!=|':
      return `(${col} IS NULL OR ${col} NOT IN (${(f.values ?? [f.value]).map((v) => literal(v, numeric)).join(', ')}))`;
  }
}

/** The AND of the filters, for $__adhocFilters (`1=1` when there are none). */
export function adhocCondition(filters: readonly AdhocFilter[], kinds?: ReadonlyMap<string, ColumnKind>): string {
  if (filters.length === 0) {
    return '1=1';
  }
  return filters.map((f) => `(${filterCondition(f, kinds?.get(f.key))})`).join(' AND ');
}

/** Short human text of a filter for notices (values quoted as in SQL). */
export function filterText(f: AdhocFilter): string {
  const v = f.values ? `(${f.values.map(quoteLiteral).join(', ')})` : quoteLiteral(f.value);
  return `${f.key} ${f.operator} ${v}`;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
const ORDER_ITEM = new RegExp(
  String.raw`^\s*(\d+|(?:${IDENT}\s*\.\s*)*(${IDENT}))(\s+(?:asc|desc))?(\s+nulls\s+(?:first|last))?\s*$`,
  'i'
);

/**
 * The statement's top-level ORDER BY restated over the wrapper's columns. DataFusion drops
 * the ordering of a subquery, so without this a filtered query would lose its order. Only
 * result columns and ordinals can be restated; anything else is reported.
 */
export function outerOrderBy(
  statement: string | StatementAnalysis,
  columns: readonly string[]
): { clause?: string; problem?: string } {
  const a = typeof statement === 'string' ? analyzeStatement(statement) : statement;
  const order = a.tail?.orderBy;
  if (!order) {
    return {};
  }
  const items: string[] = [];
  for (const item of order.items) {
    const text = a.plain.slice(item.start, item.end);
    const m = ORDER_ITEM.exec(text);
    if (!m) {
      return { problem: text.trim() };
    }
    let target: string;
    if (/^\d+$/.test(m[1])) {
      const n = Number(m[1]);
      if (n < 1 || n > columns.length) {
        return { problem: text.trim() };
      }
      target = m[1];
    } else {
      // Unquoted names are folded to lower case, as DataFusion does.
      const name = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/""/g, '"') : m[2].toLowerCase();
      if (!columns.includes(name)) {
        return { problem: text.trim() };
      }
      target = quoteIdent(name);
    }
    items.push(`${target}${(m[3] ?? '').toUpperCase()}${(m[4] ?? '').toUpperCase().replace(/\s+/g, ' ')}`);
  }
  return { clause: `ORDER BY ${items.join(', ')}` };
}

export interface WrappedQuery {
  sql: string;
  notices: Notice[];
}

/**
 * Wraps a statement so its result keeps only the rows matching the filters whose key is
 * a column of `schema`; the others are reported (never dropped silently).
 */
export function wrapWithFilters(
  statement: string | StatementAnalysis,
  schema: Schema,
  filters: readonly AdhocFilter[]
): WrappedQuery {
  const a = typeof statement === 'string' ? analyzeStatement(statement) : statement;
  const sql = a.sql;
  if (filters.length > 0 && !a.wrappable) {
    // SHOW, EXPLAIN, DESCRIBE… cannot be a subquery.
    return {
      sql,
      notices: [
        {
          severity: 'info',
          text: `Ad hoc filters ${filters.map(filterText).join(', ')} not applied: they filter SELECT queries only.`,
        },
      ],
    };
  }
  const columns = new Map(schema.fields.map((f) => [f.name, f.type]));
  const applied = filters.filter((f) => columns.has(f.key));
  const skipped = filters.filter((f) => !columns.has(f.key));
  const notices: Notice[] = [];
  if (skipped.length > 0) {
    const names = [...columns.keys()];
    notices.push({
      severity: 'info',
      text:
        `Ad hoc filter${skipped.length > 1 ? 's' : ''} ${skipped.map(filterText).join(', ')} not applied: ` +
        `this query's result has no column ${[...new Set(skipped.map((f) => f.key))].join(', ')} ` +
        `(its columns: ${names.length ? names.join(', ') : 'none'}). Select that column, or write $__adhocFilters ` +
        `in the WHERE clause of a query over a table that has it.`,
    });
  }
  if (applied.length === 0) {
    return { sql, notices };
  }
  if (a.tail?.limit) {
    notices.push({
      severity: 'info',
      text:
        `Ad hoc filters were applied to the result of this query, after its LIMIT: fewer rows than the limit may show. ` +
        `Write $__adhocFilters in its WHERE clause to filter before the limit.`,
    });
  }
  const kinds = new Map<string, ColumnKind>(
    applied.map((f) => [f.key, isNumericType(columns.get(f.key)!) ? 'numeric' : 'other'])
  );
  const order = outerOrderBy(a, [...columns.keys()]);
  if (order.problem !== undefined) {
    notices.push({
      severity: 'warning',
      text:
        `Ad hoc filters: the rows may not follow this query's ORDER BY (${order.problem}), which names no column of its ` +
        `result. Order by a selected column or its position, or write $__adhocFilters in the WHERE clause.`,
    });
  }
  const outer = order.clause ? ` ${order.clause}` : '';
  return {
    sql: `SELECT * FROM ${asSubquery(sql, 'adhoc')} WHERE ${adhocCondition(applied, kinds)}${outer}`,
    notices,
  };
}

/** How long a statement's result schema is reused for ad hoc filtering. */
export const RESULT_SCHEMA_TTL_MS = 30_000;
const SCHEMA_CACHE_MAX = 256;
const schemaCaches = new WeakMap<QueryClient, Map<string, { expires: number; schema: Schema }>>();

/**
 * The result schema of a statement, from `SELECT * FROM (<sql>) LIMIT 0` run with the
 * query's own time range (DataFusion plans an empty relation: no data is read). A
 * prepared statement would be planned without a range, which some views refuse (thread
 * spans). A refreshing panel sends the same SQL with new time bounds and the columns do
 * not depend on them, so the schema is cached per client (data source version) by the SQL
 * as written (`key`, before macro expansion) for RESULT_SCHEMA_TTL_MS.
 */
export async function resultSchema(
  client: QueryClient,
  key: string,
  expandedSql: string,
  begin: Date | undefined,
  end: Date | undefined,
  options: StreamCallOptions
): Promise<Schema> {
  let cache = schemaCaches.get(client);
  if (!cache) {
    cache = new Map();
    schemaCaches.set(client, cache);
  }
  const hit = cache.get(key);
  if (hit && hit.expires > Date.now()) {
    return hit.schema;
  }
  const probe = `SELECT * FROM ${asSubquery(expandedSql, 'adhoc')} LIMIT 0`;
  const { schema, batches } = await openStream(await client.queryStream(probe, begin, end, options));
  for await (const batch of batches) {
    void batch; // zero rows: drained so the call ends cleanly
  }
  cache.delete(key);
  cache.set(key, { expires: Date.now() + RESULT_SCHEMA_TTL_MS, schema });
  while (cache.size > SCHEMA_CACHE_MAX) {
    cache.delete(cache.keys().next().value as string);
  }
  return schema;
}
