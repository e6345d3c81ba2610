// Explore's "filter for value" / "filter out value" (log details) and "Add to filters":
// `key = 'value'` / `key != 'value'` conditions added to, found in and removed from the
// statement's own WHERE clause, as a person would edit the SQL. Statements without a
// top-level FROM, or combining SELECTs (UNION…), are filtered around: `SELECT * FROM (…)`.
import { levelNumber } from './logLevels';
import { quoteLiteral } from '../shared/sql';

export type FilterOperator = '=' | '!=';

export interface SqlFilter {
  key: string;
  operator: FilterOperator;
  value: string;
}

const PLAIN = /^[a-z_][a-z0-9_]*$/;

/**
 * The SQL with string literals, quoted identifiers and comments blanked (same length), and
 * the parenthesis depth at each offset, so keyword searches see top-level code only. The
 * frontend's copy of the backend lexer's view (pkg/query/sqlscan.ts topLevelView), which
 * the frontend build cannot import.
 */
function topLevelView(sql: string): { masked: string; depth: number[] } {
  let masked = '';
  for (let i = 0; i < sql.length;) {
    const two = sql.slice(i, i + 2);
    let end = i + 1;
    if (two === '--') {
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? sql.length : nl;
    } else if (two === '/*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (sql[i] === "'" || sql[i] === '"') {
      const q = sql[i];
      end = i + 1;
      while (end < sql.length && !(sql[end] === q && sql[end + 1] !== q)) {
        end += sql[end] === q ? 2 : 1;
      }
      end = Math.min(end + 1, sql.length);
    } else {
      masked += sql[i];
      i++;
      continue;
    }
    masked += ' '.repeat(end - i);
    i = end;
  }
  const depth: number[] = [];
  let d = 0;
  for (const c of masked) {
    depth.push(d);
    d += c === '(' ? 1 : c === ')' ? -1 : 0;
  }
  return { masked, depth };
}
/** Clauses that end a WHERE (or a FROM without WHERE) at the top level. */
const AFTER_WHERE = /\b(?:GROUP\s+BY|HAVING|WINDOW|QUALIFY|ORDER\s+BY|LIMIT|OFFSET)\b/gi;

