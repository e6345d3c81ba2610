import { analyzeStatement } from '../shared/sql';

/**
 * Names of the tables a statement reads, for column autocomplete: `FROM t`, `JOIN t`
 * (optionally double-quoted) and `view_instance('view_set', …)`, in statement order, from
 * the plugin's one statement analyser (src/shared/sql, the backend uses the same).
 */
export function tablesInStatement(sql: string): string[] {
  return analyzeStatement(sql).tables;
}

/** The table or view set a reference reads: `log_entries`, or `thread_spans` for view_instance('thread_spans', …). */
export function viewOf(reference: string): string {
  const m = /^view_instance\('([^']+)'/.exec(reference);
  return m ? m[1] : reference;
}
