import { formatDialect, postgresql } from 'sql-formatter';

import { protectTokens } from './placeholders';

/**
 * Pretty-prints SQL. Macros and variables are shielded first (the formatter would split
 * `$__timeFilter(time)` or `${exe:csv}`). DataFusion's dialect is closest to PostgreSQL's.
 * Throws with the formatter's message when the SQL cannot be tokenised.
 */
export function formatSql(sql: string): string {
  if (sql.trim() === '') {
    return sql;
  }
  const shielded = protectTokens(sql);
  // Only the PostgreSQL dialect is imported, which keeps the other grammars out of module.js.
  const pretty = formatDialect(shielded.text, {
    dialect: postgresql,
    keywordCase: 'upper',
    tabWidth: 2,
    linesBetweenQueries: 1,
  });
  return shielded.restore(pretty);
}
