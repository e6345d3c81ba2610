// Grafana duration text (`30s`, `1m`, `1h30m`, `100ms`) → DataFusion interval text
// (`30 second`, `1 minute`, `1 hour 30 minute`, `100 millisecond`). Grafana's frontend
// replaces `$__interval` with such text before the backend sees the SQL.

/** The interval as DataFusion interval text: whole seconds like upstream, milliseconds below 1 s. */
export function intervalText(intervalMs: number): string {
  if (intervalMs >= 1000) {
    return `${Math.floor(intervalMs / 1000)} second`;
  }
  return `${Math.max(1, Math.floor(intervalMs))} millisecond`;
}

const UNITS: Record<string, string> = {
  ms: 'millisecond',
  s: 'second',
  m: 'minute', // Grafana: m = minute, M = month
  h: 'hour',
  d: 'day',
  w: 'week',
  M: 'month',
  y: 'year',
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w|M|y))+$/;

/** Converts Grafana duration text to interval text, or undefined if it is not one. */
export function grafanaDurationToInterval(text: string): string | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) {
    return undefined;
  }
  const parts: string[] = [];
  for (const m of t.matchAll(PART)) {
    parts.push(`${m[1]} ${UNITS[m[2]]}`);
  }
  return parts.join(' ');
}

/** Parses Grafana duration text to milliseconds (months = 30 d, years = 365 d), or undefined. */
export function grafanaDurationToMs(text: string): number | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) {
    return undefined;
  }
  const factor: Record<string, number> = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5, M: 2592e6, y: 31536e6 };
  let total = 0;
  for (const m of t.matchAll(PART)) {
    total += Number(m[1]) * factor[m[2]];
  }
  return total;
}

/** `$__interval`, `${__interval}`, `${__interval:fmt}`, `[[__interval]]` and their `_ms` forms. */
export const INTERVAL_VARIABLE =
  /\$__interval(_ms)?\b|\$\{__interval(_ms)?(?::[^}]*)?\}|\[\[__interval(_ms)?(?::[^\]]*)?\]\]/g;

/**
 * Rewrites one quoted string literal that follows the INTERVAL keyword: interval variables
 * the frontend left to us (our frontend always does; alert rules have no frontend) become
 * the panel interval, and Grafana duration text becomes DataFusion interval text.
 * Anything else is left as is.
 */
export function normalizeIntervalLiteral(literal: string, intervalMs: number): string {
  if (!literal.startsWith("'") || !literal.endsWith("'") || literal.length < 2) {
    return literal;
  }
  const body = literal
    .slice(1, -1)
    .replace(INTERVAL_VARIABLE, (_m, a?: string, b?: string, c?: string) =>
      a || b || c ? `${Math.floor(intervalMs)}` : intervalText(intervalMs)
    );
  const converted = grafanaDurationToInterval(body);
  return `'${converted ?? body}'`;
}
