import type { ScopedVars } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';

import { protectTokens } from '../sql/placeholders';

export { formatVariableValue, type InterpolatedVariable } from './variableFormat';
import { formatVariableValue, type InterpolatedVariable } from './variableFormat';

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

const BACKEND_INTERVAL_TOKEN =
  /^(\$__interval(_ms)?|\$\{__interval(_ms)?(:[^}]*)?\}|\[\[__interval(_ms)?(:[^\]]*)?\]\])$/;

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
