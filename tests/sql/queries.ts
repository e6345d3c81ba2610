// Queries shared by the SQL tests and the benchmark (scripts/bench/sql-passes.ts).

/** The SQL Grafana sends for a panel whose multi-value variable has "All" of `n` values selected. */
export function allValuesQuery(n: number): string {
  const values = Array.from(
    { length: n },
    (_, i) => `'host-${String(i).padStart(6, '0')}.example.com/service-${i}/proc-${i}'`
  );
  return (
    `SELECT time, exe, level, msg FROM log_entries\n` +
    `WHERE $__timeFilter(time) AND exe IN (${values.join(', ')})\n` +
    `  AND msg NOT LIKE '%${'$'}{__from:date:iso}%' AND time > now() - INTERVAL '1h'\n` +
    `ORDER BY time DESC LIMIT 1000`
  );
}
