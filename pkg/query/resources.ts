// Editor resources (contract in docs/ARCHITECTURE.md "Backend resources"): tables,
// columns, functions, schema, values. Every server call is time-bounded and answers are
// cached briefly per client (i.e. per data source version).
import type { Field, Schema } from 'apache-arrow';

import { arrowTypeToText } from '../frames';
import { ADHOC_VALUES_LIMIT } from '../../src/shared/query';

import { adhocCondition, parseAdhocFilters } from './adhoc';
import { attributionHeaders } from './attribution';
import { FUNCTIONS, GLOBAL_VIEWS, TABLE_FUNCTIONS, VIEW_SETS, type TableDoc } from './catalog';
import { mapError } from './errors';
import { DEFAULT_QUERY_TIMEOUT_MS } from './limits';
import { expandMacros, MACROS } from './macros';
import { parsePerfettoRequest, perfettoDownload } from './perfetto-resource';
import { RequestError } from './request-error';
import { parseArgs, quoteIdent, quoteLiteral } from '../../src/shared/sql';
import { callControl, openStream } from './stream';
import type { QueryClient, QueryEnv, ResourceRequest, ResourceResponse } from './types';

export const RESOURCE_CACHE_TTL_MS = 30_000;
const CACHE_MAX_ENTRIES = 256;
const VALUES_DEFAULT_LIMIT = ADHOC_VALUES_LIMIT;
// Like other Grafana SQL sources' ad hoc value lists: beyond this, `more: true` says so.
const VALUES_MAX_LIMIT = ADHOC_VALUES_LIMIT;

interface CacheEntry {
  expires: number;
  body: unknown;
}

// One cache per client: a settings change builds a new client, so stale answers go with it.
const caches = new WeakMap<QueryClient, Map<string, CacheEntry>>();

function cacheFor(client: QueryClient): Map<string, CacheEntry> {
  let c = caches.get(client);
  if (!c) {
    c = new Map();
    caches.set(client, c);
  }
  return c;
}

function json(status: number, body: unknown): ResourceResponse {
  return {
    status,
    headers: { 'content-type': ['application/json'] },
    body: Buffer.from(JSON.stringify(body)),
  };
}

interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
}

function columnsOf(schema: Schema): ColumnInfo[] {
  return schema.fields.map((f: Field) => ({ name: f.name, type: arrowTypeToText(f.type), nullable: f.nullable }));
}

function bodyText(body: Uint8Array | string | undefined): string {
  if (body === undefined) {
    return '';
  }
  return typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
}

