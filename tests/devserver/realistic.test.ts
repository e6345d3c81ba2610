// Realistic queries, written after Micromegas' own query guides (mkdocs/docs/query-guide:
// quick-start, query-patterns, functions-reference, schema-reference), its Python tests
// (python/micromegas/tests: test_log, test_measures, test_spans, test_async_events,
// test_blocks, test_processes, test_information_schema) and its notebooks, run against the
// dev server. Each asserts the result shape the real server (Apache DataFusion) gives:
// column names (DataFusion's names for unaliased expressions), Arrow types, and where cheap
// a value that only the DataFusion semantics produce (integer division, ns casts).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DataType, type Field } from 'apache-arrow';

import { startDevServer, type DevServer } from '../harness/devserver';
import { TestFlightClient } from './flight-client';

const NOW = '2024-05-01T12:00:00Z';
const RANGE = { query_range_begin: '2024-05-01T06:00:00Z', query_range_end: NOW };

let server: DevServer;
let client: TestFlightClient;
/** Sample ids: a process with cpu streams and async events, one of its cpu streams, a block. */
let pid = '';
let stream = '';
let block = '';

before(async () => {
  server = await startDevServer({ scale: 0.05, now: NOW });
  client = new TestFlightClient(server.uri);
  pid = String((await client.table("SELECT process_id FROM processes WHERE exe = 'api-gateway'")).rows[0]!.process_id);
  stream = String(
    (
      await client.table(
        `SELECT stream_id FROM streams WHERE process_id = '${pid}' AND array_has(tags, 'cpu') AND NOT array_has(tags, 'async') LIMIT 1`
      )
    ).rows[0]!.stream_id
  );
  block = String(
    (await client.table(`SELECT block_id FROM blocks WHERE stream_id = '${stream}' LIMIT 1`, RANGE)).rows[0]!.block_id
  );
});

after(async () => {
  client?.close();
  await server?.stop();
});

/** DataFusion's spelling of an Arrow type, enough to compare shapes. */
function typeText(field: Field): string {
  const t = field.type;
  if (DataType.isTimestamp(t)) {
    return t.timezone ? `Timestamp(ns, "${t.timezone}")` : 'Timestamp(ns)';
  }
  if (DataType.isDictionary(t)) {
    return `Dictionary(Int32, ${typeText({ type: t.dictionary } as Field)})`;
  }
  if (DataType.isList(t)) {
    return `List(${t.children[0]!.type})`;
  }
  const names: Record<string, string> = { Uint32: 'UInt32', Uint64: 'UInt64', Bool: 'Boolean' };
  return names[String(t)] ?? String(t);
}

interface Case {
  title: string;
  sql: () => string;
  /** `name: type` per output column, in order. */
  shape: string[];
  headers?: Record<string, string>;
  check?: (rows: Array<Record<string, unknown>>) => void;
}

const TS = 'Timestamp(ns, "+00:00")';

