/**
 * Names of the tables a statement reads, for column autocomplete: `FROM t`, `JOIN t`
 * (optionally double-quoted) and `view_instance('view_set', …)`. A light scan is enough
 * here; the backend is the one that really parses SQL.
 */
export function tablesInStatement(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const hits: Array<{ at: number; name: string }> = [];
  // View sets have no global table: the whole call is the reference the backend can describe.
  for (const m of withoutComments.matchAll(/view_instance\s*\(\s*'([^']+)'\s*(?:,\s*'([^']*)')?/gi)) {
    hits.push({ at: m.index ?? 0, name: `view_instance('${m[1]}', '${m[2] ?? 'global'}')` });
  }
  // Table functions (`list_partitions()`) are looked up by name too; the backend knows them.
  for (const m of withoutComments.matchAll(/\b(?:from|join)\s+(?:"([^"]+)"|([A-Za-z_][\w.]*))/gi)) {
    const name = m[1] ?? m[2];
    if (!['view_instance', 'select', 'unnest'].includes(name.toLowerCase())) {
      hits.push({ at: m.index ?? 0, name });
    }
  }
  // In statement order, so the first table's columns come first.
  return [...new Set(hits.sort((a, b) => a.at - b.at).map((h) => h.name))];
}

/** The table or view set a reference reads: `log_entries`, or `thread_spans` for view_instance('thread_spans', …). */
export function viewOf(reference: string): string {
  const m = /^view_instance\('([^']+)'/.exec(reference);
  return m ? m[1] : reference;
}