function ident(name: string): string {
  return PLAIN.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** The literal of a value: Micromegas levels are numbers, Explore shows their names. */
function literal(f: SqlFilter): string {
  const level = f.key.toLowerCase() === 'level' ? levelNumber(f.value) : undefined;
  return level !== undefined ? String(level) : quoteLiteral(f.value);
}

export function filterCondition(f: SqlFilter): string {
  return `${ident(f.key)} ${f.operator} ${literal(f)}`;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches the condition as people write it: any spacing, key quoted or not, `<>` for `!=`. */
function conditionPattern(f: SqlFilter): RegExp {
  const key = `(?:${escapeRe(f.key)}|"${escapeRe(f.key.replace(/"/g, '""'))}")`;
  const op = f.operator === '=' ? '=' : '(?:!=|<>)';
  return new RegExp(`^${key}\\s*${op}\\s*${escapeRe(literal(f))}$`, 'i');
}

interface Where {
  /** Offsets of the clause's conditions (after WHERE) and of the clause's end. */
  start: number;
  end: number;
  /** Offset of the WHERE keyword. */
  keyword: number;
}

interface Shape {
  body: string;
  /** The trailing `;` and spaces, put back after editing. */
  tail: string;
  where?: Where;
  /** Where a new WHERE goes when there is none: the end of the FROM clause. */
  fromEnd?: number;
}

function firstAfter(offsets: number[], after: number): number | undefined {
  return offsets.find((o) => o > after);
}

/** The statement's top-level FROM and WHERE, or undefined when it has no single top-level FROM. */
function shape(sql: string): Shape | undefined {
  const m = /;?\s*$/.exec(sql);
  const body = sql.slice(0, m?.index ?? sql.length);
  const view = topLevelView(body);
  const top = (re: RegExp) => [...view.masked.matchAll(re)].map((x) => x.index ?? 0).filter((i) => view.depth[i] === 0);
  if (top(/\b(?:UNION|INTERSECT|EXCEPT)\b/gi).length > 0) {
    return undefined;
  }
  const from = top(/\bFROM\b/gi)[0];
  if (from === undefined) {
    return undefined;
  }
  const tail = sql.slice(body.length);
  const whereAt = firstAfter(top(/\bWHERE\b/gi), from);
  const after = top(AFTER_WHERE);
  const trimEnd = (end: number) => {
    let e = end;
    while (e > 0 && /\s/.test(body[e - 1])) {
      e--;
    }
    return e;
  };
  if (whereAt !== undefined) {
    const end = trimEnd(firstAfter(after, whereAt) ?? body.length);
    return { body, tail, where: { keyword: whereAt, start: whereAt + 'WHERE'.length, end } };
  }
  return { body, tail, fromEnd: trimEnd(firstAfter(after, from) ?? body.length) };
}

/** The WHERE clause's top-level AND-ed conditions, with their offsets in the statement. */
function conjuncts(body: string, where: Where): Array<{ start: number; end: number; text: string }> {
  const view = topLevelView(body.slice(where.start, where.end));
  const cuts = [...view.masked.matchAll(/\bAND\b/gi)].map((x) => x.index ?? 0).filter((i) => view.depth[i] === 0);
  const out: Array<{ start: number; end: number; text: string }> = [];
  let from = 0;
  for (const cut of [...cuts, view.masked.length]) {
    out.push({
      start: where.start + from,
      end: where.start + cut,
      text: body.slice(where.start + from, where.start + cut),
    });
    from = cut + 'AND'.length;
  }
  return out;
}

function hasTopLevelOr(body: string, where: Where): boolean {
  const view = topLevelView(body.slice(where.start, where.end));
  return [...view.masked.matchAll(/\bOR\b/gi)].some((x) => view.depth[x.index ?? 0] === 0);
}

/** True when the statement's WHERE has the condition (as one of its AND-ed conditions). */
export function hasFilter(sql: string, f: SqlFilter): boolean {
  const s = shape(sql);
  if (!s?.where || hasTopLevelOr(s.body, s.where)) {
    return false;
  }
  const re = conditionPattern(f);
  return conjuncts(s.body, s.where).some((c) => re.test(c.text.trim()));
}

/** The statement with the condition removed (and WHERE with it when it was the only one). */
export function removeFilter(sql: string, f: SqlFilter): string {
  const s = shape(sql);
  if (!s?.where || hasTopLevelOr(s.body, s.where)) {
    return sql;
  }
  const re = conditionPattern(f);
  const parts = conjuncts(s.body, s.where);
  const k = parts.findIndex((c) => re.test(c.text.trim()));
  if (k < 0) {
    return sql;
  }
  const { body } = s;
  let out: string;
  if (parts.length === 1) {
    // The only condition: the WHERE goes too, with the spaces before it.
    let start = s.where.keyword;
    while (start > 0 && /\s/.test(body[start - 1])) {
      start--;
    }
    out = body.slice(0, start) + body.slice(s.where.end);
  } else if (k === 0) {
    // The first: up to the next condition's first character.
    const next = parts[1].start + (parts[1].text.length - parts[1].text.trimStart().length);
    out = body.slice(0, parts[0].start + (parts[0].text.length - parts[0].text.trimStart().length)) + body.slice(next);
  } else {
    // Any other: from the end of the previous condition (its AND goes with it).
    const prev = parts[k - 1];
    const prevEnd = prev.start + prev.text.trimEnd().length;
    out = body.slice(0, prevEnd) + body.slice(parts[k].start + parts[k].text.trimEnd().length);
  }
  return out + s.tail;
}

/** The statement with the condition added to its WHERE (created when missing). */
export function addFilter(sql: string, f: SqlFilter): string {
  if (hasFilter(sql, f)) {
    return sql;
  }
  const condition = filterCondition(f);
  const s = shape(sql);
  if (!s) {
    const body = sql.replace(/;?\s*$/, '');
    return `SELECT * FROM (\n${body}\n) AS filtered\nWHERE ${condition}`;
  }
  const { body, tail, where } = s;
  if (where) {
    const clause = body.slice(where.start, where.end);
    if (hasTopLevelOr(body, where)) {
      return `${body.slice(0, where.start)} (${clause.trim()})\n  AND ${condition}${body.slice(where.end)}${tail}`;
    }
    return `${body.slice(0, where.end)}\n  AND ${condition}${body.slice(where.end)}${tail}`;
  }
  const at = s.fromEnd!;
  return `${body.slice(0, at)}\nWHERE ${condition}${body.slice(at)}${tail}`;
}

/**
 * Log details' toggles: the same filter again removes it; otherwise the opposite one
 * (`!=` for `=`) is replaced.
 */
export function toggleFilter(sql: string, f: SqlFilter): string {
  if (hasFilter(sql, f)) {
    return removeFilter(sql, f);
  }
  const opposite: SqlFilter = { ...f, operator: f.operator === '=' ? '!=' : '=' };
  return addFilter(removeFilter(sql, opposite), f);
}
