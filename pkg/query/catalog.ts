// What the editor can be told without asking the server: Micromegas views, view sets,
// table functions and UDFs (as the Micromegas analytics server defines them), plus the DataFusion functions users need
// most. One line each; the server's own GetTables answer is merged in by resources.ts.

export type TableKind = 'view' | 'view_set' | 'function';

export interface TableDoc {
  name: string;
  kind: TableKind;
  description: string;
}

export interface FunctionDoc {
  name: string;
  signature: string;
  description: string;
}

/** Global views (queryable by name, listed by GetTables). */
export const GLOBAL_VIEWS: readonly TableDoc[] = [
  {
    name: 'log_entries',
    kind: 'view',
    description: 'log lines of every process: time, level (1 fatal … 6 trace), target, msg, properties',
  },
  {
    name: 'measures',
    kind: 'view',
    description: 'metric samples of every process: time, name, unit, value, properties',
  },
  {
    name: 'processes',
    kind: 'view',
    description: 'one row per process: exe, username, computer, start_time, properties',
  },
  {
    name: 'streams',
    kind: 'view',
    description: 'telemetry streams of each process: stream_id, tags (log, metrics, cpu…), format',
  },
  {
    name: 'blocks',
    kind: 'view',
    description: 'telemetry blocks with their stream and process columns ("processes.exe", …)',
  },
  {
    name: 'log_stats',
    kind: 'view',
    description: 'log counts per minute, process, level and target (fast log volume)',
  },
];

/** View sets reachable through view_instance(view_set, id). */
export const VIEW_SETS: readonly TableDoc[] = [
  {
    name: 'thread_spans',
    kind: 'view_set',
    description: "view_instance('thread_spans', '<stream_id>'): CPU spans of one thread (time range required)",
  },
  {
    name: 'async_events',
    kind: 'view_set',
    description: "view_instance('async_events', '<process_id>'): async span begin/end events of a process",
  },
  {
    name: 'net_spans',
    kind: 'view_set',
    description: "view_instance('net_spans', '<process_id>'): network spans of a process",
  },
  {
    name: 'otel_spans',
    kind: 'view_set',
    description: "view_instance('otel_spans', '<process_id>'): OpenTelemetry spans of a process",
  },
  {
    name: 'images',
    kind: 'view_set',
    description: "view_instance('images', '<process_id>'): images recorded by a process",
  },
];

/** Table functions (UDTFs), usable in FROM. */
export const TABLE_FUNCTIONS: readonly FunctionDoc[] = [
  {
    name: 'view_instance',
    signature: 'view_instance(view_set, id)',
    description: "one instance of a view set, e.g. view_instance('log_entries', '<process_id>')",
  },
  {
    name: 'list_partitions',
    signature: 'list_partitions()',
    description: 'materialized partitions of every view (file, rows, time bounds)',
  },
  { name: 'list_view_sets', signature: 'list_view_sets()', description: 'view sets with their current schema' },
  {
    name: 'process_spans',
    signature: "process_spans(process_id, 'thread'|'async'|'both')",
    description: 'every span of a process over the time range',
  },
  {
    name: 'perfetto_trace_chunks',
    signature: 'perfetto_trace_chunks(process_id, span_types, begin, end)',
    description: 'a Perfetto trace of a process, in chunks',
  },
  { name: 'parse_block', signature: 'parse_block(block_id)', description: 'decoded objects of one telemetry block' },
  {
    name: 'expand_histogram',
    signature: 'expand_histogram(histogram)',
    description: 'histogram bins as rows (bin_center, count)',
  },
  { name: 'jsonb_each', signature: 'jsonb_each(jsonb)', description: 'key/value rows of a JSONB object' },
  {
    name: 'jsonb_array_elements',
    signature: 'jsonb_array_elements(jsonb)',
    description: 'one row per element of a JSONB array',
  },
  { name: 'list_query_denials', signature: 'list_query_denials()', description: 'admin: query deny-list rules' },
  {
    name: 'deny_queries',
    signature: 'deny_queries(match_expr, reason)',
    description: 'admin: deny the queries a boolean expression over the match context matches',
  },
  {
    name: 'retire_partitions',
    signature: 'retire_partitions(view_set, view_instance, begin, end)',
    description: 'admin: delete partitions of a view in a time range',
  },
  {
    name: 'materialize_partitions',
    signature: 'materialize_partitions(view_set, begin, end, delta_seconds)',
    description: 'admin: materialize a view over a time range',
  },
  {
    name: 'regenerate_partitions',
    signature: 'regenerate_partitions(view_set, begin, end, delta_seconds)',
    description: 'admin: rebuild partitions over a time range',
  },
];

