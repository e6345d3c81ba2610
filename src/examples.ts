import { QueryFormat } from './types';

/** Ready-to-run queries on the Micromegas schema, shown in the query help. */
export interface QueryExample {
  title: string;
  description: string;
  format: QueryFormat;
  sql: string;
}

export const QUERY_EXAMPLES: QueryExample[] = [
  {
    title: 'Recent warnings and errors',
    description: 'Logs view of the dashboard range; level 1 fatal … 6 trace.',
    format: 'logs',
    sql: `SELECT time, level, target, exe, msg
FROM log_entries
WHERE level <= 3
ORDER BY time DESC
LIMIT 1000`,
  },
  {
    title: 'Logs of one process',
    description: 'Reads only that process’s partitions; `$process_id` is a dashboard variable.',
    format: 'logs',
    sql: `SELECT time, level, target, msg, process_id
FROM view_instance('log_entries', '$process_id')
ORDER BY time DESC
LIMIT 1000`,
  },
  {
    title: 'Log volume',
    description: 'Pre-aggregated per minute, fast over long ranges.',
    format: 'time_series',
    sql: `SELECT time_bin AS time, SUM(count) AS logs
FROM log_stats
GROUP BY time_bin
ORDER BY time_bin`,
  },
  {
    title: 'Errors per executable',
    description: 'One series per exe (long result turned wide).',
    format: 'time_series',
    sql: `SELECT $__dateBin(time) AS time, exe, COUNT(*) AS errors
FROM log_entries
WHERE level <= 2
GROUP BY 1, 2
ORDER BY 1`,
  },
  {
    title: 'Metric series',
    description: 'Average of each cpu.* metric per interval.',
    format: 'time_series',
    sql: `SELECT $__dateBin(time) AS time, name, AVG(value) AS value
FROM measures
WHERE name LIKE 'cpu.%'
GROUP BY 1, 2
ORDER BY 1`,
  },
  {
    title: 'Slowest spans of a process',
    description: 'Thread and async spans of `$process_id` in the range, longest first (duration in ns).',
    format: 'table',
    sql: `SELECT thread_name, name, target, begin, "end", duration / 1e6 AS duration_ms
FROM process_spans('$process_id', 'both')
ORDER BY duration DESC
LIMIT 100`,
  },
  {
    title: 'Thread spans as a trace',
    description: 'Trace view of one thread’s spans; `$stream_id` is a thread stream (streams tagged cpu).',
    format: 'traces',
    sql: `SELECT *
FROM view_instance('thread_spans', '$stream_id')
ORDER BY begin
LIMIT 5000`,
  },
  {
    title: 'Flame graph of a thread',
    description:
      'Call paths of `$stream_id` merged over the range (times in ns); turn Auto Limit off to include every span.',
    format: 'flame_graph',
    sql: `SELECT id, parent, name, duration
FROM view_instance('thread_spans', '$stream_id')`,
  },
  {
    title: 'OpenTelemetry spans',
    description: 'Spans ingested over OTLP for one process.',
    format: 'table',
    sql: `SELECT start_time, name, kind, status, duration / 1e6 AS duration_ms, encode(trace_id, 'hex') AS trace_id
FROM view_instance('otel_spans', '$process_id')
ORDER BY start_time DESC
LIMIT 500`,
  },
  {
    title: 'Processes',
    description: 'Processes active in the range, newest first.',
    format: 'table',
    sql: `SELECT process_id, exe, computer, username, start_time, last_update_time
FROM processes
ORDER BY start_time DESC`,
  },
  {
    title: 'Discover columns',
    description: 'Schema of any global view.',
    format: 'table',
    sql: `SELECT column_name, data_type, is_nullable
FROM information_schema.columns
WHERE table_name = 'log_entries'`,
  },
];

export const VARIABLE_EXAMPLES: Array<{ title: string; sql: string }> = [
  { title: 'Executables', sql: 'SELECT DISTINCT exe FROM processes ORDER BY exe' },
  {
    title: 'Processes (id as value, readable text)',
    sql: `SELECT process_id AS value, exe || ' on ' || computer AS text
FROM processes
ORDER BY start_time DESC`,
  },
  { title: 'Metric names', sql: 'SELECT DISTINCT name FROM measures ORDER BY name' },
];

export const EXAMPLE_ANNOTATION_SQL = `SELECT time, msg AS text, target AS tags
FROM log_entries
WHERE level <= 2
ORDER BY time`;
