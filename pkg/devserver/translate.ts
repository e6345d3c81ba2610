// DataFusion SQL → DuckDB SQL. The query is parsed with DataFusion's own parser
// (sqlparser-rs 0.62, the version Micromegas' DataFusion 54 pins, compiled to WASM:
// @guanmingchiu/sqlparser-ts, generic dialect as DataFusion's default), so syntax errors
// are DataFusion's, then printed back as DuckDB SQL with:
//  - every projection item aliased with the name DataFusion gives it (datafusion-expr
//    `Expr::schema_name`: `count(*)`, `avg(measures.value)`, `Int64(1)`, casts transparent),
//  - integer literals in arithmetic as BIGINT (DataFusion's Int64 literals; the session runs
//    with DuckDB's `integer_division` so `7/2` is 3 as in DataFusion),
//  - casts of timestamps and durations to integers as nanoseconds (`epoch_ns`),
//  - DataFusion built-ins spelled the DuckDB way (approx_distinct, make_array, arrow_cast…),
//  - every column identifier quoted (so `"end"`, `begin` need no DuckDB-specific care).
// A construct the printer does not know raises `Untranslatable`; the caller then runs the
// SQL as written (the pre-translation behaviour), so an exotic query is never refused here.
import { init, parse } from '@guanmingchiu/sqlparser-ts';

import { INFORMATION_SCHEMA_TABLES, VIEW_BY_NAME, type WireKind } from './schema';

/** The parser's AST is JSON (serde); nodes are read structurally. */
type Node = any;

export class Untranslatable extends Error {}

/** A DataFusion parse or planning error, worded as DataFusion's (`SQL error: ParserError("…")`…). */
export class DataFusionParseError extends Error {
  constructor(
    message: string,
    /** 1-based position in the client's SQL, when DataFusion reports one. */
    readonly position?: { line: number; column: number }
  ) {
    super(message);
  }
}

/**
 * Parses by the WASM parser: this thread's, plus those the translation worker reports with
 * each reply (translate-pool.ts). A statement should cost one (tests count them).
 */
export const parserStats = { parses: 0 };

function parseSql(sql: string): Node[] {
  parserStats.parses++;
  return parse(sql, 'generic');
}

let ready: Promise<void> | undefined;
/** Loads the WASM parser once (≈ 75 ms); every later parse is synchronous. */
export function initTranslator(): Promise<void> {
  ready ??= init();
  return ready;
}

type ColType = 'ts' | 'interval' | 'int' | 'float' | 'str' | 'bool' | 'json' | 'other';

interface Rel {
  /** DataFusion's qualifier: the alias, the table name, or `f()` for a table function. */
  qualifier: string | undefined;
  /** Known output columns (lower-cased name → type); undefined = unknown. */
  columns?: Map<string, ColType>;
}

interface Scope {
  rels: Rel[];
  ctes: Map<string, Map<string, ColType> | undefined>;
  parent?: Scope;
}

export interface Translation {
  sql: string;
  /** DataFusion's output column names of the top-level query (undefined for `*`). */
  names: string[];
  /** Output names of calls Micromegas returns as Dictionary(Int32, Utf8) (property_get, …). */
  dictOutputs: Set<string>;
  /** The statement kind when it is introspection DataFusion answers specially. */
  kind: 'query' | 'explain';
}

const KIND_TYPES: Record<WireKind, ColType> = {
  'dict-utf8': 'str',
  jsonb: 'json',
  utf8: 'str',
  binary: 'other',
  ts: 'ts',
  int32: 'int',
  int64: 'int',
  uint32: 'int',
  float64: 'float',
  bool: 'bool',
  tags: 'other',
};

function viewColumns(name: string): Map<string, ColType> | undefined {
  const view = VIEW_BY_NAME.get(name);
  return view ? new Map(view.columns.map((c) => [c.name.toLowerCase(), KIND_TYPES[c.kind]])) : undefined;
}

/** DataFusion folds unquoted identifiers to lower case. */
const identName = (ident: Node): string => (ident.quote_style ? ident.value : String(ident.value).toLowerCase());
const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function objectName(name: Node[]): string[] {
  return name.map((part: Node) => {
    if (part.Identifier) {
      return identName(part.Identifier);
    }
    throw new Untranslatable('object name');
  });
}

/** Parses with DataFusion's parser; one statement, as DataFusion's SessionContext::sql requires. */
export function parseDataFusion(sql: string): Node {
  let statements: Node[];
  try {
    statements = parseSql(sql);
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^sql parser error: /, '');
    throw new DataFusionParseError(`SQL error: ParserError("${message}")`);
  }
  checkBareEnd(sql, statements);
  if (statements.length !== 1) {
    throw new DataFusionParseError(
      statements.length === 0
        ? 'SQL error: ParserError("Expected: an SQL statement, found: EOF")'
        : 'This feature is not implemented: The context currently only supports a single SQL statement'
    );
  }
  return statements[0];
}

/**
 * sqlparser stops a statement at a bare `END` keyword (a block terminator) without error;
 * DataFusion's own statement loop then reports the leftover token. Finds an `end` that no
 * CASE opened, outside literals and comments, and fails like DataFusion if the AST stops before it.
 */
function checkBareEnd(sql: string, statements: Node[]): void {
  const re = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\b(case|end)\b/gi;
  let depth = 0;
  for (const m of sql.matchAll(re)) {
    if (!m[1]) {
      continue;
    }
    if (m[1].toLowerCase() === 'case') {
      depth++;
    } else if (depth > 0) {
      depth--;
    } else {
      const before = sql.slice(0, m.index);
      const line = before.split('\n').length;
      const column = m.index! - before.lastIndexOf('\n');
      const last = lastSpan(statements);
      if (!last || last.line < line || (last.line === line && last.column <= column)) {
        throw new DataFusionParseError(
          `SQL error: ParserError("Expected: end of statement, found: ${m[1]} at Line: ${line}, Column: ${column}")`
        );
      }
      return;
    }
  }
}

function lastSpan(node: Node): { line: number; column: number } | undefined {
  let best: { line: number; column: number } | undefined;
  const visit = (n: Node): void => {
    if (Array.isArray(n)) {
      n.forEach(visit);
    } else if (n && typeof n === 'object') {
      const end = n.span?.end;
      if (
        end &&
        end.line > 0 &&
        (!best || end.line > best.line || (end.line === best.line && end.column > best.column))
      ) {
        best = { line: end.line, column: end.column };
      }
      for (const v of Object.values(n)) {
        if (v && typeof v === 'object') {
          visit(v);
        }
      }
    }
  };
  visit(node);
  return best;
}

/** Micromegas registers these only for callers allowed to mutate (lakehouse/query.rs). */
const MUTATING_TABLE_FUNCTIONS = new Set([
  'retire_partitions',
  'materialize_partitions',
  'regenerate_partitions',
  'list_query_denials',
  'deny_queries',
]);
const MUTATING_SCALAR_FUNCTIONS = new Set([
  'retire_partition_by_file',
  'retire_partition_by_metadata',
  'remove_query_denial',
]);

