// SQL formatting of template variable values. Pure (no Grafana runtime), so the
// dashboards test can resolve variables exactly as the browser does.
import { quoteLiteral } from '../shared/sql';

/** The variable description Grafana hands to a format function (only the flags we read). */
export interface InterpolatedVariable {
  multi?: boolean;
  includeAll?: boolean;
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
