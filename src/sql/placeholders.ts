/**
 * Grafana macros (`$__timeFilter(time)`) and template variables (`$exe`, `${exe:csv}`,
 * `[[exe]]`) are not SQL. Tools that parse SQL (the formatter) or that expand variables
 * (templateSrv, for the interval variables the backend owns) must not touch them, so they
 * are swapped for inert placeholders and put back afterwards.
 */
import { templateSpans } from '../shared/sql';

export interface Protected {
  text: string;
  restore: (text: string) => string;
}

/** Placeholder identifiers: plain SQL identifiers no user query contains. */
const placeholder = (i: number) => `mmph${i}x`;
const PLACEHOLDER_RE = /mmph(\d+)x/g;

/**
 * Every macro call and variable reference, in order, as [start, end) spans (the shared
 * analyser's reading of Grafana's variable syntax; a macro call includes its arguments).
 */
export function findTemplateTokens(sql: string): Array<{ start: number; end: number; text: string }> {
  return templateSpans(sql).map(({ start, end, text }) => ({ start, end, text }));
}

/** Replaces the selected tokens by placeholders. */
export function protectTokens(sql: string, select: (token: string) => boolean = () => true): Protected {
  const saved: string[] = [];
  const out: string[] = [];
  let last = 0;
  for (const token of templateSpans(sql)) {
    if (!select(token.text)) {
      continue;
    }
    out.push(sql.slice(last, token.start), placeholder(saved.length));
    saved.push(token.text);
    last = token.end;
  }
  out.push(sql.slice(last));
  return {
    text: out.join(''),
    restore: (text: string) => text.replace(PLACEHOLDER_RE, (whole, n: string) => saved[Number(n)] ?? whole),
  };
}