const CASES: Case[] = [
  // --- quick-start / test_log.py ---------------------------------------------------------
  {
    title: 'recent errors (query-patterns: error tracking)',
    sql: () => `SELECT time, process_id, target, msg
FROM log_entries
WHERE level <= 2  -- Fatal and Error
  AND time >= NOW() - INTERVAL '1 hour'
ORDER BY time DESC`,
    shape: [`time: ${TS}`, 'process_id: Utf8', 'target: Utf8', 'msg: Utf8'],
  },
  {
    title: 'hourly error counts (query-patterns)',
    sql: () => `SELECT
    date_trunc('hour', time) as hour,
    COUNT(*) as error_count
FROM log_entries
WHERE level <= 2
GROUP BY date_trunc('hour', time)
ORDER BY hour`,
    shape: [`hour: ${TS}`, 'error_count: Int64'],
  },
  {
    title: 'test_log.py: one process id then its entries',
    sql: () => `select * from log_entries where process_id='${pid}' LIMIT 10;`,
    shape: [
      'process_id: Utf8',
      'stream_id: Utf8',
      'block_id: Utf8',
      `insert_time: ${TS}`,
      'exe: Utf8',
      'username: Utf8',
      'computer: Utf8',
      `time: ${TS}`,
      'target: Utf8',
      'level: Int32',
      'msg: Utf8',
      'properties: Binary',
      'process_properties: Binary',
    ],
    check: (rows) => assert.equal(rows.length, 10),
  },
  {
    title: 'logs of a process through view_instance (quick-start)',
    sql: () => `SELECT time, level, msg
FROM view_instance('log_entries', '${pid}')
WHERE level <= 3`,
    shape: [`time: ${TS}`, 'level: Int32', 'msg: Utf8'],
  },
  {
    title: 'log levels as counts, unaliased count(*) (Grafana bar chart)',
    sql: () => 'SELECT level, count(*) FROM log_entries GROUP BY level ORDER BY level',
    shape: ['level: Int32', 'count(*): Int64'],
  },
  {
    title: 'count(1) is named count(Int64(1))',
    sql: () => 'SELECT count(1) FROM log_entries',
    shape: ['count(Int64(1)): Int64'],
  },
  {
    title: 'log volume per minute with date_bin (Grafana time series)',
    sql: () => `SELECT date_bin(INTERVAL '1 minute', time) AS time, count(*) AS count
FROM log_entries GROUP BY 1 ORDER BY 1`,
    shape: [`time: ${TS}`, 'count: Int64'],
  },
  {
    title: 'log_stats view by level',
    sql: () => 'SELECT level, sum(count) AS n FROM log_stats GROUP BY level ORDER BY level',
    shape: ['level: Int32', 'n: Int64'],
  },
  {
    title: 'messages matching a pattern with LIKE and ILIKE',
    sql: () => "SELECT time, msg FROM log_entries WHERE msg LIKE '%request%' OR target ILIKE '%HANDLER%' LIMIT 20",
    shape: [`time: ${TS}`, 'msg: Utf8'],
  },
  {
    title: 'property_get on process_properties (functions-reference)',
    sql: () => `SELECT time, msg, property_get(process_properties, 'version') as version
FROM log_entries
WHERE property_get(process_properties, 'version') IS NOT NULL
LIMIT 5`,
    shape: [`time: ${TS}`, 'msg: Utf8', 'version: Utf8'],
  },
  {
    title: 'property_get with dictionaries preserved (test_dictionary_preservation.py)',
    sql: () => `SELECT exe, property_get(process_properties, 'version') as version FROM log_entries LIMIT 5`,
    headers: { preserve_dictionary: 'true' },
    shape: ['exe: Dictionary(Int32, Utf8)', 'version: Dictionary(Int32, Utf8)'],
  },
  {
    title: 'properties_length (functions-reference)',
    sql: () => 'SELECT properties_length(properties) as prop_count FROM measures LIMIT 3',
    shape: ['prop_count: Int32'],
  },
  {
    title: 'jsonb_as_string(jsonb_get(...)) on a parsed document (functions-reference)',
    sql: () =>
      `SELECT jsonb_as_string(jsonb_get(jsonb_parse('{"service": "web_server"}'), 'service')) as service_name FROM processes`,
    shape: ['service_name: Utf8'],
    check: (rows) => assert.equal(rows[0]!.service_name, 'web_server'),
  },
  {
    title: 'jsonb_as_i64 (functions-reference)',
    sql: () => `SELECT jsonb_as_i64(jsonb_get(jsonb_parse('{"port": 8080}'), 'port')) as port_number FROM processes`,
    shape: ['port_number: Int64'],
    check: (rows) => assert.equal(rows[0]!.port_number, 8080n),
  },
  {
    title: 'jsonb_array_length (functions-reference)',
    sql: () => "SELECT jsonb_array_length(jsonb_parse('[1, 2, 3]')) as len",
    shape: ['len: Int64'],
    check: (rows) => assert.equal(rows[0]!.len, 3n),
  },
  // --- measures / test_measures.py ------------------------------------------------------
  {
    title: 'CPU and memory trends (query-patterns)',
    sql: () => `SELECT
    date_trunc('minute', time) as minute,
    name,
    AVG(value) as avg_value,
    unit
FROM measures
WHERE name IN ('cpu_usage', 'memory_used')
GROUP BY minute, name, unit
ORDER BY minute, name`,
    shape: [`minute: ${TS}`, 'name: Utf8', 'avg_value: Float64', 'unit: Utf8'],
  },
  {
    title: 'unaliased avg of a view column is avg(measures.value)',
    sql: () => "SELECT name, avg(value), max(value) FROM measures WHERE name = 'cpu_usage' GROUP BY name",
    shape: ['name: Utf8', 'avg(measures.value): Float64', 'max(measures.value): Float64'],
  },
  {
    title: 'measures of one process through view_instance (Grafana time series)',
    sql: () => `SELECT date_bin(INTERVAL '1 minute', time) AS time, avg(value) AS value
FROM view_instance('measures', '${pid}')
WHERE name = 'cpu_usage'
GROUP BY 1 ORDER BY 1`,
    shape: [`time: ${TS}`, 'value: Float64'],
  },
  {
    title: 'list the metrics a process emits (variable query)',
    sql: () => 'SELECT DISTINCT name, unit FROM measures ORDER BY name',
    shape: ['name: Utf8', 'unit: Utf8'],
  },
  {
    title: 'approx_percentile_cont over values (performance guide)',
    sql: () => "SELECT approx_percentile_cont(value, 0.95) AS p95 FROM measures WHERE name = 'request_latency'",
    shape: ['p95: Float64'],
  },
  {
    title: 'per-process latency with a join on processes',
    sql: () => `SELECT p.exe, avg(m.value) AS avg_latency
FROM measures m JOIN processes p ON p.process_id = m.process_id
WHERE m.name = 'request_latency'
GROUP BY p.exe ORDER BY avg_latency DESC`,
    shape: ['exe: Utf8', 'avg_latency: Float64'],
  },
  // --- spans / test_spans.py --------------------------------------------------------------
  {
    title: 'slowest function calls (query-patterns)',
    sql: () => `SELECT
    name,
    AVG(duration) / 1000000.0 as avg_ms,
    MAX(duration) / 1000000.0 as max_ms,
    COUNT(*) as call_count
FROM view_instance('thread_spans', '${stream}')
WHERE duration > 100000
GROUP BY name
ORDER BY avg_ms DESC
LIMIT 10`,
    shape: ['name: Utf8', 'avg_ms: Float64', 'max_ms: Float64', 'call_count: Int64'],
  },
  {
    title: 'test_queries.py: span columns with quoted "end"',
    sql: () => `SELECT target, name, duration, begin, "end"
FROM view_instance('thread_spans', '${stream}')
LIMIT 10`,
    shape: ['target: Utf8', 'name: Utf8', 'duration: Int64', `begin: ${TS}`, `end: ${TS}`],
  },
  {
    title: 'span duration in ms keeps its integer type (DataFusion integer division)',
    sql: () =>
      `SELECT name, duration / 1000000 AS ms FROM view_instance('thread_spans', '${stream}') WHERE depth = 0 LIMIT 5`,
    shape: ['name: Utf8', 'ms: Int64'],
  },
  {
    title: 'CAST("end" - begin AS BIGINT) is the duration in ns',
    sql: () =>
      `SELECT duration, CAST("end" - begin AS BIGINT) AS ns FROM view_instance('thread_spans', '${stream}') LIMIT 20`,
    shape: ['duration: Int64', 'ns: Int64'],
    check: (rows) => rows.forEach((r) => assert.equal(r.ns, r.duration)),
  },
  {
    title: 'span tree depth and parent (flame graph query)',
    sql: () =>
      `SELECT id, parent, name, begin, "end", depth FROM view_instance('thread_spans', '${stream}') ORDER BY begin LIMIT 50`,
    shape: ['id: Int64', 'parent: Int64', 'name: Utf8', `begin: ${TS}`, `end: ${TS}`, 'depth: UInt32'],
  },
  {
    title: 'root spans only with a window function',
    sql: () => `SELECT name, duration, row_number() OVER (PARTITION BY name ORDER BY duration DESC) AS rank
FROM view_instance('thread_spans', '${stream}') WHERE depth = 0`,
    shape: ['name: Utf8', 'duration: Int64', 'rank: UInt64'],
  },
  {
    title: 'process_spans: all spans across threads of a process (functions-reference)',
    sql: () => `SELECT stream_id, thread_name, name, duration
FROM process_spans('${pid}', 'thread')
ORDER BY begin`,
    shape: ['stream_id: Utf8', 'thread_name: Utf8', 'name: Utf8', 'duration: Int64'],
    check: (rows) => assert.ok(rows.length > 0 && rows.every((r) => r.stream_id !== '')),
  },
  {
    title: 'process_spans both: frame time per thread (functions-reference)',
    sql: () => `SELECT thread_name, name, AVG(duration) / 1000000.0 as avg_ms
FROM process_spans('${pid}', 'both')
WHERE depth = 0
GROUP BY thread_name, name
ORDER BY avg_ms DESC`,
    shape: ['thread_name: Utf8', 'name: Utf8', 'avg_ms: Float64'],
    check: (rows) => assert.ok(rows.length > 0),
  },
  {
    title: 'process_spans async: begin/end events paired into spans',
    sql: () =>
      `SELECT thread_name, count(*) AS n, min(duration) AS shortest FROM process_spans('${pid}', 'async') GROUP BY thread_name`,
    shape: ['thread_name: Utf8', 'n: Int64', 'shortest: Int64'],
    check: (rows) => {
      assert.equal(rows[0]!.thread_name, 'async');
      assert.ok(Number(rows[0]!.shortest) > 0);
    },
  },
  {
    title: 'net_spans of a process: declared schema, no sample data',
    sql: () => `SELECT name, connection_name, is_outgoing, bit_size FROM view_instance('net_spans', '${pid}')`,
    shape: ['name: Utf8', 'connection_name: Utf8', 'is_outgoing: Boolean', 'bit_size: Int64'],
  },
  // --- async events / test_async_events.py ------------------------------------------------
  {
    title: 'async events timeline (query-patterns)',
    sql: () => `SELECT
    time,
    event_type,
    name,
    depth,
    span_id,
    parent_span_id,
    REPEAT('  ', depth) || name as indented_name
FROM view_instance('async_events', '${pid}')
ORDER BY time
LIMIT 100`,
    shape: [
      `time: ${TS}`,
      'event_type: Utf8',
      'name: Utf8',
      'depth: UInt32',
      'span_id: Int64',
      'parent_span_id: Int64',
      'indented_name: Utf8',
    ],
  },
  {
    title: 'slowest top-level async operations (query-patterns, async duration pattern)',
    sql: () => `SELECT
    name,
    AVG(duration_ms) as avg_duration,
    MAX(duration_ms) as max_duration,
    COUNT(*) as operation_count
FROM (
    SELECT
        begin_events.name,
        CAST((end_events.time - begin_events.time) AS BIGINT) / 1000000 as duration_ms
    FROM
        (SELECT * FROM view_instance('async_events', '${pid}') WHERE event_type = 'begin' AND depth = 0) begin_events
    LEFT JOIN
        (SELECT * FROM view_instance('async_events', '${pid}') WHERE event_type = 'end') end_events
        ON begin_events.span_id = end_events.span_id
    WHERE end_events.span_id IS NOT NULL
)
GROUP BY name
ORDER BY avg_duration DESC
LIMIT 10`,
    shape: ['name: Utf8', 'avg_duration: Float64', 'max_duration: Int64', 'operation_count: Int64'],
  },
  {
    title: 'async event counts by type, unaliased',
    sql: () =>
      `SELECT event_type, count(*) FROM view_instance('async_events', '${pid}') GROUP BY event_type ORDER BY event_type`,
    shape: ['event_type: Utf8', 'count(*): Int64'],
    check: (rows) =>
      assert.deepEqual(
        rows.map((r) => r.event_type),
        ['begin', 'end']
      ),
  },
  // --- processes, streams, blocks ---------------------------------------------------------
  {
    title: 'find_process (python client)',
    sql: () => `SELECT * FROM processes WHERE process_id='${pid}'`,
    shape: [
      'process_id: Utf8',
      'exe: Utf8',
      'username: Utf8',
      'realname: Utf8',
      'computer: Utf8',
      'distro: Utf8',
      'cpu_brand: Utf8',
      'tsc_frequency: Int64',
      `start_time: ${TS}`,
      'start_ticks: Int64',
      `insert_time: ${TS}`,
      'parent_process_id: Utf8',
      'properties: Binary',
      `last_update_time: ${TS}`,
      'last_block_end_ticks: Int64',
      `last_block_end_time: ${TS}`,
    ],
    check: (rows) => assert.equal(rows.length, 1),
  },
  {
    title: 'query_streams (python client): streams of a process with a tag',
    sql: () => `SELECT * FROM streams WHERE process_id='${pid}' AND array_has(tags, 'cpu')`,
    shape: [
      'stream_id: Utf8',
      'process_id: Utf8',
      'dependencies_metadata: Binary',
      'objects_metadata: Binary',
      'tags: List(Utf8)',
      'properties: Binary',
      `insert_time: ${TS}`,
      'format: Utf8',
      `last_update_time: ${TS}`,
    ],
  },
  {
    title: 'query_blocks (python client): blocks of a stream',
    sql: () =>
      `SELECT block_id, begin_time, end_time, nb_objects, payload_size FROM blocks WHERE stream_id='${stream}' ORDER BY begin_time`,
    shape: ['block_id: Utf8', `begin_time: ${TS}`, `end_time: ${TS}`, 'nb_objects: Int32', 'payload_size: Int64'],
  },
  {
    title: 'blocks with joined columns (parse_block doc: find a block)',
    sql: () =>
      'SELECT block_id, nb_objects, "streams.format", "processes.exe", "processes.parent_process_id" FROM blocks LIMIT 5',
    shape: [
      'block_id: Utf8',
      'nb_objects: Int32',
      'streams.format: Utf8',
      'processes.exe: Utf8',
      'processes.parent_process_id: Utf8',
    ],
  },
  {
    title: 'data volume per process (test_blocks.py)',
    sql: () => `SELECT "processes.exe" AS exe, sum(payload_size) AS bytes, count(*) AS nb_blocks
FROM blocks GROUP BY "processes.exe" ORDER BY bytes DESC`,
    shape: ['exe: Utf8', 'bytes: Int64', 'nb_blocks: Int64'],
  },
  {
    title: 'process uptime in seconds, timestamps cast to ns',
    sql: () =>
      `SELECT exe, (CAST(last_update_time AS BIGINT) - CAST(start_time AS BIGINT)) / 1000000000 AS uptime_s FROM processes ORDER BY exe`,
    shape: ['exe: Utf8', 'uptime_s: Int64'],
    check: (rows) => rows.forEach((r) => assert.equal(typeof r.uptime_s, 'bigint')),
  },
  {
    title: 'a process property from the JSONB column (functions-reference)',
    sql: () => `SELECT exe, property_get(properties, 'env') AS env FROM processes ORDER BY exe`,
    shape: ['exe: Utf8', 'env: Utf8'],
  },
  // --- semantics, literals, casts --------------------------------------------------------
  {
    title: 'SELECT 1 (health check of the python client and Grafana Save & test)',
    sql: () => 'SELECT 1',
    shape: ['Int64(1): Int64'],
    check: (rows) => assert.equal(rows[0]!['Int64(1)'], 1n),
  },
  {
    title: 'integer division and modulo stay Int64',
    sql: () => 'SELECT 7 / 2 AS q, 7 % 2 AS r, 7.0 / 2 AS f',
    shape: ['q: Int64', 'r: Int64', 'f: Float64'],
    check: (rows) => assert.deepEqual([rows[0]!.q, rows[0]!.r, rows[0]!.f], [3n, 1n, 3.5]),
  },
  {
    title: 'CAST AS BIGINT UNSIGNED and CAST to DOUBLE',
    sql: () => 'SELECT CAST(level AS BIGINT UNSIGNED) AS l, CAST(level AS DOUBLE) AS d FROM log_entries LIMIT 1',
    shape: ['l: UInt64', 'd: Float64'],
  },
  {
    title: "to_timestamp('…Z') is a zone-less Timestamp(ns)",
    sql: () => "SELECT to_timestamp('2024-05-01T10:00:00Z') AS t",
    shape: ['t: Timestamp(ns)'],
  },
  {
    title: 'CASE expression in a select (Grafana level mapping)',
    sql: () => `SELECT CASE WHEN level <= 2 THEN 'error' WHEN level = 3 THEN 'warn' ELSE 'info' END AS severity, count(*) AS n
FROM log_entries GROUP BY 1 ORDER BY 1`,
    shape: ['severity: Utf8', 'n: Int64'],
  },
  {
    title: 'CTE over measures with a HAVING clause',
    sql: () => `WITH per_process AS (
  SELECT process_id, count(*) AS n FROM measures GROUP BY process_id
)
SELECT p.exe, per_process.n FROM per_process JOIN processes p ON p.process_id = per_process.process_id
WHERE per_process.n > 0 ORDER BY p.exe`,
    shape: ['exe: Utf8', 'n: Int64'],
  },
  // --- histograms, colours, JSONB expansion (functions-reference) ---------------------------
  {
    title: 'expand_histogram of cpu usage (functions-reference)',
    sql: () => `SELECT bin_center, count
FROM expand_histogram(
  (SELECT make_histogram(0.0, 100.0, 100, value)
   FROM measures
   WHERE name = 'cpu_usage')
)`,
    shape: ['bin_center: Float64', 'count: UInt64'],
    check: (rows) => {
      assert.equal(rows.length, 100);
      assert.equal(rows[0]!.bin_center, 0.5);
    },
  },
  {
    title: 'quantile, count and sum of a histogram of span durations (functions-reference)',
    sql: () => `SELECT quantile_from_histogram(h, 0.5) AS median, count_from_histogram(h) AS n, sum_from_histogram(h) AS total, variance_from_histogram(h) AS var
FROM (SELECT make_histogram(0.0, 50.0, 20, CAST(duration AS DOUBLE) / 1000000.0) AS h FROM view_instance('thread_spans', '${stream}'))`,
    shape: ['median: Float64', 'n: UInt64', 'total: Float64', 'var: Float64'],
  },
  {
    title: 'rgba, lerp_color and color_scale pack 0xRRGGBBAA (functions-reference)',
    sql: () =>
      "SELECT rgba(1, 0, 0, 1) AS red, rgba(0.5, 0.5, 0.5, 1) AS grey, lerp_color(rgba(0, 0, 1, 1), rgba(1, 0, 0, 1), 0.5) AS mid, color_scale('viridis', 0.0, 1.0) AS v0",
    shape: ['red: UInt32', 'grey: UInt32', 'mid: UInt32', 'v0: UInt32'],
    check: (rows) =>
      assert.deepEqual(
        [rows[0]!.red, rows[0]!.grey, rows[0]!.mid, rows[0]!.v0],
        [0xff0000ff, 0x808080ff, 0x800080ff, 0x440154ff]
      ),
  },
  {
    title: 'bin_center, lerp and unlerp (functions-reference)',
    sql: () => 'SELECT bin_center(26, 10) AS c, lerp(0.5, 1.0, 0.5) AS l, unlerp(0, 10, 2.5) AS u',
    shape: ['c: Float64', 'l: Float64', 'u: Float64'],
    check: (rows) => assert.deepEqual([rows[0]!.c, rows[0]!.l, rows[0]!.u], [30, 0.75, 0.25]),
  },
  {
    title: 'jsonb_each over a process properties subquery (functions-reference)',
    sql: () => `SELECT key, jsonb_as_string(value) as value
FROM jsonb_each(
  (SELECT properties FROM processes WHERE process_id = '${pid}')
)`,
    shape: ['key: Utf8', 'value: Utf8'],
    check: (rows) => assert.ok(rows.length > 0),
  },
  {
    title: 'jsonb_array_elements (functions-reference)',
    sql: () => `SELECT jsonb_as_string(jsonb_get(value, 'name')) as name
FROM jsonb_array_elements(jsonb_parse('[{"name": "Alice"}, {"name": "Bob"}]'))`,
    shape: ['name: Utf8'],
    check: (rows) =>
      assert.deepEqual(
        rows.map((r) => r.name),
        ['Alice', 'Bob']
      ),
  },
  {
    title: 'jsonb_path_query_first returns JSONB (functions-reference)',
    sql: () => `SELECT jsonb_path_query_first(jsonb_parse('{"items": [10, 20, 30]}'), '$.items[1]') as second`,
    shape: ['second: Binary'],
  },
  {
    title: 'jsonb_path_query: every match as a JSONB array (functions-reference)',
    sql: () =>
      `SELECT jsonb_format_json(jsonb_path_query(jsonb_parse('{"users": [{"name": "Alice"}, {"name": "Bob"}]}'), '$.users[*].name')) as names, jsonb_format_json(jsonb_path_query(jsonb_parse('{"a": 1}'), '$.missing')) as none`,
    shape: ['names: Utf8', 'none: Utf8'],
    check: (rows) => assert.deepEqual([rows[0]!.names, rows[0]!.none], ['["Alice","Bob"]', '[]']),
  },
  {
    title: 'DataFusion built-ins: arrow_typeof, encode hex, approx_distinct, cardinality(make_array)',
    sql: () =>
      "SELECT arrow_typeof(7 / 2) AS t, encode(CAST('Hi' AS BYTEA), 'hex') AS hex, cardinality(make_array(1, 2, 3)) AS n, (SELECT approx_distinct(exe) FROM processes) AS exes",
    shape: ['t: Utf8', 'hex: Utf8', 'n: UInt64', 'exes: UInt64'],
    check: (rows) => assert.deepEqual([rows[0]!.t, rows[0]!.hex, rows[0]!.n], ['Int64', '4869', 3n]),
  },
  // --- introspection (test_information_schema.py) -------------------------------------------
  {
    title: 'SHOW TABLES lists the views with DataFusion columns (test_information_schema.py)',
    sql: () => 'SHOW TABLES',
    shape: ['table_catalog: Utf8', 'table_schema: Utf8', 'table_name: Utf8', 'table_type: Utf8'],
    check: (rows) => {
      const names = rows.filter((r) => r.table_schema === 'public').map((r) => r.table_name);
      for (const v of ['log_entries', 'blocks', 'streams', 'processes']) {
        assert.ok(names.includes(v), v);
      }
      assert.ok(rows.every((r) => r.table_catalog === 'datafusion' && !String(r.table_name).includes('@')));
    },
  },
  {
    title: 'information_schema.columns of a view (test_information_schema.py)',
    sql: () =>
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'log_entries' ORDER BY ordinal_position",
    shape: ['column_name: Utf8', 'data_type: Utf8', 'is_nullable: Utf8'],
    check: (rows) => {
      assert.deepEqual(rows[0], { column_name: 'process_id', data_type: 'Dictionary(Int32, Utf8)', is_nullable: 'NO' });
      assert.equal(rows.length, 13);
    },
  },
  {
    title: 'DESCRIBE a view',
    sql: () => 'DESCRIBE processes',
    shape: ['column_name: Utf8', 'data_type: Utf8', 'is_nullable: Utf8'],
    check: (rows) =>
      assert.deepEqual(
        rows.find((r) => r.column_name === 'parent_process_id'),
        { column_name: 'parent_process_id', data_type: 'Utf8', is_nullable: 'YES' }
      ),
  },
  {
    title: 'SHOW COLUMNS FROM a view',
    sql: () => 'SHOW COLUMNS FROM measures',
    shape: [
      'table_catalog: Utf8',
      'table_schema: Utf8',
      'table_name: Utf8',
      'column_name: Utf8',
      'data_type: Utf8',
      'is_nullable: Utf8',
    ],
    check: (rows) => assert.equal(rows.find((r) => r.column_name === 'value')!.data_type, 'Float64'),
  },
  {
    title: 'EXPLAIN answers plan_type and plan rows',
    sql: () => 'EXPLAIN SELECT count(*) FROM log_entries',
    shape: ['plan_type: Utf8', 'plan: Utf8'],
    check: (rows) =>
      assert.deepEqual(
        rows.map((r) => r.plan_type),
        ['logical_plan', 'physical_plan']
      ),
  },
  // --- administration ---------------------------------------------------------------------
  {
    title: 'list_view_sets() (schema-reference)',
    sql: () =>
      'SELECT view_set_name, has_view_maker, global_instance_available FROM list_view_sets() ORDER BY view_set_name',
    shape: ['view_set_name: Utf8', 'has_view_maker: Boolean', 'global_instance_available: Boolean'],
  },
  {
    title: 'list_partitions() per view set (admin guide)',
    sql: () =>
      'SELECT view_set_name, count(*) AS nb, sum(num_rows) AS rows FROM list_partitions() GROUP BY view_set_name ORDER BY view_set_name',
    shape: ['view_set_name: Utf8', 'nb: Int64', 'rows: Int64'],
  },
];

describe('realistic queries answer with the real server shape', () => {
  test('the suite holds at least 40 queries', () => assert.ok(CASES.length >= 40, `${CASES.length} cases`));
  for (const c of CASES) {
    test(c.title, async () => {
      const res = await client.query(c.sql(), { ...RANGE, ...(c.headers ?? {}) });
      assert.equal(res.error, undefined, res.error?.details);
      assert.deepEqual(
        res.schema!.fields.map((f) => `${f.name}: ${typeText(f)}`),
        c.shape
      );
      if (c.check) {
        c.check(res.batches.flatMap((b) => b.toArray().map((r) => r.toJSON() as Record<string, unknown>)));
      }
      void block;
    });
  }
});