/** Scalar and aggregate functions: Micromegas UDFs, then common DataFusion functions. */
export const FUNCTIONS: readonly FunctionDoc[] = [
  {
    name: 'property_get',
    signature: 'property_get(properties, key)',
    description: 'value of one property (NULL when absent)',
  },
  { name: 'properties_length', signature: 'properties_length(properties)', description: 'number of properties' },
  { name: 'properties_to_jsonb', signature: 'properties_to_jsonb(properties)', description: 'properties as JSONB' },
  {
    name: 'properties_to_dict',
    signature: 'properties_to_dict(list_of_key_value_structs)',
    description: 'dictionary-encodes a List<Struct<key, value>> (not the JSONB properties columns)',
  },
  {
    name: 'properties_to_array',
    signature: 'properties_to_array(dict_properties)',
    description: 'unpacks dictionary-encoded properties',
  },
  { name: 'jsonb_parse', signature: 'jsonb_parse(json_text)', description: 'JSON text to JSONB' },
  { name: 'jsonb_get', signature: 'jsonb_get(jsonb, key)', description: 'member of a JSONB object' },
  { name: 'jsonb_format_json', signature: 'jsonb_format_json(jsonb)', description: 'JSONB as JSON text' },
  { name: 'jsonb_as_string', signature: 'jsonb_as_string(jsonb)', description: 'JSONB string as text' },
  { name: 'jsonb_as_f64', signature: 'jsonb_as_f64(jsonb)', description: 'JSONB number as Float64' },
  { name: 'jsonb_as_i64', signature: 'jsonb_as_i64(jsonb)', description: 'JSONB number as Int64' },
  { name: 'jsonb_object_keys', signature: 'jsonb_object_keys(jsonb)', description: 'keys of a JSONB object' },
  { name: 'jsonb_array_length', signature: 'jsonb_array_length(jsonb)', description: 'length of a JSONB array' },
  {
    name: 'jsonb_path_query_first',
    signature: 'jsonb_path_query_first(jsonb, path)',
    description: 'first match of an SQL/JSON path',
  },
  {
    name: 'jsonb_path_query',
    signature: 'jsonb_path_query(jsonb, path)',
    description: 'every match of an SQL/JSON path',
  },
  {
    name: 'get_payload',
    signature: 'get_payload(process_id, stream_id, block_id)',
    description: 'raw payload of a block',
  },
  {
    name: 'make_histogram',
    signature: 'make_histogram(start, end, bins, value)',
    description: 'aggregate: histogram of values',
  },
  { name: 'sum_histograms', signature: 'sum_histograms(histogram)', description: 'aggregate: merges histograms' },
  {
    name: 'quantile_from_histogram',
    signature: 'quantile_from_histogram(histogram, q)',
    description: 'estimated quantile (q in 0..1)',
  },
  {
    name: 'variance_from_histogram',
    signature: 'variance_from_histogram(histogram)',
    description: 'variance of a histogram',
  },
  {
    name: 'count_from_histogram',
    signature: 'count_from_histogram(histogram)',
    description: 'number of values in a histogram',
  },
  {
    name: 'sum_from_histogram',
    signature: 'sum_from_histogram(histogram)',
    description: 'sum of values in a histogram',
  },
  { name: 'rgba', signature: 'rgba(r, g, b, a)', description: 'color as UInt32 0xRRGGBBAA' },
  { name: 'lerp_color', signature: 'lerp_color(c1, c2, t)', description: 'interpolates two packed RGBA colors' },
  {
    name: 'color_scale',
    signature: "color_scale('viridis', t, alpha)",
    description: 'packed color from a perceptual scale (viridis, magma, plasma, inferno, cividis, turbo)',
  },
  { name: 'lerp', signature: 'lerp(a, b, t)', description: 'linear interpolation' },
  { name: 'unlerp', signature: 'unlerp(a, b, x)', description: 'inverse linear interpolation' },
  { name: 'bin_center', signature: 'bin_center(coord, cell_size)', description: 'center of the cell holding coord' },
  {
    name: 'retire_partition_by_metadata',
    signature: 'retire_partition_by_metadata(view_set, view_instance, begin, end)',
    description: 'admin: retire one partition',
  },
  {
    name: 'retire_partition_by_file',
    signature: 'retire_partition_by_file(file_path)',
    description: 'admin: retire the partition stored in that file',
  },
  {
    name: 'remove_query_denial',
    signature: 'remove_query_denial(rule_id)',
    description: 'admin: lift a deny-list rule',
  },
  // DataFusion built-ins users reach for in dashboards.
  {
    name: 'date_bin',
    signature: 'date_bin(interval, timestamp[, origin])',
    description: 'timestamp floored to a bin of the interval',
  },
  { name: 'date_trunc', signature: "date_trunc('hour', timestamp)", description: 'timestamp truncated to a unit' },
  {
    name: 'date_part',
    signature: "date_part('hour', timestamp)",
    description: 'one part of a timestamp (alias datepart)',
  },
  { name: 'now', signature: 'now()', description: 'current time (UTC)' },
  { name: 'to_timestamp', signature: 'to_timestamp(value)', description: 'text or number to a timestamp' },
  { name: 'arrow_typeof', signature: 'arrow_typeof(expr)', description: 'Arrow type of an expression' },
  { name: 'array_has', signature: 'array_has(list, value)', description: 'true when the list contains the value' },
  { name: 'encode', signature: "encode(binary, 'hex')", description: 'binary as hex or base64 text' },
  {
    name: 'regexp_like',
    signature: 'regexp_like(text, pattern)',
    description: 'true when the regular expression matches',
  },
  { name: 'count', signature: 'count(expr)', description: 'aggregate: number of non-null values' },
  { name: 'sum', signature: 'sum(expr)', description: 'aggregate: sum' },
  { name: 'avg', signature: 'avg(expr)', description: 'aggregate: mean' },
  { name: 'min', signature: 'min(expr)', description: 'aggregate: minimum' },
  { name: 'max', signature: 'max(expr)', description: 'aggregate: maximum' },
  {
    name: 'approx_percentile_cont',
    signature: 'approx_percentile_cont(expr, p)',
    description: 'aggregate: approximate percentile',
  },
  { name: 'approx_distinct', signature: 'approx_distinct(expr)', description: 'aggregate: approximate distinct count' },
  { name: 'approx_median', signature: 'approx_median(expr)', description: 'aggregate: approximate median' },
  { name: 'arrow_cast', signature: "arrow_cast(expr, 'Int32')", description: 'cast to an Arrow type by name' },
  { name: 'to_char', signature: "to_char(timestamp, '%Y-%m-%d')", description: 'timestamp formatted as text' },
  {
    name: 'to_timestamp_seconds',
    signature: 'to_timestamp_seconds(epoch_seconds)',
    description: 'seconds since the epoch to a timestamp',
  },
  {
    name: 'from_unixtime',
    signature: 'from_unixtime(epoch_seconds)',
    description: 'seconds since the epoch to a timestamp',
  },
  { name: 'make_array', signature: 'make_array(a, b, …)', description: 'a list of the values' },
  { name: 'cardinality', signature: 'cardinality(list)', description: 'number of elements of a list' },
  { name: 'unnest', signature: 'unnest(list)', description: 'one row per list element' },
  { name: 'named_struct', signature: "named_struct('a', x, 'b', y)", description: 'a struct of named fields' },
];
