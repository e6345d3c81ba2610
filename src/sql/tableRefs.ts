/**
 * Names of the tables a statement reads, for column autocomplete: `FROM t`, `JOIN t`
 * (optionally double-quoted) and `view_instance('view_set', …)`. A light scan is enough
 * here; the backend is the one that really parses SQL.
 */
export function tablesInStatement(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const hits: Array<{ at: number; name: string }> = [];
  for (const m of withoutComments.matchAll(/view_instance\s*\(\s*'([^']+)'/gi)) {
    hits.push({ at: m.index ?? 0, name: m[1] });
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
