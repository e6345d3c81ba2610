import type { ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

import { protectTokens } from '../sql/placeholders';

/** The variable description Grafana hands to a format function (only the flags we read). */
export interface InterpolatedVariable {
  multi?: boolean;
  includeAll?: boolean;
}

/** SQL string literal: single quotes doubled, then wrapped in quotes. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Formats a template variable's value for SQL, the way the upstream plugin (and Grafana's
 * SQL data sources) do: a single value is inserted as-is with quotes escaped, so that it can
 * sit inside a literal the user wrote (`WHERE exe = '$exe'`); a multi-value or "All"
 * variable becomes a quoted, comma-separated list for `IN ($exe)`.
 */
export function formatVariableValue(value: unknown, variable: InterpolatedVariable = {}): string {
  if (Array.isArray(value)) {
    return value.map((v) => quoteLiteral(String(v))).join(',');
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  const text = value === undefined || value === null ? '' : String(value);
  if (variable.multi || variable.includeAll) {
    return quoteLiteral(text);
  }
  return text.replace(/'/g, "''");
}

/**
 * Interval variables the backend expands itself: alert rules never pass through the
 * browser, so leaving them to the backend makes dashboards and alerts read the same SQL.
 */
export const BACKEND_EXPANDED_VARIABLES = ['__interval', '__interval_ms'] as const;

export function withoutBackendVariables(scopedVars: ScopedVars | undefined): ScopedVars {
  const kept: ScopedVars = { ...(scopedVars ?? {}) };
  for (const name of BACKEND_EXPANDED_VARIABLES) {
    delete kept[name];
  }
  return kept;
}

const BACKEND_INTERVAL_TOKEN = /^(\$__interval(_ms)?|\$\{__interval(_ms)?(:[^}]*)?\}|\[\[__interval(_ms)?(:[^\]]*)?\]\])$/;

/** Replaces dashboard variables in SQL, leaving macros and the interval variables to the backend. */
export function interpolateSql(sql: string, scopedVars: ScopedVars | undefined): string {
  const shielded = protectTokens(sql, (token) => BACKEND_INTERVAL_TOKEN.test(token));
  const replaced = getTemplateSrv().replace(
    shielded.text,
    withoutBackendVariables(scopedVars),
    (value: unknown, variable: InterpolatedVariable) => formatVariableValue(value, variable)
  );
  return shielded.restore(replaced);
}