function parseBody(body: Uint8Array | string | undefined): Record<string, unknown> {
  const text = bodyText(body).trim();
  if (text === '') {
    throw new RequestError('the request body is empty: send a JSON object');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RequestError(`the request body is not valid JSON (${(e as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RequestError('the request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

const IDENT_PART = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
const QUALIFIED = new RegExp(String.raw`^\s*(${IDENT_PART}(?:\s*\.\s*${IDENT_PART})*)\s*$`);
const FUNCTION_NAMES = new Set(TABLE_FUNCTIONS.map((f) => f.name));

function unquoteIdentPart(part: string): string {
  const p = part.trim();
  return p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p;
}

/**
 * Renders a table reference safely: a (qualified) table name, quoted; or a known table
 * function with literal arguments, re-rendered from the parsed literals.
 */
export function tableReference(table: unknown): string {
  if (typeof table !== 'string' || table.trim() === '') {
    throw new RequestError(
      "missing \"table\": give a table name (e.g. log_entries) or view_instance('<view_set>', '<id>')"
    );
  }
  const q = QUALIFIED.exec(table);
  if (q) {
    const parts = q[1].match(new RegExp(IDENT_PART, 'g')) ?? [];
    return parts.map((p) => quoteIdent(unquoteIdentPart(p))).join('.');
  }
  const call = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(table);
  if (call && FUNCTION_NAMES.has(call[1].toLowerCase())) {
    const open = table.indexOf('(', call[1].length);
    const parsed = parseArgs(table, open);
    if (parsed && table.slice(parsed.end).trim() === '') {
      const args = parsed.args.map((a) => {
        const lit = /^'((?:[^']|'')*)'$/.exec(a);
        if (lit) {
          return quoteLiteral(lit[1].replace(/''/g, "'"));
        }
        if (/^-?\d+(?:\.\d+)?$/.test(a)) {
          return a;
        }
        throw new RequestError(`table function arguments must be literals; got ${a}`);
      });
      return `${call[1].toLowerCase()}(${args.join(', ')})`;
    }
  }
  throw new RequestError(
    `"table" must be a table name or a table function call with literal arguments, e.g. view_instance('log_entries', '<process_id>'); got ${table}`
  );
}

function columnReference(column: unknown): string {
  if (typeof column !== 'string' || column.trim() === '') {
    throw new RequestError('missing "column": give the column whose distinct values you want');
  }
  return quoteIdent(column);
}

function timeBound(value: unknown, key: string): Date | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const d =
    typeof value === 'number'
      ? new Date(value)
      : typeof value === 'string'
        ? new Date(/^\d+$/.test(value) ? Number(value) : value)
        : undefined;
  if (!d || Number.isNaN(d.getTime())) {
    throw new RequestError(`"${key}" must be an RFC 3339 time or epoch milliseconds; got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'string' && !/^\d+$/.test(value) && !/(Z|[+-]\d\d:?\d\d)$/i.test(value)) {
    throw new RequestError(`"${key}" needs a time zone (e.g. 2024-01-01T00:00:00Z); got ${value}`);
  }
  return d;
}

interface Ctx {
  env: QueryEnv;
  signal: AbortSignal;
  timeoutMs: number;
}

async function collectRows(
  ctx: Ctx,
  sql: string,
  begin: Date | undefined,
  end: Date | undefined,
  limit?: number
): Promise<unknown[][]> {
  const result = await ctx.env.client.queryStream(sql, begin, end, {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    headers: attributionHeaders(ctx.env.settings, ctx.env.user),
    limit,
  });
  const { batches } = await openStream(result);
  const rows: unknown[][] = [];
  for await (const batch of batches) {
    for (let i = 0; i < batch.numRows; i++) {
      const row: unknown[] = [];
      for (let c = 0; c < batch.numCols; c++) {
        row.push(batch.getChildAt(c)?.get(i));
      }
      rows.push(row);
    }
  }
  return rows;
}

async function listTables(ctx: Ctx): Promise<unknown> {
  const docs = new Map<string, TableDoc>(GLOBAL_VIEWS.map((v) => [v.name, v]));
  const tables: TableDoc[] = [];
  if (ctx.env.client.getTables) {
    const rows = await ctx.env.client.getTables({ signal: ctx.signal, timeoutMs: ctx.timeoutMs });
    for (const t of rows) {
      tables.push(
        docs.get(t.tableName) ?? {
          name: t.tableName,
          kind: 'view',
          description: `${t.tableType ?? 'table'} served by Micromegas`,
        }
      );
    }
  } else {
    tables.push(...GLOBAL_VIEWS);
  }
  const seen = new Set(tables.map((t) => t.name));
  const viewSets = [...VIEW_SETS];
  // The server's own list of view sets, when it has one (older servers and the dev server may not).
  try {
    const rows = await collectRows(ctx, 'SELECT view_set_name FROM list_view_sets()', undefined, undefined);
    for (const [name] of rows) {
      if (typeof name === 'string' && !seen.has(name) && !viewSets.some((v) => v.name === name)) {
        viewSets.push({ name, kind: 'view_set', description: `view_instance('${name}', '<id>')` });
      }
    }
  } catch (err) {
    ctx.env.logger.debug('list_view_sets() unavailable', {
      error: mapError(err, { settings: ctx.env.settings }).message,
    });
  }
  for (const v of viewSets) {
    if (!seen.has(v.name)) {
      tables.push(v);
      seen.add(v.name);
    }
  }
  for (const f of TABLE_FUNCTIONS) {
    tables.push({ name: f.name, kind: 'function', description: `${f.signature}: ${f.description}` });
  }
  return { tables };
}

async function listColumns(ctx: Ctx, table: string | null): Promise<unknown> {
  if (!table) {
    throw new RequestError('missing query parameter "table", e.g. columns?table=log_entries');
  }
  const ref = tableReference(table);
  const plain = QUALIFIED.test(table) ? unquoteIdentPart(table) : undefined;
  if (plain !== undefined && ctx.env.client.getTables) {
    const rows = await ctx.env.client.getTables({
      tableNamePattern: plain,
      includeSchema: true,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs,
    });
    const hit = rows.find((r) => r.tableName === plain && r.schema);
    if (hit?.schema) {
      return { table, columns: columnsOf(hit.schema) };
    }
    const viewSet = VIEW_SETS.find((v) => v.name === plain);
    if (viewSet) {
      throw new RequestError(
        `${plain} is a view set, not a global view: ask for the columns of view_instance('${plain}', '<id>')`,
        404
      );
    }
  }
  const stmt = await ctx.env.client.prepareStatement(`SELECT * FROM ${ref} LIMIT 0`, {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
  });
  return { table, columns: columnsOf(stmt.datasetSchema) };
}

async function statementSchema(ctx: Ctx, body: Record<string, unknown>): Promise<unknown> {
  const sql = body.sql;
  if (typeof sql !== 'string' || sql.trim() === '') {
    throw new RequestError('missing "sql": send {"sql": "SELECT …"}');
  }
  // Prepared statements are planned without a time range; macros get the last hour.
  const to = new Date();
  const expanded = expandMacros(sql, { from: new Date(to.getTime() - 3_600_000), to, intervalMs: 1000 });
  const stmt = await ctx.env.client.prepareStatement(expanded, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
  return { columns: columnsOf(stmt.datasetSchema) };
}

async function distinctValues(ctx: Ctx, body: Record<string, unknown>): Promise<unknown> {
  const table = tableReference(body.table);
  const column = columnReference(body.column);
  const from = timeBound(body.from, 'from');
  const to = timeBound(body.to, 'to');
  if ((from === undefined) !== (to === undefined)) {
    throw new RequestError('give both "from" and "to", or neither');
  }
  if (from && to && from > to) {
    throw new RequestError('"from" is after "to"');
  }
  let limit = VALUES_DEFAULT_LIMIT;
  if (body.limit !== undefined && body.limit !== null) {
    if (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit <= 0) {
      throw new RequestError(`"limit" must be a positive integer (at most ${VALUES_MAX_LIMIT})`);
    }
    limit = Math.min(body.limit, VALUES_MAX_LIMIT);
  }
  // Other ad hoc filters narrow the list (values of exe where level = 2); the caller sends
  // only filters on columns of this table.
  const filters = parseAdhocFilters(body.filters);
  const narrowed = filters.length > 0 ? ` AND ${adhocCondition(filters)}` : '';
  // One row more than asked tells whether the list is complete.
  const sql = `SELECT DISTINCT CAST(${column} AS VARCHAR) AS value FROM ${table} WHERE ${column} IS NOT NULL${narrowed} ORDER BY value LIMIT ${limit + 1}`;
  const rows = await collectRows(ctx, sql, from, to);
  return { values: rows.slice(0, limit).map((r) => String(r[0])), more: rows.length > limit };
}

function routeOf(req: ResourceRequest): { path: string; params: URLSearchParams } {
  const raw = req.url && req.url !== '' ? req.url : req.path;
  const url = new URL(raw.replace(/^\/+/, ''), 'http://resource.invalid/');
  const path = (req.path || url.pathname).replace(/^\/+/, '').split('?')[0].replace(/\/+$/, '');
  return { path, params: url.searchParams };
}

const ROUTES: Record<string, string> = {
  tables: 'GET',
  columns: 'GET',
  functions: 'GET',
  schema: 'POST',
  values: 'POST',
  perfetto: 'GET',
};

/** Answers one editor resource call; never throws. */
export async function handleResource(env: QueryEnv, req: ResourceRequest): Promise<ResourceResponse> {
  const { path, params } = routeOf(req);
  const method = (req.method || 'GET').toUpperCase();
  const expected = ROUTES[path];
  if (!expected) {
    return json(404, { error: `unknown resource "${path}"; available: ${Object.keys(ROUTES).join(', ')}` });
  }
  if (method !== expected) {
    return json(405, { error: `${path} expects ${expected}, got ${method}` });
  }
  if (path === 'functions') {
    return json(200, { functions: [...FUNCTIONS, ...TABLE_FUNCTIONS], macros: MACROS });
  }

  const key = `${method} ${path}?${params.toString()} ${bodyText(req.body)}`;
  const cache = cacheFor(env.client);
  const hit = cache.get(key);
  if (hit && hit.expires > Date.now()) {
    return json(200, hit.body);
  }

  const timeoutMs =
    env.settings.queryTimeoutMs && env.settings.queryTimeoutMs > 0
      ? env.settings.queryTimeoutMs
      : DEFAULT_QUERY_TIMEOUT_MS;
  const control = callControl(env.signal, timeoutMs);
  const ctx: Ctx = { env, signal: control.signal, timeoutMs };
  try {
    if (path === 'perfetto') {
      // A binary download, assembled whole and never cached.
      return await perfettoDownload(env, parsePerfettoRequest(params), ctx);
    }
    let body: unknown;
    switch (path) {
      case 'tables':
        body = await listTables(ctx);
        break;
      case 'columns':
        body = await listColumns(ctx, params.get('table'));
        break;
      case 'schema':
        body = await statementSchema(ctx, parseBody(req.body));
        break;
      default:
        body = await distinctValues(ctx, parseBody(req.body));
    }
    cache.set(key, { expires: Date.now() + RESOURCE_CACHE_TTL_MS, body });
    while (cache.size > CACHE_MAX_ENTRIES) {
      cache.delete(cache.keys().next().value as string);
    }
    return json(200, body);
  } catch (err) {
    const status = err instanceof RequestError ? err.status : undefined;
    const mapped = mapError(err, { settings: env.settings, timedOut: control.timedOut, cancelled: control.cancelled });
    env.logger.warn('resource call failed', { path, status: status ?? mapped.status, error: mapped.message });
    return json(status ?? mapped.status, { error: mapped.message });
  } finally {
    control.dispose();
  }
}