/**
 * Refuses the mutating functions to a caller that may not use them, as DataFusion refuses
 * a function that is not registered in the session.
 */
function refuseMutating(statement: Node): void {
  const visit = (n: Node): void => {
    if (Array.isArray(n)) {
      n.forEach(visit);
      return;
    }
    if (!n || typeof n !== 'object') {
      return;
    }
    if (n.Table?.args && Array.isArray(n.Table.name)) {
      const name = String(n.Table.name[n.Table.name.length - 1]?.Identifier?.value ?? '').toLowerCase();
      if (MUTATING_TABLE_FUNCTIONS.has(name)) {
        throw new DataFusionParseError(`Error during planning: table function '${name}' not found`);
      }
    }
    if (n.Function && Array.isArray(n.Function.name)) {
      const name = String(n.Function.name[n.Function.name.length - 1]?.Identifier?.value ?? '').toLowerCase();
      if (MUTATING_SCALAR_FUNCTIONS.has(name)) {
        throw new DataFusionParseError(`Error during planning: Invalid function '${name}'`);
      }
    }
    for (const v of Object.values(n)) {
      if (v && typeof v === 'object') {
        visit(v);
      }
    }
  };
  visit(statement);
}

/** The translation of a statement, or the error translating it raised (a planning error, Untranslatable). */
export type TranslationOutcome = { translation: Translation } | { error: Error };

/**
 * The one parse of the client's SQL, in DataFusion's order: a syntax error, then a function the
 * caller may not use, throws, before anything acts (retire_partitions really drops data). The
 * parsed tree's translation is returned, not thrown, so the caller can run the admin rewrites
 * first and use it when they leave the text as it was.
 */
export function analyze(sql: string, mayMutate: boolean): TranslationOutcome {
  const stmt = parseDataFusion(sql);
  if (!mayMutate) {
    refuseMutating(stmt);
  }
  try {
    return { translation: translateStatement(stmt) };
  } catch (err) {
    if (err instanceof DataFusionParseError || err instanceof Untranslatable) {
      return { error: err };
    }
    throw err;
  }
}

/** Parses and translates one statement. Throws Untranslatable for what the printer does not cover. */
export function translate(sql: string): Translation {
  return translateStatement(parseDataFusion(sql));
}

function translateStatement(stmt: Node): Translation {
  if (stmt.Query) {
    const t = new Printer();
    const { sql: out, names, dictOutputs } = t.query(stmt.Query, { rels: [], ctes: new Map() }, true);
    return { sql: out, names, dictOutputs, kind: 'query' };
  }
  if (stmt.Explain?.statement?.Query) {
    // DataFusion answers (plan_type, plan); the dev server's plan is the DuckDB SQL it runs.
    const t = new Printer();
    const { sql: out } = t.query(stmt.Explain.statement.Query, { rels: [], ctes: new Map() }, true);
    const plan = `dev server (DuckDB): ${out}`;
    return {
      sql: `SELECT * FROM (VALUES ('logical_plan', ${lit(plan)}), ('physical_plan', ${lit(plan)})) AS e("plan_type", "plan")`,
      names: ['plan_type', 'plan'],
      dictOutputs: new Set(),
      kind: 'explain',
    };
  }
  // DataFusion rewrites SHOW / DESCRIBE into information_schema queries (datafusion-sql statement.rs).
  if (stmt.ShowTables) {
    return catalogQuery('SELECT table_catalog, table_schema, table_name, table_type FROM lake.__df_tables', [
      'table_catalog',
      'table_schema',
      'table_name',
      'table_type',
    ]);
  }
  const describe = stmt.ExplainTable?.table_name ?? stmt.ShowColumns?.show_options?.show_in?.parent_name;
  if (describe) {
    const parts = objectName(describe);
    const table = parts[parts.length - 1]!;
    if (!VIEW_BY_NAME.get(table)?.global) {
      throw new DataFusionParseError(`Error during planning: table 'datafusion.public.${table}' not found`);
    }
    const where = `FROM lake.__df_columns WHERE table_name = ${lit(table)} ORDER BY ordinal_position`;
    return stmt.ExplainTable
      ? catalogQuery(`SELECT column_name, data_type, is_nullable ${where}`, ['column_name', 'data_type', 'is_nullable'])
      : catalogQuery(`SELECT table_catalog, table_schema, table_name, column_name, data_type, is_nullable ${where}`, [
          'table_catalog',
          'table_schema',
          'table_name',
          'column_name',
          'data_type',
          'is_nullable',
        ]);
  }
  throw new Untranslatable('statement');
}

function catalogQuery(sql: string, names: string[]): Translation {
  return { sql, names, dictOutputs: new Set(), kind: 'query' };
}

const DICT_FUNCTIONS = new Set(['property_get', 'jsonb_format_json', 'jsonb_as_string']);

const BINARY_OPS: Record<string, [string, number]> = {
  Or: ['OR', 5],
  And: ['AND', 10],
  Eq: ['=', 15],
  NotEq: ['!=', 15],
  Lt: ['<', 15],
  LtEq: ['<=', 15],
  Gt: ['>', 15],
  GtEq: ['>=', 15],
  PGRegexMatch: ['~', 15],
  PGRegexIMatch: ['~*', 15],
  PGRegexNotMatch: ['!~', 15],
  PGRegexNotIMatch: ['!~*', 15],
  StringConcat: ['||', 30],
  Plus: ['+', 30],
  Minus: ['-', 30],
  Multiply: ['*', 40],
  Divide: ['/', 40],
  Modulo: ['%', 40],
  BitwiseAnd: ['&', 50],
  BitwiseOr: ['|', 50],
};

/** DuckDB spellings of DataFusion functions whose arguments carry over unchanged. */
const RENAMES: Record<string, string> = {
  make_array: 'list_value',
  regexp_like: 'regexp_matches',
  to_timestamp_seconds: 'to_timestamp',
  from_unixtime: 'to_timestamp',
  array_length: 'len',
  character_length: 'length',
  char_length: 'length',
  to_char: 'strftime',
  var_samp: 'var_samp',
  stddev: 'stddev_samp',
  btrim: 'trim',
};

/** DataFusion functions the printer rewrites (the rest pass through to DuckDB or the dialect macros). */
export const TRANSLATED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...Object.keys(RENAMES),
  'approx_percentile_cont',
  'approx_percentile_cont_with_weight',
  'approx_median',
  'approx_distinct',
  'cardinality',
  'median',
  'arrow_cast',
  'encode',
  'to_hex',
  'to_timestamp',
  'named_struct',
  'date_part',
  'datepart',
  'properties_to_dict',
  'jsonb_path_query',
  'row_number',
  'rank',
  'dense_rank',
  'ntile',
]);

