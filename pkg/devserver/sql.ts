// Turns the SQL a client sent into the SQL DuckDB runs: reads test-hook directives,
// rewrites view_instance(...) calls, and notes which views the query reads.
// The plugin's SQL lexer (code vs literals, quoted names, comments): dependency-free.
import { segments } from '../../src/shared/sql';
import { VIEW_BY_NAME, VIEWS, quoteIdent, type ViewDef } from './schema';

export interface Directives {
  failAfterBatches?: number;
  delayMs?: number;
  batchRows?: number;
}

export interface PreparedSql {
  /** What DuckDB executes. */
  sql: string;
  referenced: Set<string>;
  /** The query lists the catalog (SHOW TABLES, information_schema…): every view must exist in its session. */
  catalog: boolean;
  /** Output names of calls that return Dictionary(Int32, Utf8) in Micromegas (property_get, …). */
  dictOutputs: Set<string>;
  directives: Directives;
  /** A view set that needs a time range but none was given (thread_spans). */
  missingRange?: string;
  unknownViewSet?: string;
}

const CATALOG = /\b(?:show|describe|summarize|information_schema|pg_catalog|duckdb_(?:tables|views|columns))\b/i;

const DIRECTIVE = /\/\*\s*devserver:([a-z_]+)\s*=\s*(\d+)\s*\*\//gi;

export function readDirectives(sql: string): Directives {
  const out: Directives = {};
  for (const m of sql.matchAll(DIRECTIVE)) {
    const value = Number(m[2]);
    switch (m[1]!.toLowerCase()) {
      case 'fail_after_batches':
        out.failAfterBatches = value;
        break;
      case 'delay_ms':
        out.delayMs = value;
        break;
      case 'batch_rows':
        out.batchRows = Math.max(1, value);
        break;
    }
  }
  return out;
}

