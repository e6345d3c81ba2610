// A small SQL lexer: just enough to tell code from string literals, quoted identifiers and
// comments, so macros are only expanded in code, argument lists split correctly and clauses
// (ORDER BY, LIMIT…) found at the top level only.

export type SegmentKind = 'code' | 'string' | 'identifier' | 'comment';

export interface Segment {
  kind: SegmentKind;
  text: string;
  /** Offset of the segment in the input. */
  start: number;
}

/** Returns the end offset (exclusive) of the quoted token starting at `i` (quote char at i). */
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

/** Length of the non-code token starting at i, or 0 when sql[i] starts code. */
export function skipNonCode(sql: string, i: number): { kind: SegmentKind; end: number } | undefined {
  const c = sql[i];
  if (c === "'") {
    // E'…' strings take backslash escapes.
    const prev = sql[i - 1];
    const escaped = (prev === 'e' || prev === 'E') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
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
    const close = sql.indexOf('*/', i + 2);
    return { kind: 'comment', end: close < 0 ? sql.length : close + 2 };
  }
  return undefined;
}

/** Splits SQL into code and non-code segments (concatenating the texts gives the input). */
export function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let codeStart = 0;
  let i = 0;
  while (i < sql.length) {
    const skip = skipNonCode(sql, i);
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
 * The SQL with strings, quoted identifiers and comments blanked (same length), and the
 * parenthesis depth before each offset: keyword searches then see top-level code only.
 */
export function topLevelView(sql: string): { masked: string; plain: string; depth: number[] } {
  const segs = segments(sql);
  const blank = (kinds: string[]) =>
    segs.map((s) => (kinds.includes(s.kind) ? ' '.repeat(s.text.length) : s.text)).join('');
  const masked = blank(['comment', 'string', 'identifier']);
  /** Comments blanked only: the text clauses are read from. */
  const plain = blank(['comment']);
  const depth: number[] = [];
  let d = 0;
  for (const c of masked) {
    depth.push(d);
    d += c === '(' ? 1 : c === ')' ? -1 : 0;
  }
  return { masked, plain, depth };
}

/** Offsets of the matches of `re` (global) that sit in top-level code. */
export function topLevelMatches(view: { masked: string; depth: readonly number[] }, re: RegExp): number[] {
  const found: number[] = [];
  for (const m of view.masked.matchAll(re)) {
    if (view.depth[m.index ?? 0] === 0) {
      found.push(m.index ?? 0);
    }
  }
  return found;
}

/**
 * A statement as a derived table, `(<sql>) AS alias`: without its trailing semicolon (it
 * would end the statement inside the parentheses) and with a newline before ")" (which ends
 * a trailing line comment).
 */
export function asSubquery(sql: string, alias: string): string {
  return `(\n${sql.replace(/;\s*$/, '')}\n) AS ${alias}`;
}