/** arrow_cast type names → DuckDB types. */
const ARROW_TYPES: Record<string, string> = {
  Int8: 'TINYINT',
  Int16: 'SMALLINT',
  Int32: 'INTEGER',
  Int64: 'BIGINT',
  UInt8: 'UTINYINT',
  UInt16: 'USMALLINT',
  UInt32: 'UINTEGER',
  UInt64: 'UBIGINT',
  Float32: 'FLOAT',
  Float64: 'DOUBLE',
  Utf8: 'VARCHAR',
  LargeUtf8: 'VARCHAR',
  Utf8View: 'VARCHAR',
  Boolean: 'BOOLEAN',
  Binary: 'BLOB',
  Date32: 'DATE',
};

/** sqlparser DataType → [DuckDB type, DataFusion Arrow display, result ColType]. */
function castType(dt: Node): [string, string, ColType] {
  const key = typeof dt === 'string' ? dt : Object.keys(dt)[0];
  const arg = typeof dt === 'string' ? undefined : dt[key!];
  switch (key) {
    case 'BigInt':
    case 'Int8':
    case 'Int64':
      return ['BIGINT', 'Int64', 'int'];
    case 'Int':
    case 'Integer':
    case 'Int4':
    case 'Int32':
      return ['INTEGER', 'Int32', 'int'];
    case 'SmallInt':
    case 'Int2':
    case 'Int16':
      return ['SMALLINT', 'Int16', 'int'];
    case 'TinyInt':
      return ['TINYINT', 'Int8', 'int'];
    case 'BigIntUnsigned':
    case 'UnsignedBigInt':
    case 'Int8Unsigned':
    case 'UInt64':
      return ['UBIGINT', 'UInt64', 'int'];
    case 'IntUnsigned':
    case 'IntegerUnsigned':
    case 'UnsignedInt':
    case 'UnsignedInteger':
    case 'UInt32':
      return ['UINTEGER', 'UInt32', 'int'];
    case 'SmallIntUnsigned':
    case 'UnsignedSmallInt':
      return ['USMALLINT', 'UInt16', 'int'];
    case 'TinyIntUnsigned':
    case 'UnsignedTinyInt':
      return ['UTINYINT', 'UInt8', 'int'];
    case 'Double':
    case 'DoublePrecision':
    case 'Float64':
    case 'Float8':
      return ['DOUBLE', 'Float64', 'float'];
    case 'Float':
    case 'Real':
    case 'Float4':
    case 'Float32':
      return ['FLOAT', 'Float32', 'float'];
    case 'Varchar':
    case 'CharVarying':
    case 'CharacterVarying':
    case 'Text':
    case 'String':
    case 'Char':
    case 'Character':
      return ['VARCHAR', 'Utf8', 'str'];
    case 'Boolean':
    case 'Bool':
      return ['BOOLEAN', 'Boolean', 'bool'];
    case 'Date':
      return ['DATE', 'Date32', 'other'];
    case 'Bytea':
    case 'Binary':
    case 'Varbinary':
    case 'Blob':
      return ['BLOB', 'Binary', 'other'];
    case 'Timestamp': {
      const tz = Array.isArray(arg) ? arg[1] : 'None';
      return tz === 'Tz' || tz === 'WithTimeZone'
        ? ['TIMESTAMPTZ', 'Timestamp(ns, "+00:00")', 'ts']
        : ['TIMESTAMP', 'Timestamp(ns)', 'ts'];
    }
    case 'TimestampNtz':
      return ['TIMESTAMP', 'Timestamp(ns)', 'ts'];
    case 'Interval':
      return ['INTERVAL', 'Interval(MonthDayNano)', 'interval'];
    default:
      throw new Untranslatable(`type ${key}`);
  }
}

const UNITS_NS: Record<string, bigint> = {
  nanosecond: 1n,
  microsecond: 1000n,
  millisecond: 1_000_000n,
  second: 1_000_000_000n,
  minute: 60_000_000_000n,
  hour: 3_600_000_000_000n,
};

/** DataFusion's name of an interval literal (IntervalMonthDayNano display). */
function intervalName(text: string): string {
  let months = 0;
  let days = 0;
  let ns = 0n;
  const re = /(-?\d+(?:\.\d+)?)\s*([a-z]+)/gi;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    const unit = m[2]!.toLowerCase().replace(/s$/, '');
    if (unit === 'year') {
      months += 12 * n;
    } else if (unit === 'month') {
      months += n;
    } else if (unit === 'week') {
      days += 7 * n;
    } else if (unit === 'day') {
      days += n;
    } else if (UNITS_NS[unit] !== undefined) {
      ns += BigInt(Math.round(n * Number(UNITS_NS[unit])));
    }
  }
  return `IntervalMonthDayNano("IntervalMonthDayNano { months: ${months}, days: ${days}, nanoseconds: ${ns} }")`;
}

interface Printed {
  sql: string;
  names: string[];
  dictOutputs: Set<string>;
  columns?: Map<string, ColType>;
}

class Printer {
  query(query: Node, outer: Scope, top: boolean): Printed {
    const scope: Scope = { rels: [], ctes: new Map(outer.ctes), parent: outer.parent };
    const parts: string[] = [];
    if (query.with) {
      const ctes = query.with.cte_tables.map((cte: Node) => {
        const name = identName(cte.alias.name);
        const inner = this.query(cte.query, scope, false);
        scope.ctes.set(name, inner.columns);
        const cols = cte.alias.columns?.length
          ? `(${cte.alias.columns.map((c: Node) => q(identName(c.name ?? c))).join(', ')})`
          : '';
        return `${q(name)}${cols} AS (${inner.sql})`;
      });
      parts.push(`WITH ${query.with.recursive ? 'RECURSIVE ' : ''}${ctes.join(', ')}`);
    }
    const body = this.setExpr(query.body, scope, top);
    parts.push(body.sql);
    if (query.order_by) {
      const exprs = query.order_by.kind?.Expressions;
      if (!exprs) {
        throw new Untranslatable('order by');
      }
      // ORDER BY sees the body's FROM relations (for unprojected columns) and its aliases.
      const orderScope = body.scope ?? scope;
      parts.push(`ORDER BY ${exprs.map((o: Node) => this.orderBy(o, orderScope)).join(', ')}`);
    }
    if (query.limit_clause) {
      const lo = query.limit_clause.LimitOffset;
      if (!lo) {
        throw new Untranslatable('limit');
      }
      if (lo.limit) {
        parts.push(`LIMIT ${this.expr(lo.limit, scope)}`);
      }
      if (lo.offset) {
        parts.push(`OFFSET ${this.expr(lo.offset.value, scope)}`);
      }
    }
    if (query.fetch || query.locks?.length || query.pipe_operators?.length) {
      throw new Untranslatable('query clause');
    }
    return { sql: parts.join(' '), names: body.names, dictOutputs: body.dictOutputs, columns: body.columns };
  }

