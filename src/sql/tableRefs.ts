/**
 * Names of the tables a statement reads, for column autocomplete: `FROM t`, `JOIN t`
 * (optionally double-quoted) and `view_instance('view_set', …)`. A light scan is enough
 * here; the backend is the one that really parses SQL.
 */
export function tablesInStatement(sql: string): string[] {
  const found = new Set<string>();
  const withoutComments = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const viewInstance = /view_instance\s*\(\s*'([^']+)'/gi;
  for (const m of withoutComments.matchAll(viewInstance)) {
    found.add(m[1]);
  }
  // Table functions (`list_partitions()`) are looked up by name too; the backend knows them.
  const fromJoin = /\b(?:from|join)\s+(?:"([^"]+)"|([A-Za-z_][\w.]*))/gi;
  for (const m of withoutComments.matchAll(fromJoin)) {
    const name = m[1] ?? m[2];
    if (!['view_instance', 'select', 'unnest'].includes(name.toLowerCase())) {
      found.add(name);
    }
  }
  return [...found];
}
