// The statement analyser: one linear pass over a query's SQL gives what the frontend, the
// backend and the dev server need to know about it — its top-level clauses, the trailing
// ORDER BY / LIMIT, whether it can be a subquery, the tables it reads and its template
// variables/macros. "Top level" means outside parentheses (subqueries, CTE bodies, window
// specs, function arguments), strings, quoted identifiers and comments (lexer.ts).
// Checked against DataFusion's own parser (sqlparser-rs) by tests/sql/differential.test.ts.
import { segments, type Segment } from './lexer';
import { templateSpans, type TemplateSpan } from './variables';

export interface Clause {
  /** Lower-case keyword, words joined by one space: `select`, `order by`, `limit`… */
  keyword: string;
  start: number;
  /** Offset just past the keyword. */
  end: number;
}

export interface StatementAnalysis {
  sql: string;
  segments: Segment[];
  /** The SQL with strings, quoted identifiers and comments blanked (same length). */
  masked: string;
  /** The SQL with comments blanked only: the text clauses are read from. */
  plain: string;
  /** Top-level clause keywords, in order. */
  clauses: Clause[];
  /** The first keyword of the statement (`select`, `with`, `show`…), lower case. */
  leading?: string;
  /** SELECT, WITH, VALUES or FROM-first: the statement can be a subquery (SHOW, EXPLAIN… cannot). */
  wrappable: boolean;
  /** The trailing ORDER BY / LIMIT / OFFSET / FETCH after the statement's last clause, if any. */
  tail?: {
    start: number;
    orderBy?: { start: number; bodyStart: number; end: number; items: Array<{ start: number; end: number }> };
    /** The top-level LIMIT / FETCH, which caps the rows of the whole statement. */
    limit?: Clause;
  };
  /** Tables the statement reads (`FROM t`, `JOIN "t"`, `view_instance('set', 'id')`), in order, once each. */
  tables: string[];
  /** Template variables and macro calls anywhere in the text (also inside quotes and comments). */
  templates: TemplateSpan[];
}

/** Keywords that start a part of a statement; a trailing ORDER BY / LIMIT only counts after the last one. */
const BODY_CLAUSES = new Set([
  'with',
  'select',
  'from',
  'where',
  'group by',
  'having',
  'window',
  'qualify',
  'union',
  'intersect',
  'except',
  'values',
]);
const TAIL_CLAUSES = new Set(['order by', 'limit', 'offset', 'fetch']);
const WRAPPABLE = new Set(['select', 'with', 'values', 'from']);
const QUERY_STARTS = new Set(['select', 'with', 'values', 'from']);
const NOT_TABLES = new Set(['view_instance', 'select', 'unnest']);

const KEYWORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const SPACE = /\s/;

/** A-Z, a-z, _ */
function isWordStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/** Letters, digits, _, $ and . (a qualified name's part or a variable is no keyword). */
function isWordPart(code: number): boolean {
  return isWordStart(code) || (code >= 48 && code <= 57) || code === 36 || code === 46;
}

// Runs of blanks, made once per length: a long IN list has tens of thousands of short strings.
const BLANKS: string[] = [];
const blanks = (n: number): string => (n < 256 ? (BLANKS[n] ??= ' '.repeat(n)) : ' '.repeat(n));

function blank(segs: readonly Segment[], kinds: ReadonlySet<string>): string {
  let out = '';
  for (const s of segs) {
    out += kinds.has(s.kind) ? blanks(s.text.length) : s.text;
  }
  return out;
}

/** The non-code segment starting exactly at `at` (segments are in text order: a binary search). */
function segmentAt(segs: readonly Segment[], at: number): Segment | undefined {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const start = segs[mid].start;
    if (start === at) {
      return segs[mid].kind === 'code' ? undefined : segs[mid];
    }
    if (start < at) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return undefined;
}

/** The word at `i` of the masked text (any case) and its end. */
function wordAt(masked: string, i: number): { word: string; end: number } | undefined {
  KEYWORD.lastIndex = i;
  const m = KEYWORD.exec(masked);
  return m ? { word: m[0], end: i + m[0].length } : undefined;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && SPACE.test(text[i])) {
    i++;
  }
  return i;
}

/** Unquotes a double-quoted identifier. */
function unquote(ident: string): string {
  return ident.slice(1, ident.endsWith('"') && ident.length > 1 ? -1 : undefined).replace(/""/g, '"');
}

/** A string literal's value ('' doubled quotes; E'…' and dollar quotes kept as written inside). */
function literalValue(text: string): string {
  if (text.startsWith("'")) {
    return text.slice(1, text.endsWith("'") && text.length > 1 ? -1 : undefined).replace(/''/g, "'");
  }
  const tag = /^\$[A-Za-z0-9_]*\$/.exec(text)?.[0] ?? '';
  return text.slice(tag.length, text.endsWith(tag) && text.length >= 2 * tag.length ? -tag.length : undefined);
}