  private setExpr(body: Node, scope: Scope, top: boolean): Printed & { scope?: Scope } {
    if (body.Select) {
      return this.select(body.Select, scope, top);
    }
    if (body.Query) {
      const inner = this.query(body.Query, scope, top);
      return { ...inner, sql: `(${inner.sql})` };
    }
    if (body.SetOperation) {
      const op = body.SetOperation;
      const left = this.setExpr(op.left, scope, top);
      const right = this.setExpr(op.right, scope, false);
      const quantifier = op.set_quantifier === 'All' ? ' ALL' : op.set_quantifier === 'Distinct' ? ' DISTINCT' : '';
      const name = { Union: 'UNION', Except: 'EXCEPT', Intersect: 'INTERSECT' }[op.op as string];
      if (!name) {
        throw new Untranslatable('set operation');
      }
      // DuckDB's UNION ALL matches by position, as DataFusion; names come from the left side.
      return { ...left, sql: `${left.sql} ${name}${quantifier} ${right.sql}`, scope: undefined };
    }
    if (body.Values) {
      const rows = body.Values.rows.map(
        (row: Node) => `(${(row.content ?? row).map((e: Node) => this.expr(e, scope, true)).join(', ')})`
      );
      const width = (body.Values.rows[0]?.content ?? body.Values.rows[0])?.length ?? 0;
      const names = Array.from({ length: width }, (_, i) => `column${i + 1}`);
      return {
        sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS __values(${names.map(q).join(', ')})`,
        names,
        dictOutputs: new Set(),
      };
    }
    throw new Untranslatable('set expression');
  }

  private select(sel: Node, outer: Scope, top: boolean): Printed & { scope: Scope } {
    const scope: Scope = { rels: [], ctes: outer.ctes, parent: outer };
    const from = (sel.from as Node[]).map((twj) => this.tableWithJoins(twj, scope));
    if (sel.top || sel.into || sel.lateral_views?.length || sel.prewhere || sel.qualify || sel.connect_by?.length) {
      throw new Untranslatable('select clause');
    }
    const names: string[] = [];
    const dictOutputs = new Set<string>();
    const columns = new Map<string, ColType>();
    const items = (sel.projection as Node[]).map((item) => {
      if (item.Wildcard) {
        names.push('*');
        for (const rel of scope.rels) {
          rel.columns?.forEach((t, n) => columns.set(n, t));
        }
        return '*';
      }
      if (item.QualifiedWildcard) {
        const parts = item.QualifiedWildcard[0]?.ObjectName;
        if (!parts) {
          throw new Untranslatable('wildcard');
        }
        const qual = objectName(parts).join('.');
        names.push('*');
        scope.rels.find((r) => r.qualifier === qual)?.columns?.forEach((t, n) => columns.set(n, t));
        return `${objectName(parts).map(q).join('.')}.*`;
      }
      const expr = item.UnnamedExpr ?? item.ExprWithAlias?.expr;
      if (!expr) {
        throw new Untranslatable('select item');
      }
      const name = item.ExprWithAlias ? identName(item.ExprWithAlias.alias) : this.outputName(expr, scope);
      names.push(name);
      columns.set(name.toLowerCase(), this.typeOf(expr, scope));
      if (expr.Function && DICT_FUNCTIONS.has(this.functionName(expr.Function))) {
        dictOutputs.add(name);
      }
      return `${this.expr(expr, scope, true)} AS ${q(name)}`;
    });
    const parts = [`SELECT${this.distinct(sel.distinct, scope)} ${items.join(', ')}`];
    if (from.length) {
      parts.push(`FROM ${from.join(', ')}`);
    }
    if (sel.selection) {
      parts.push(`WHERE ${this.expr(sel.selection, scope)}`);
    }
    const groups = sel.group_by?.Expressions?.[0] ?? [];
    if (sel.group_by?.All !== undefined) {
      parts.push('GROUP BY ALL');
    } else if (groups.length) {
      parts.push(`GROUP BY ${groups.map((g: Node) => this.expr(g, scope)).join(', ')}`);
    }
    if (sel.having) {
      parts.push(`HAVING ${this.expr(sel.having, scope)}`);
    }
    if (sel.named_window?.length || sel.sort_by?.length || sel.cluster_by?.length || sel.distribute_by?.length) {
      throw new Untranslatable('select clause');
    }
    void top;
    return { sql: parts.join(' '), names, dictOutputs, columns, scope };
  }

  private distinct(d: Node, scope: Scope): string {
    if (!d) {
      return '';
    }
    if (d === 'Distinct') {
      return ' DISTINCT';
    }
    if (d.On) {
      return ` DISTINCT ON (${d.On.map((e: Node) => this.expr(e, scope)).join(', ')})`;
    }
    throw new Untranslatable('distinct');
  }

  private tableWithJoins(twj: Node, scope: Scope): string {
    let sql = this.tableFactor(twj.relation, scope);
    for (const join of twj.joins ?? []) {
      const right = this.tableFactor(join.relation, scope);
      const op = join.join_operator;
      const key = typeof op === 'string' ? op : Object.keys(op)[0]!;
      const constraint = typeof op === 'string' ? undefined : op[key];
      const kw: Record<string, string> = {
        Join: 'JOIN',
        Inner: 'JOIN',
        Left: 'LEFT JOIN',
        LeftOuter: 'LEFT JOIN',
        Right: 'RIGHT JOIN',
        RightOuter: 'RIGHT JOIN',
        FullOuter: 'FULL JOIN',
        CrossJoin: 'CROSS JOIN',
        LeftSemi: 'SEMI JOIN',
        LeftAnti: 'ANTI JOIN',
      };
      if (!kw[key]) {
        throw new Untranslatable(`join ${key}`);
      }
      let on = '';
      if (constraint && typeof constraint === 'object') {
        if (constraint.On) {
          on = ` ON ${this.expr(constraint.On, scope)}`;
        } else if (constraint.Using) {
          on = ` USING (${constraint.Using.map((n: Node) => objectName(n).map(q).join('.')).join(', ')})`;
        }
      } else if (constraint === 'Natural') {
        throw new Untranslatable('natural join');
      }
      sql += ` ${kw[key]} ${right}${on}`;
    }
    return sql;
  }

  private alias(alias: Node): string {
    if (!alias) {
      return '';
    }
    const cols = alias.columns?.length
      ? `(${alias.columns.map((c: Node) => q(identName(c.name ?? c))).join(', ')})`
      : '';
    return ` AS ${q(identName(alias.name))}${cols}`;
  }

  private tableFactor(tf: Node, scope: Scope): string {
    if (tf.Table) {
      const t = tf.Table;
      const parts = objectName(t.name);
      const name = parts[parts.length - 1]!;
      const aliasName = t.alias ? identName(t.alias.name) : undefined;
      if (t.args) {
        // Table function: DataFusion scans it as `<name>()`.
        const args = (t.args.args as Node[]).map((a) => this.functionArg(a, scope));
        const columns = name === 'view_instance' ? this.viewInstanceColumns(t.args.args) : undefined;
        scope.rels.push({ qualifier: aliasName ?? `${name}()`, columns });
        return `${name}(${args.join(', ')})${this.alias(t.alias)}`;
      }
      if (parts.length === 1 && !scope.ctes.has(name) && !VIEW_BY_NAME.get(name)?.global) {
        const span = t.name[0]?.Identifier?.span?.start;
        throw new DataFusionParseError(
          `Error during planning: table 'datafusion.public.${name}' not found`,
          span?.line ? { line: span.line, column: span.column } : undefined
        );
      }
      const qualified = parts.length > 1 && !(parts[parts.length - 2] === 'public' && VIEW_BY_NAME.get(name)?.global);
      if (qualified) {
        if (parts[parts.length - 2] !== 'information_schema' || !INFORMATION_SCHEMA_TABLES.includes(name)) {
          throw new DataFusionParseError(`Error during planning: table '${parts.join('.')}' not found`);
        }
        const source = ['routines', 'parameters'].includes(name) ? 'lake.__df_views WHERE false' : `lake.__df_${name}`;
        scope.rels.push({ qualifier: aliasName ?? name });
        return `(SELECT * FROM ${source})${this.alias(t.alias) || ` AS ${q(name)}`}`;
      }
      const cte = scope.ctes.has(name) ? scope.ctes.get(name) : undefined;
      scope.rels.push({
        qualifier: aliasName ?? name,
        columns: scope.ctes.has(name) ? cte : viewColumns(name),
      });
      const table = q(name);
      return `${table}${this.alias(t.alias)}`;
    }
    if (tf.Derived) {
      const d = tf.Derived;
      const inner = this.query(d.subquery, { rels: [], ctes: scope.ctes, parent: scope }, false);
      scope.rels.push({ qualifier: d.alias ? identName(d.alias.name) : undefined, columns: inner.columns });
      return `${d.lateral ? 'LATERAL ' : ''}(${inner.sql})${this.alias(d.alias)}`;
    }
    if (tf.UNNEST) {
      const u = tf.UNNEST;
      const args = u.array_exprs.map((e: Node) => this.expr(e, scope));
      scope.rels.push({ qualifier: u.alias ? identName(u.alias.name) : undefined });
      return `unnest(${args.join(', ')})${this.alias(u.alias)}`;
    }
    if (tf.NestedJoin) {
      return `(${this.tableWithJoins(tf.NestedJoin.table_with_joins, scope)})${this.alias(tf.NestedJoin.alias)}`;
    }
    throw new Untranslatable('table factor');
  }

  private viewInstanceColumns(args: Node[]): Map<string, ColType> | undefined {
    const set = args[0]?.Unnamed?.Expr?.Value?.value?.SingleQuotedString;
    return typeof set === 'string' ? viewColumns(set) : undefined;
  }

  private functionArg(a: Node, scope: Scope): string {
    if (a.Unnamed) {
      if (a.Unnamed === 'Wildcard') {
        return '*';
      }
      if (a.Unnamed.Expr) {
        return this.expr(a.Unnamed.Expr, scope);
      }
    }
    throw new Untranslatable('function argument');
  }

  private functionName(f: Node): string {
    return objectName(f.name).join('.');
  }

  /** The name DataFusion gives an unaliased select item. */
  outputName(expr: Node, scope: Scope): string {
    if (expr.Identifier) {
      return identName(expr.Identifier);
    }
    if (expr.CompoundIdentifier) {
      return identName(expr.CompoundIdentifier[expr.CompoundIdentifier.length - 1]);
    }
    return this.name(expr, scope);
  }

  private resolve(column: string, scope: Scope | undefined): string | undefined {
    for (let s = scope; s; s = s.parent) {
      const hit = s.rels.find((r) => r.columns?.has(column));
      if (hit) {
        return hit.qualifier;
      }
      if (s.rels.length === 1 && !s.rels[0]!.columns) {
        return s.rels[0]!.qualifier;
      }
      if (s.rels.length) {
        return undefined;
      }
    }
    return undefined;
  }

  private lookupType(column: string, scope: Scope | undefined, qualifier?: string): ColType {
    for (let s = scope; s; s = s.parent) {
      for (const r of s.rels) {
        if ((qualifier === undefined || r.qualifier === qualifier) && r.columns?.has(column)) {
          return r.columns.get(column)!;
        }
      }
    }
    return 'other';
  }

  /** datafusion-expr's schema_name of an expression. */
  name(e: Node, scope: Scope): string {
    if (e.Identifier) {
      const col = identName(e.Identifier);
      const qual = this.resolve(col, scope);
      return qual ? `${qual}.${col}` : col;
    }
    if (e.CompoundIdentifier) {
      return e.CompoundIdentifier.map(identName).join('.');
    }
    if (e.Value) {
      return this.literalName(e.Value.value);
    }
    if (e.Nested) {
      return this.name(e.Nested, scope);
    }
    if (e.Cast) {
      return this.name(e.Cast.expr, scope);
    }
    if (e.BinaryOp) {
      const [op, prec] = BINARY_OPS[e.BinaryOp.op] ?? [String(e.BinaryOp.op), 0];
      const side = (x: Node): string => {
        const inner = x.Nested ?? x;
        const p = inner.BinaryOp ? (BINARY_OPS[inner.BinaryOp.op]?.[1] ?? 0) : 100;
        return p < prec ? `(${this.name(inner, scope)})` : this.name(inner, scope);
      };
      return `${side(e.BinaryOp.left)} ${op} ${side(e.BinaryOp.right)}`;
    }
    if (e.UnaryOp) {
      const inner = this.name(e.UnaryOp.expr, scope);
      if (e.UnaryOp.op === 'Minus') {
        return e.UnaryOp.expr.Value ? this.negativeLiteral(e.UnaryOp.expr.Value.value) : `(- ${inner})`;
      }
      return e.UnaryOp.op === 'Not' ? `NOT ${inner}` : inner;
    }
    if (e.Function) {
      return this.functionNameDf(e.Function, scope);
    }
    if (e.IsNull !== undefined) {
      return `${this.name(e.IsNull, scope)} IS NULL`;
    }
    if (e.IsNotNull !== undefined) {
      return `${this.name(e.IsNotNull, scope)} IS NOT NULL`;
    }
    if (e.IsTrue !== undefined) {
      return `${this.name(e.IsTrue, scope)} IS TRUE`;
    }
    if (e.IsFalse !== undefined) {
      return `${this.name(e.IsFalse, scope)} IS FALSE`;
    }
    if (e.Like || e.ILike) {
      const l = e.Like ?? e.ILike;
      return `${this.name(l.expr, scope)} ${l.negated ? 'NOT ' : ''}${e.Like ? 'LIKE' : 'ILIKE'} ${this.name(l.pattern, scope)}`;
    }
    if (e.Between) {
      const b = e.Between;
      return `${this.name(b.expr, scope)} ${b.negated ? 'NOT ' : ''}BETWEEN ${this.name(b.low, scope)} AND ${this.name(b.high, scope)}`;
    }
    if (e.InList) {
      const l = e.InList;
      return `${this.name(l.expr, scope)} ${l.negated ? 'NOT ' : ''}IN ([${l.list.map((x: Node) => this.name(x, scope)).join(', ')}])`;
    }
    if (e.Case) {
      const c = e.Case;
      let s = 'CASE ';
      if (c.operand) {
        s += `${this.name(c.operand, scope)} `;
      }
      for (const w of c.conditions) {
        s += `WHEN ${this.name(w.condition, scope)} THEN ${this.name(w.result, scope)} `;
      }
      if (c.else_result) {
        s += `ELSE ${this.name(c.else_result, scope)} `;
      }
      return `${s}END`;
    }
    if (e.Interval) {
      const v = e.Interval.value?.Value?.value?.SingleQuotedString;
      if (typeof v === 'string') {
        const unit = typeof e.Interval.leading_field === 'string' ? ` ${e.Interval.leading_field}` : '';
        return intervalName(`${v}${unit}`);
      }
    }
    if (e.TypedString) {
      const v = e.TypedString.value?.value?.SingleQuotedString;
      return `Utf8("${v}")`;
    }
    if (e.Extract) {
      return `date_part(Utf8("${String(e.Extract.field).toLowerCase()}"),${this.name(e.Extract.expr, scope)})`;
    }
    if (e.Subquery) {
      return '(<subquery>)';
    }
    return 'expr';
  }

  private literalName(v: Node): string {
    if (v === 'Null') {
      return 'NULL';
    }
    if (v.Number) {
      const text: string = v.Number[0];
      return /^\d+$/.test(text) ? `Int64(${text})` : `Float64(${Number(text)})`;
    }
    if (typeof v.SingleQuotedString === 'string') {
      return `Utf8("${v.SingleQuotedString}")`;
    }
    if (typeof v.Boolean === 'boolean') {
      return `Boolean(${v.Boolean})`;
    }
    return 'literal';
  }

  private negativeLiteral(v: Node): string {
    if (v.Number) {
      const text: string = v.Number[0];
      return /^\d+$/.test(text) ? `Int64(-${text})` : `Float64(-${Number(text)})`;
    }
    return `(- ${this.literalName(v)})`;
  }

  private functionNameDf(f: Node, scope: Scope): string {
    const fname = this.functionName(f).toLowerCase();
    const list = f.args?.List;
    const args: string[] = (list?.args ?? []).map((a: Node) =>
      a.Unnamed === 'Wildcard' ? '*' : a.Unnamed?.Expr ? this.name(a.Unnamed.Expr, scope) : '?'
    );
    const distinct = list?.duplicate_treatment === 'Distinct' ? 'DISTINCT ' : '';
    if (fname === 'count' && args.length === 1 && args[0] === '*') {
      return f.over ? this.windowName('count(*)', f.over, scope) : 'count(*)';
    }
    let s = `${fname}(${distinct}${args.join(',')})`;
    if (f.within_group?.length) {
      s += ` WITHIN GROUP [${f.within_group.map((o: Node) => this.orderName(o, scope)).join(', ')}]`;
    }
    return f.over ? this.windowName(s, f.over, scope) : s;
  }

  private orderName(o: Node, scope: Scope): string {
    const asc = o.options?.asc !== false;
    const nullsFirst = o.options?.nulls_first ?? !asc;
    return `${this.name(o.expr, scope)} ${asc ? 'ASC' : 'DESC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
  }

  private windowName(fn: string, over: Node, scope: Scope): string {
    const spec = over.WindowSpec;
    if (!spec) {
      return fn;
    }
    let s = fn;
    if (spec.partition_by?.length) {
      s += ` PARTITION BY [${spec.partition_by.map((e: Node) => this.name(e, scope)).join(', ')}]`;
    }
    if (spec.order_by?.length) {
      s += ` ORDER BY [${spec.order_by.map((o: Node) => this.orderName(o, scope)).join(', ')}]`;
      s += ' RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW';
    } else {
      s += ' ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING';
    }
    return s;
  }

  /** A coarse type, enough to pick DataFusion's cast semantics. */
  typeOf(e: Node, scope: Scope): ColType {
    if (e.Identifier) {
      return this.lookupType(identName(e.Identifier), scope);
    }
    if (e.CompoundIdentifier) {
      const parts = e.CompoundIdentifier.map(identName);
      return this.lookupType(parts[parts.length - 1], scope, parts.slice(0, -1).join('.'));
    }
    if (e.Nested) {
      return this.typeOf(e.Nested, scope);
    }
    if (e.Cast) {
      return castType(e.Cast.data_type)[2];
    }
    if (e.TypedString) {
      return castType(e.TypedString.data_type)[2];
    }
    if (e.Interval) {
      return 'interval';
    }
    if (e.Value) {
      const v = e.Value.value;
      return v.Number
        ? /^\d+$/.test(v.Number[0])
          ? 'int'
          : 'float'
        : typeof v.SingleQuotedString === 'string'
          ? 'str'
          : 'other';
    }
    if (e.BinaryOp) {
      const l = this.typeOf(e.BinaryOp.left, scope);
      const r = this.typeOf(e.BinaryOp.right, scope);
      switch (e.BinaryOp.op) {
        case 'Minus':
          return l === 'ts' && r === 'ts'
            ? 'interval'
            : l === 'ts'
              ? 'ts'
              : l === r
                ? l
                : l === 'float' || r === 'float'
                  ? 'float'
                  : 'other';
        case 'Plus':
          return l === 'ts' || r === 'ts' ? 'ts' : l === r ? l : l === 'float' || r === 'float' ? 'float' : 'other';
        case 'Multiply':
        case 'Divide':
        case 'Modulo':
          return l === 'int' && r === 'int' ? 'int' : l === 'interval' ? 'interval' : 'float';
        default:
          return 'bool';
      }
    }
    if (e.Function) {
      const n = this.functionName(e.Function).toLowerCase();
      const args = e.Function.args?.List?.args ?? [];
      const first = args[0]?.Unnamed?.Expr;
      if (
        [
          'now',
          'date_bin',
          'date_trunc',
          'to_timestamp',
          'to_timestamp_nanos',
          'to_timestamp_micros',
          'to_timestamp_millis',
          'to_timestamp_seconds',
          'from_unixtime',
          'current_timestamp',
        ].includes(n)
      ) {
        return 'ts';
      }
      if (['min', 'max', 'first_value', 'last_value'].includes(n) && first) {
        return this.typeOf(first, scope);
      }
      if (['count', 'length', 'strpos'].includes(n)) {
        return 'int';
      }
      if (['avg', 'stddev', 'variance'].includes(n)) {
        return 'float';
      }
      if (n === 'sum' && first) {
        return this.typeOf(first, scope);
      }
    }
    return 'other';
  }

  private orderBy(o: Node, scope: Scope): string {
    const asc = o.options?.asc;
    const nulls = o.options?.nulls_first;
    // DataFusion's default: NULLS LAST for ASC, NULLS FIRST for DESC (as DuckDB's).
    return `${this.expr(o.expr, scope)}${asc === false ? ' DESC' : asc === true ? ' ASC' : ''}${nulls === true ? ' NULLS FIRST' : nulls === false ? ' NULLS LAST' : ''}`;
  }

  /** DuckDB text of an expression. `arith`: an integer literal here is Int64, as DataFusion reads it. */
  expr(e: Node, scope: Scope, arith = false): string {
    if (e.Identifier) {
      return q(identName(e.Identifier));
    }
    if (e.CompoundIdentifier) {
      return e.CompoundIdentifier.map((i: Node) => q(identName(i))).join('.');
    }
    if (e.Value) {
      return this.literal(e.Value.value, arith);
    }
    if (e.Nested) {
      return `(${this.expr(e.Nested, scope, arith)})`;
    }
    if (e.BinaryOp) {
      const op = BINARY_OPS[e.BinaryOp.op];
      if (!op) {
        throw new Untranslatable(`operator ${e.BinaryOp.op}`);
      }
      const numeric = ['Plus', 'Minus', 'Multiply', 'Divide', 'Modulo'].includes(e.BinaryOp.op);
      return `(${this.expr(e.BinaryOp.left, scope, numeric)} ${op[0]} ${this.expr(e.BinaryOp.right, scope, numeric)})`;
    }
    if (e.UnaryOp) {
      const ops: Record<string, string> = { Minus: '-', Plus: '+', Not: 'NOT ' };
      if (!ops[e.UnaryOp.op]) {
        throw new Untranslatable('unary operator');
      }
      return `(${ops[e.UnaryOp.op]}${this.expr(e.UnaryOp.expr, scope, arith)})`;
    }
    if (e.Cast) {
      return this.cast(e.Cast, scope);
    }
    if (e.Function) {
      return this.func(e.Function, scope);
    }
    if (e.IsNull !== undefined) {
      return `(${this.expr(e.IsNull, scope)} IS NULL)`;
    }
    if (e.IsNotNull !== undefined) {
      return `(${this.expr(e.IsNotNull, scope)} IS NOT NULL)`;
    }
    if (e.IsTrue !== undefined) {
      return `(${this.expr(e.IsTrue, scope)} IS TRUE)`;
    }
    if (e.IsFalse !== undefined) {
      return `(${this.expr(e.IsFalse, scope)} IS FALSE)`;
    }
    if (e.IsDistinctFrom) {
      return `(${this.expr(e.IsDistinctFrom[0], scope)} IS DISTINCT FROM ${this.expr(e.IsDistinctFrom[1], scope)})`;
    }
    if (e.IsNotDistinctFrom) {
      return `(${this.expr(e.IsNotDistinctFrom[0], scope)} IS NOT DISTINCT FROM ${this.expr(e.IsNotDistinctFrom[1], scope)})`;
    }
    if (e.Like || e.ILike) {
      const l = e.Like ?? e.ILike;
      if (l.any) {
        throw new Untranslatable('like any');
      }
      const escape = l.escape_char ? ` ESCAPE ${this.literal(l.escape_char, false)}` : '';
      return `(${this.expr(l.expr, scope)} ${l.negated ? 'NOT ' : ''}${e.Like ? 'LIKE' : 'ILIKE'} ${this.expr(l.pattern, scope)}${escape})`;
    }
    if (e.Between) {
      const b = e.Between;
      return `(${this.expr(b.expr, scope)} ${b.negated ? 'NOT ' : ''}BETWEEN ${this.expr(b.low, scope)} AND ${this.expr(b.high, scope)})`;
    }
    if (e.InList) {
      const l = e.InList;
      return `(${this.expr(l.expr, scope)} ${l.negated ? 'NOT ' : ''}IN (${l.list.map((x: Node) => this.expr(x, scope)).join(', ')}))`;
    }
    if (e.InSubquery) {
      const s = e.InSubquery;
      const inner = this.query(s.subquery, scope, false);
      return `(${this.expr(s.expr, scope)} ${s.negated ? 'NOT ' : ''}IN (${inner.sql}))`;
    }
    if (e.Exists) {
      return `(${e.Exists.negated ? 'NOT ' : ''}EXISTS (${this.query(e.Exists.subquery, scope, false).sql}))`;
    }
    if (e.Subquery) {
      return `(${this.query(e.Subquery, scope, false).sql})`;
    }
    if (e.Case) {
      const c = e.Case;
      let s = 'CASE';
      if (c.operand) {
        s += ` ${this.expr(c.operand, scope)}`;
      }
      for (const w of c.conditions) {
        s += ` WHEN ${this.expr(w.condition, scope)} THEN ${this.expr(w.result, scope, true)}`;
      }
      if (c.else_result) {
        s += ` ELSE ${this.expr(c.else_result, scope, true)}`;
      }
      return `${s} END`;
    }
    if (e.Interval) {
      const v = e.Interval.value?.Value?.value?.SingleQuotedString;
      if (typeof v !== 'string') {
        throw new Untranslatable('interval');
      }
      const unit = typeof e.Interval.leading_field === 'string' ? ` ${e.Interval.leading_field}` : '';
      return `INTERVAL ${lit(`${v}${unit}`)}`;
    }
    if (e.TypedString) {
      const v = e.TypedString.value?.value?.SingleQuotedString;
      if (typeof v !== 'string') {
        throw new Untranslatable('typed string');
      }
      return `CAST(${lit(v)} AS ${castType(e.TypedString.data_type)[0]})`;
    }
    if (e.Extract) {
      return `date_part(${lit(String(e.Extract.field).toLowerCase())}, ${this.expr(e.Extract.expr, scope)})`;
    }
    if (e.Array) {
      return `[${e.Array.elem.map((x: Node) => this.expr(x, scope)).join(', ')}]`;
    }
    if (e.CompoundFieldAccess || e.MapAccess || e.Subscript) {
      throw new Untranslatable('field access');
    }
    throw new Untranslatable(`expression ${Object.keys(e)[0]}`);
  }

  private literal(v: Node, arith: boolean): string {
    if (v === 'Null') {
      return 'NULL';
    }
    if (v.Number) {
      const text: string = v.Number[0];
      if (/^\d+$/.test(text)) {
        return arith ? `CAST(${text} AS BIGINT)` : text;
      }
      // DataFusion parses decimal literals as Float64; DuckDB as DECIMAL.
      return `CAST(${text} AS DOUBLE)`;
    }
    if (typeof v.SingleQuotedString === 'string') {
      return lit(v.SingleQuotedString);
    }
    if (typeof v.Boolean === 'boolean') {
      return v.Boolean ? 'TRUE' : 'FALSE';
    }
    throw new Untranslatable('literal');
  }

  private cast(c: Node, scope: Scope): string {
    const [duck, , target] = castType(c.data_type);
    const from = this.typeOf(c.expr, scope);
    const inner = this.expr(c.expr, scope);
    const fn = c.kind === 'TryCast' || c.kind === 'SafeCast' ? 'TRY_CAST' : 'CAST';
    if (target === 'int' && (from === 'ts' || from === 'interval')) {
      // DataFusion: Timestamp(ns) and Duration(ns) cast to integers as nanoseconds.
      return `${fn}(epoch_ns(${inner}) AS ${duck})`;
    }
    if (duck === 'TIMESTAMP' && from === 'int') {
      return `make_timestamp_ns(${inner})`;
    }
    return `${fn}(${inner} AS ${duck})`;
  }

  private func(f: Node, scope: Scope): string {
    if (f.filter || f.null_treatment || (f.args && !f.args.List && f.args !== 'None')) {
      throw new Untranslatable('function form');
    }
    const raw = this.functionName(f);
    const name = raw.toLowerCase();
    const list = f.args?.List;
    const argNodes: Node[] = list?.args ?? [];
    const argExprs: Node[] = argNodes.map((a) => a.Unnamed?.Expr);
    const args = argNodes.map((a) => this.functionArg(a, scope));
    if (list?.clauses?.some((c: Node) => !c.OrderBy)) {
      throw new Untranslatable('function clause');
    }
    const orderClause = list?.clauses?.find((c: Node) => c.OrderBy)?.OrderBy;
    const order = orderClause ? ` ORDER BY ${orderClause.map((o: Node) => this.orderBy(o, scope)).join(', ')}` : '';
    const distinct = list?.duplicate_treatment === 'Distinct' ? 'DISTINCT ' : '';
    const over = f.over ? ` OVER ${this.window(f.over, scope)}` : '';
    const strArg = (i: number): string | undefined => argExprs[i]?.Value?.value?.SingleQuotedString;
    const call = (n: string, a: string[] = args): string => `${n}(${distinct}${a.join(', ')}${order})${over}`;
    switch (name) {
      case 'approx_percentile_cont':
      case 'approx_percentile_cont_with_weight':
        // DuckDB's approx_quantile takes a FLOAT fraction.
        if (f.within_group?.length) {
          return call('approx_quantile', [this.expr(f.within_group[0].expr, scope), `CAST(${args[0]} AS FLOAT)`]);
        }
        return call('approx_quantile', [args[0]!, `CAST(${args[1]} AS FLOAT)`]);
      case 'approx_median':
        return call('approx_quantile', [args[0]!, '0.5']);
      case 'median':
        return call('quantile_cont', [args[0]!, '0.5']);
      case 'arrow_cast': {
        const target = ARROW_TYPES[strArg(1) ?? ''];
        if (target) {
          return `CAST(${args[0]} AS ${target})`;
        }
        if (/^Timestamp\(/.test(strArg(1) ?? '')) {
          return /"|Some/.test(strArg(1)!) ? `CAST(${args[0]} AS TIMESTAMPTZ)` : `CAST(${args[0]} AS TIMESTAMP)`;
        }
        throw new Untranslatable('arrow_cast type');
      }
      case 'encode':
        if ((strArg(1) ?? '').toLowerCase() === 'hex') {
          return `lower(hex(${args[0]}))`;
        }
        if ((strArg(1) ?? '').toLowerCase() === 'base64') {
          return `to_base64(${args[0]})`;
        }
        break;
      case 'to_hex':
        return `lower(hex(${args[0]}))`;
      case 'to_timestamp':
        if (argExprs.length === 1 && this.typeOf(argExprs[0], scope) === 'str') {
          // DataFusion: RFC 3339 text → Timestamp(ns) in UTC, no zone.
          return `CAST(CAST(${args[0]} AS TIMESTAMPTZ) AS TIMESTAMP)`;
        }
        break;
      case 'named_struct': {
        const fields: string[] = [];
        for (let i = 0; i + 1 < args.length; i += 2) {
          fields.push(`${q(strArg(i) ?? `c${i}`)} := ${args[i + 1]}`);
        }
        return `struct_pack(${fields.join(', ')})`;
      }
      case 'date_part':
      case 'datepart':
        return `CAST(date_part(${args.join(', ')}) AS INTEGER)`;
      case 'jsonb_path_query': {
        // Every match as a JSONB array; DuckDB's JSONPath returns a list for wildcard paths only.
        const pathText = strArg(1);
        if (pathText === undefined || pathText.includes('?')) {
          throw new Untranslatable('jsonb_path_query path');
        }
        return pathText.includes('*')
          ? `to_json(json_extract(${args[0]}, ${args[1]}))`
          : `to_json(list_filter(json_extract(${args[0]}, [${args[1]}]), x -> x IS NOT NULL))`;
      }
      case 'approx_distinct':
        return `CAST(${call('approx_count_distinct')} AS UBIGINT)`;
      case 'cardinality':
        return `CAST(${call('len')} AS UBIGINT)`;
      case 'properties_to_dict':
        // Micromegas' signature is exact: List<Struct<key, value>>; the views' properties are JSONB.
        throw new DataFusionParseError(
          `Error during planning: Failed to coerce arguments to satisfy a call to 'properties_to_dict' function: coercion from ${this.typeOf(argExprs[0], scope) === 'json' ? 'Dictionary(Int32, Binary)' : 'the argument type'} to the signature Exact([List(Struct(key Utf8, value Utf8))]) failed`
        );
      case 'row_number':
      case 'rank':
      case 'dense_rank':
      case 'ntile':
        // DataFusion's ranking window functions return UInt64.
        return `CAST(${call(name)} AS UBIGINT)`;
      case 'nullif':
      case 'coalesce':
        return call(
          name,
          argExprs.map((x) => (x ? this.expr(x, scope, true) : '*'))
        );
    }
    const target = RENAMES[name] ?? raw;
    return call(target);
  }

  private window(over: Node, scope: Scope): string {
    if (over.NamedWindow) {
      throw new Untranslatable('named window');
    }
    const spec = over.WindowSpec;
    const parts: string[] = [];
    if (spec.partition_by?.length) {
      parts.push(`PARTITION BY ${spec.partition_by.map((e: Node) => this.expr(e, scope)).join(', ')}`);
    }
    if (spec.order_by?.length) {
      parts.push(`ORDER BY ${spec.order_by.map((o: Node) => this.orderBy(o, scope)).join(', ')}`);
    }
    if (spec.window_frame) {
      throw new Untranslatable('window frame');
    }
    return `(${parts.join(' ')})`;
  }
}