const VIEW_INSTANCE = /view_instance\s*\(\s*'((?:[^']|'')*)'\s*,\s*'((?:[^']|'')*)'\s*\)/gi;

/**
 * DataFusion reads a bare `end` as a column (thread_spans has one); DuckDB reserves it.
 * Quotes every `end` that does not close a CASE, outside literals, quoted names and comments.
 */
export function quoteEndColumns(sql: string): string {
  let caseDepth = 0;
  return segments(sql)
    .map((seg) =>
      seg.kind !== 'code'
        ? seg.text
        : seg.text.replace(/\b(case|end)\b/gi, (word: string) => {
            if (word.toLowerCase() === 'case') {
              caseDepth++;
              return word;
            }
            if (caseDepth > 0) {
              caseDepth--;
              return word;
            }
            return '"end"';
          })
    )
    .join('');
}

const PROCESS_SPANS = /process_spans\s*\(\s*'((?:[^']|'')*)'\s*,\s*'((?:[^']|'')*)'\s*\)/gi;

/**
 * process_spans(process_id, 'thread' | 'async' | 'both'): the process's thread spans with
 * stream_id and thread_name prepended, and its async spans (begin/end events paired) with
 * stream_id '' and thread_name 'async' (functions-reference "process_spans").
 */
function processSpans(pid: string, kinds: string, viewBody: (view: ViewDef) => string): string {
  const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  if (!['thread', 'async', 'both'].includes(kinds)) {
    return `(SELECT error(${lit(`process_spans: types must be 'thread', 'async' or 'both', got '${kinds}'`)}))`;
  }
  const thread = `SELECT t.stream_id AS stream_id, coalesce(json_extract_string(s.properties, '$."thread-name"'), t.stream_id) AS thread_name,
      t.id, t.parent, t.depth, t.hash, t."begin", t."end", t.duration, t.name, t.target, t.filename, t.line
    FROM (${viewBody(VIEW_BY_NAME.get('thread_spans')!)}) t JOIN streams s ON s.stream_id = t.stream_id WHERE s.process_id = ${lit(pid)}`;
  const events = viewBody(VIEW_BY_NAME.get('async_events')!);
  const async = `SELECT '' AS stream_id, 'async' AS thread_name, b.span_id AS id, b.parent_span_id AS parent, b.depth, b.hash,
      b.time AS "begin", e.time AS "end", epoch_ns(e.time) - epoch_ns(b.time) AS duration, b.name, b.target, b.filename, b.line
    FROM (${events}) b JOIN (${events}) e ON e.span_id = b.span_id AND e.process_id = b.process_id AND e.event_type = 'end'
    WHERE b.event_type = 'begin' AND b.process_id = ${lit(pid)}`;
  const parts = kinds === 'thread' ? [thread] : kinds === 'async' ? [async] : [thread, async];
  return `(${parts.join(' UNION ALL ')})`;
}

/** `viewBody` gives the range-filtered rows of a view-instance-only set (with its instance key). */
export function prepareSql(
  input: string,
  hasRange: boolean,
  viewBody: (view: ViewDef) => string,
  original: { sql: string; dictOutputs: Set<string> } = { sql: input, dictOutputs: dictFunctionOutputs(input) }
): PreparedSql {
  const referenced = new Set<string>();
  let missingRange: string | undefined;
  let unknownViewSet: string | undefined;
  const sql = quoteEndColumns(input).replace(VIEW_INSTANCE, (_all, rawSet: string, rawId: string) => {
    const viewSet = rawSet.replace(/''/g, "'");
    const id = rawId.replace(/''/g, "'");
    const view = VIEW_BY_NAME.get(viewSet);
    if (!view || !view.instanceKey) {
      unknownViewSet ??= viewSet;
      return _all;
    }
    referenced.add(view.name);
    if (view.rangeMandatory && !hasRange) {
      missingRange ??= view.name;
    }
    const idLit = `'${id.replace(/'/g, "''")}'`;
    if (view.global) {
      return id === 'global'
        ? view.name
        : `(SELECT * FROM ${view.name} WHERE ${quoteIdent(view.instanceKey)} = ${idLit})`;
    }
    const cols = view.columns.map((c) => quoteIdent(c.name)).join(', ');
    return `(SELECT ${cols} FROM (${viewBody(view)}) WHERE ${quoteIdent(view.instanceKey)} = ${idLit})`;
  });
  const withSpans = sql.replace(PROCESS_SPANS, (_all, rawPid: string, rawKinds: string) => {
    referenced.add('streams');
    referenced.add('thread_spans');
    referenced.add('async_events');
    return processSpans(rawPid.replace(/''/g, "'"), rawKinds.replace(/''/g, "'"), viewBody);
  });
  for (const view of VIEWS) {
    if (view.global && new RegExp(`\\b${view.name}\\b`, 'i').test(withSpans)) {
      referenced.add(view.name);
    }
  }
  return {
    sql: withSpans,
    referenced,
    catalog: CATALOG.test(sql),
    dictOutputs: original.dictOutputs,
    // Directives live in comments, which translation drops: read them from the client's SQL.
    directives: readDirectives(original.sql),
    missingRange,
    unknownViewSet,
  };
}

const DICT_FUNCTIONS = /\b(property_get|jsonb_format_json|jsonb_as_string)\s*\(/gi;

/**
 * Output column names of `property_get(…)`, `jsonb_format_json(…)` and `jsonb_as_string(…)`
 * calls (their alias, or DuckDB's default name for an unaliased call): Micromegas returns
 * these as Dictionary(Int32, Utf8).
 */
export function dictFunctionOutputs(sql: string): Set<string> {
  const out = new Set<string>();
  for (const m of sql.matchAll(DICT_FUNCTIONS)) {
    let depth = 0;
    let i = m.index! + m[0].length - 1;
    let inString = false;
    for (; i < sql.length; i++) {
      const ch = sql[i];
      if (ch === "'") {
        inString = !inString;
      } else if (!inString && ch === '(') {
        depth++;
      } else if (!inString && ch === ')' && --depth === 0) {
        break;
      }
    }
    const alias = /^\s+(?:as\s+)?("(?:[^"]|"")+"|[a-z_][a-z0-9_]*)/i.exec(sql.slice(i + 1));
    const reserved = /^(from|where|group|order|limit|having|union|and|or|is|not|in|like|then|else|end|when|as)$/i;
    if (alias && !reserved.test(alias[1]!)) {
      out.add(alias[1]!.startsWith('"') ? alias[1]!.slice(1, -1).replace(/""/g, '"') : alias[1]!.toLowerCase());
    } else {
      out.add(sql.slice(m.index!, i + 1));
    }
  }
  return out;
}

/** Wraps a statement in an outer LIMIT (the `limit` header). */
export function withLimit(sql: string, limit: number): string {
  const body = sql.trim().replace(/;+\s*$/, '');
  return `SELECT * FROM (\n${body}\n) LIMIT ${limit}`;
}