/** Analyses one statement; linear in its length. */
export function analyzeStatement(sql: string): StatementAnalysis {
  const segs = segments(sql);
  const masked = blank(segs, new Set(['comment', 'string', 'identifier']));
  const plain = blank(segs, new Set(['comment']));

  const clauses: Clause[] = [];
  const hits: Array<{ at: number; name: string }> = [];
  let leading: string | undefined;
  let depth = 0;
  // The first word inside each open parenthesis: FROM / JOIN name a table only at the top
  // level or in a subquery, not in EXTRACT(year FROM t) or TRIM(BOTH FROM s).
  const firstWords: Array<string | undefined> = [];
  // ORDER BY items: top-level commas after the last ORDER BY.
  let orderCommas: number[] = [];
  let i = 0;
  while (i < masked.length) {
    const c = masked[i];
    if (c === '(') {
      depth++;
      firstWords.push(undefined);
      i++;
      continue;
    }
    if (c === ')') {
      depth = Math.max(0, depth - 1);
      firstWords.pop();
      i++;
      continue;
    }
    if (c === ',' && depth === 0) {
      orderCommas.push(i);
      i++;
      continue;
    }
    const startsWord = isWordStart(masked.charCodeAt(i)) && (i === 0 || !isWordPart(masked.charCodeAt(i - 1)));
    if (!startsWord) {
      i++;
      continue;
    }
    const w = wordAt(masked, i)!;
    const lower = w.word.toLowerCase();
    let end = w.end;
    let keyword = lower;
    if (lower === 'order' || lower === 'group') {
      const next = wordAt(masked, skipSpace(masked, end));
      if (next && next.word.toLowerCase() === 'by') {
        keyword = `${lower} by`;
        end = next.end;
      }
    }
    if (leading === undefined) {
      leading = keyword;
    }
    if (firstWords.length > 0 && firstWords[firstWords.length - 1] === undefined) {
      firstWords[firstWords.length - 1] = lower;
    }
    const inQuery = firstWords.length === 0 || QUERY_STARTS.has(firstWords[firstWords.length - 1]!);
    if (depth === 0 && (BODY_CLAUSES.has(keyword) || TAIL_CLAUSES.has(keyword))) {
      clauses.push({ keyword, start: i, end });
      if (keyword === 'order by') {
        orderCommas = [];
      }
    }
    if ((lower === 'from' || lower === 'join') && inQuery) {
      // Blanks in `plain` are real blanks or comments (strings and identifiers are kept).
      const at = skipSpace(plain, end);
      const quoted = segmentAt(segs, at);
      if (quoted?.kind === 'identifier') {
        hits.push({ at: i, name: unquote(quoted.text) });
      } else {
        const name = /[A-Za-z_][\w.]*/y;
        name.lastIndex = at;
        const m = name.exec(masked);
        if (m && !NOT_TABLES.has(m[0].toLowerCase())) {
          hits.push({ at: i, name: m[0] });
        }
      }
    } else if (lower === 'view_instance') {
      // View sets have no global table: the whole call is the reference.
      let at = skipSpace(plain, end);
      if (plain[at] === '(') {
        const set = segmentAt(segs, skipSpace(plain, at + 1));
        if (set?.kind === 'string') {
          at = skipSpace(plain, set.start + set.text.length);
          const id = plain[at] === ',' ? segmentAt(segs, skipSpace(plain, at + 1)) : undefined;
          const instance = id?.kind === 'string' ? literalValue(id.text) : 'global';
          hits.push({ at: i, name: `view_instance('${literalValue(set.text)}', '${instance}')` });
        }
      }
    }
    i = end;
  }

  // The tail: ORDER BY / LIMIT / OFFSET / FETCH after the last body clause.
  let lastBody = -1;
  for (let k = 0; k < clauses.length; k++) {
    if (BODY_CLAUSES.has(clauses[k].keyword)) {
      lastBody = k;
    }
  }
  const tailClauses = clauses.slice(lastBody + 1);
  let tail: StatementAnalysis['tail'];
  if (tailClauses.length > 0) {
    tail = { start: tailClauses[0].start };
    const order = tailClauses.find((c) => c.keyword === 'order by');
    if (order) {
      const next = tailClauses.find((c) => c.start > order.start);
      let end = next ? next.start : masked.length;
      const semi = masked.indexOf(';', order.end);
      if (semi >= 0 && semi < end) {
        end = semi;
      }
      const bounds = [order.end, ...orderCommas.filter((p) => p > order.end && p < end).map((p) => p + 1), end + 1];
      const items: Array<{ start: number; end: number }> = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        items.push({ start: bounds[k], end: bounds[k + 1] - 1 });
      }
      tail.orderBy = { start: order.start, bodyStart: order.end, end, items };
    }
    tail.limit = tailClauses.find((c) => c.keyword === 'limit' || c.keyword === 'fetch');
  }

  const seen = new Set<string>();
  const tables: string[] = [];
  for (const h of hits) {
    if (!seen.has(h.name)) {
      seen.add(h.name);
      tables.push(h.name);
    }
  }

  return {
    sql,
    segments: segs,
    masked,
    plain,
    clauses,
    leading,
    wrappable: leading !== undefined && WRAPPABLE.has(leading),
    tail,
    tables,
    templates: templateSpans(sql),
  };
}

/** The statement without its trailing ORDER BY / LIMIT / OFFSET / FETCH and semicolon. */
export function withoutTail(a: StatementAnalysis): string {
  let end = a.tail ? a.tail.start : a.sql.length;
  while (end > 0 && (SPACE.test(a.sql[end - 1]) || a.sql[end - 1] === ';')) {
    end--;
  }
  return a.sql.slice(0, end);
}
