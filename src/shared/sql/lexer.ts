// The SQL lexer of the plugin (frontend, backend and dev server): tells code from string
// literals, quoted identifiers and comments, with DataFusion's rules (sqlparser-rs, generic
// dialect): '…' with doubled quotes, E'…' with backslash escapes, dollar-quoted $$…$$ and
// $tag$…$tag$, "…" identifiers, -- line comments and nested /* … */ comments. One pass,
// linear in the text; dependency-free.

export type SegmentKind = 'code' | 'string' | 'identifier' | 'comment';

export interface Segment {
  kind: SegmentKind;
  text: string;
  /** Offset of the segment in the input. */
  start: number;
}

const WORD_CHAR = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** End offset (exclusive) of the quoted token whose opening quote is at `i`. */
function quotedEnd(sql: string, i: number, quote: string, backslashEscapes: boolean): number {
  let j = i + 1;
  while (j < sql.length) {
    const c = sql[j];
    if (backslashEscapes && c === '\\') {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (sql[j + 1] === quote) {
        j += 2; // doubled quote = escaped quote
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return sql.length; // unterminated: the server reports it
}

/** End offset (exclusive) of the block comment opened at `i`; block comments nest. */
function blockCommentEnd(sql: string, i: number): number {
  let depth = 1;
  let j = i + 2;
  while (j < sql.length) {
    if (sql[j] === '/' && sql[j + 1] === '*') {
      depth++;
      j += 2;
    } else if (sql[j] === '*' && sql[j + 1] === '/') {
      depth--;
      j += 2;
      if (depth === 0) {
        return j;
      }
    } else {
      j++;
    }
  }
  return sql.length;
}

/**
 * The string, quoted identifier or comment starting at `i` (its kind and end offset), or
 * undefined when `sql[i]` is code. A `$` opens a dollar-quoted string only as `$$` or
 * `$tag$`, never as a Grafana variable (`$host`, `$__timeFilter(…)`, `${x}`).
 */
export function skipNonCode(sql: string, i: number): { kind: SegmentKind; end: number } | undefined {
  const c = sql[i];
  if (c === "'") {
    // E'…' strings take backslash escapes.
    const prev = sql[i - 1];
    const escaped = (prev === 'e' || prev === 'E') && !WORD_CHAR.test(sql[i - 2] ?? '');
    return { kind: 'string', end: quotedEnd(sql, i, "'", escaped) };
  }
  if (c === '"') {
    return { kind: 'identifier', end: quotedEnd(sql, i, '"', false) };
  }
  if (c === '-' && sql[i + 1] === '-') {
    const nl = sql.indexOf('\n', i);
    return { kind: 'comment', end: nl < 0 ? sql.length : nl };
  }
  if (c === '/' && sql[i + 1] === '*') {
    return { kind: 'comment', end: blockCommentEnd(sql, i) };
  }
  if (c === '$' && !WORD_CHAR.test(sql[i - 1] ?? '')) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql);
    if (tag) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      return { kind: 'string', end: close < 0 ? sql.length : close + tag[0].length };
    }
  }
  return undefined;
}

/** Splits SQL into code and non-code segments (concatenating the texts gives the input). */
export function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let codeStart = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    // Only these characters can open a non-code token.
    const skip = c === "'" || c === '"' || c === '-' || c === '/' || c === '$' ? skipNonCode(sql, i) : undefined;
    if (!skip) {
      i++;
      continue;
    }
    if (i > codeStart) {
      out.push({ kind: 'code', text: sql.slice(codeStart, i), start: codeStart });
    }
    out.push({ kind: skip.kind, text: sql.slice(i, skip.end), start: i });
    i = skip.end;
    codeStart = i;
  }
  if (codeStart < sql.length) {
    out.push({ kind: 'code', text: sql.slice(codeStart), start: codeStart });
  }
  return out;
}

export interface ParsedArgs {
  args: string[];
  /** Offset just past the closing parenthesis. */
  end: number;
}

/**
 * Parses a parenthesised argument list starting at `open` (the '(' offset): commas split
 * only at depth 1, outside strings, identifiers and comments. Returns undefined when the
 * list is not closed.
 */
export function parseArgs(sql: string, open: number): ParsedArgs | undefined {
  const args: string[] = [];
  let depth = 1;
  let argStart = open + 1;
  let i = open + 1;
  while (i < sql.length) {
    const skip = skipNonCode(sql, i);
    if (skip) {
      i = skip.end;
      continue;
    }
    const c = sql[i];
    if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
      if (depth === 0) {
        args.push(sql.slice(argStart, i).trim());
        // `f()` has no arguments rather than one empty one.
        return { args: args.length === 1 && args[0] === '' ? [] : args, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(sql.slice(argStart, i).trim());
      argStart = i + 1;
    }
    i++;
  }
  return undefined;
}

/** Quotes an SQL identifier (always, so case and special characters survive). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * A statement as a derived table, `(<sql>) AS alias`: without its trailing semicolon (it
 * would end the statement inside the parentheses) and with a newline before ")" (which ends
 * a trailing line comment).
 */
export function asSubquery(sql: string, alias: string): string {
  let end = sql.length;
  while (end > 0 && /\s/.test(sql[end - 1])) {
    end--;
  }
  const body = sql[end - 1] === ';' ? sql.slice(0, end - 1) : sql;
  return `(\n${body}\n) AS ${alias}`;
}
