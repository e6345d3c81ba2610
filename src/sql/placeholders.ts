/**
 * Grafana macros (`$__timeFilter(time)`) and template variables (`$exe`, `${exe:csv}`,
 * `[[exe]]`) are not SQL. Tools that parse SQL (the formatter) or that expand variables
 * (templateSrv, for the interval variables the backend owns) must not touch them, so they
 * are swapped for inert placeholders and put back afterwards.
 */

export interface Protected {
  text: string;
  restore: (text: string) => string;
}

/** Placeholder identifiers: plain SQL identifiers no user query contains. */
const placeholder = (i: number) => `mmph${i}x`;
const PLACEHOLDER_RE = /mmph(\d+)x/g;

const VARIABLE_RE = /\$\{[^}]*\}|\[\[[^\]]*\]\]|\$__\w+|\$\w+/y;

/** Length of a balanced `( … )` group starting at `start`, honouring quotes; 0 if unbalanced. */
function parenGroupLength(sql: string, start: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      if (c === quote) {
        quote = null;
      }
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        return i - start + 1;
      }
    }
  }
  return 0;
}

/**
 * Finds every macro call and variable reference, in order, as [start, end) spans.
 * `shouldProtect` can skip some (e.g. protect only the interval variables).
 */
export function findTemplateTokens(sql: string): Array<{ start: number; end: number; text: string }> {
  const tokens: Array<{ start: number; end: number; text: string }> = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c !== '$' && c !== '[') {
      i++;
      continue;
    }
    VARIABLE_RE.lastIndex = i;
    const m = VARIABLE_RE.exec(sql);
    if (!m) {
      i++;
      continue;
    }
    let end = i + m[0].length;
    // A macro call swallows its argument list, so `$__timeFilter(time)` stays one token.
    if (m[0].startsWith('$__') && sql[end] === '(') {
      const len = parenGroupLength(sql, end);
      if (len > 0) {
        end += len;
      }
    }
    tokens.push({ start: i, end, text: sql.slice(i, end) });
    i = end;
  }
  return tokens;
}

/** Replaces the selected tokens by placeholders. */
export function protectTokens(sql: string, select: (token: string) => boolean = () => true): Protected {
  const saved: string[] = [];
  let out = '';
  let last = 0;
  for (const token of findTemplateTokens(sql)) {
    if (!select(token.text)) {
      continue;
    }
    out += sql.slice(last, token.start) + placeholder(saved.length);
    saved.push(token.text);
    last = token.end;
  }
  out += sql.slice(last);
  return {
    text: out,
    restore: (text: string) => text.replace(PLACEHOLDER_RE, (whole, n: string) => saved[Number(n)] ?? whole),
  };
}
