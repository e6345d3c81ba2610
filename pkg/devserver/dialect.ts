// DataFusion/Micromegas spellings users' queries rely on, defined once as DuckDB
// macros in the main catalog (visible to every per-query connection).
// Properties are stored as DuckDB JSON, so the JSONB functions become JSON functions;
// JSON-typed results are sent as JSONB binary on the wire (see arrow.ts).

const jsonKey = (key: string): string => `'$.' || CAST(to_json(${key}) AS VARCHAR)`;

const VIEW_SETS: Array<[string, boolean]> = [
  ['log_entries', true],
  ['measures', true],
  ['processes', true],
  ['streams', true],
  ['blocks', true],
  ['log_stats', true],
  ['thread_spans', false],
  ['async_events', false],
];

export const DIALECT_SQL: string[] = [
  // date_bin(stride, source[, origin]): DataFusion's default origin is the Unix epoch.
  `CREATE MACRO date_bin(stride, source) AS time_bucket(stride, source, TIMESTAMPTZ '1970-01-01 00:00:00+00'),
                        (stride, source, origin) AS time_bucket(stride, source, origin)`,
  `CREATE MACRO property_get(props, key) AS json_extract_string(props, ${jsonKey('key')})`,
  `CREATE MACRO properties_length(props) AS CAST(len(json_keys(props)) AS INTEGER)`,
  `CREATE MACRO properties_to_dict(props) AS props`,
  `CREATE MACRO properties_to_array(props) AS props`,
  `CREATE MACRO properties_to_jsonb(props) AS props`,
  `CREATE MACRO jsonb_parse(text) AS CAST(text AS JSON)`,
  `CREATE MACRO jsonb_get(j, key) AS json_extract(j, ${jsonKey('key')})`,
  `CREATE MACRO jsonb_format_json(j) AS CAST(j AS VARCHAR)`,
  `CREATE MACRO jsonb_as_string(j) AS CASE WHEN json_type(j) = 'VARCHAR' THEN json_extract_string(j, '$') END`,
  `CREATE MACRO jsonb_as_f64(j) AS TRY_CAST(json_extract_string(j, '$') AS DOUBLE)`,
  `CREATE MACRO jsonb_as_i64(j) AS TRY_CAST(json_extract_string(j, '$') AS BIGINT)`,
  `CREATE MACRO jsonb_object_keys(j) AS json_keys(j)`,
  `CREATE MACRO jsonb_array_length(j) AS CAST(json_array_length(j) AS BIGINT)`,
  `CREATE MACRO list_view_sets() AS TABLE
     SELECT * FROM (VALUES ${VIEW_SETS.map(([name, global]) => `('${name}', '\\x01'::BLOB, 'see docs/devserver.md', true, ${global})`).join(', ')})
     t(view_set_name, current_schema_hash, schema, has_view_maker, global_instance_available)`,
  `CREATE MACRO list_partitions() AS TABLE
     SELECT view_set_name, view_instance_id, begin_insert_time, end_insert_time, min_event_time, max_event_time, updated, file_path, file_size,
       file_schema_hash, source_data_hash, num_rows, CAST(2 AS INTEGER) AS partition_format_version, CAST(NULL AS VARCHAR[]) AS sort_order,
       max_event_time AS max_sort_key_time
     FROM lake.__partitions ORDER BY view_set_name, begin_insert_time`,
  // Partitions are always materialized here: report each window as up to date, as the
  // upstream log stream does for partitions whose source hash matches.
  `CREATE MACRO materialize_partitions(view_set, begin_t, end_t, delta_seconds) AS TABLE
     SELECT now() AS time,
       format('[{}] view_set={} instance=global partition [{}, {}) is up to date', view_set, view_set, strftime(w, '%Y-%m-%dT%H:%M:%SZ'),
              strftime(w + to_seconds(CAST(delta_seconds AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ')) AS msg
     FROM generate_series(CAST(begin_t AS TIMESTAMPTZ), CAST(end_t AS TIMESTAMPTZ) - INTERVAL '1 microsecond', to_seconds(CAST(delta_seconds AS BIGINT))) g(w)`,
  // Regeneration rebuilds each window from its blocks; here the sample partitions are already built from them.
  `CREATE MACRO regenerate_partitions(view_set, begin_t, end_t, delta_seconds) AS TABLE
     SELECT now() AS time,
       format('[{}] view_set={} instance=global partition [{}, {}) regenerated', view_set, view_set, strftime(w, '%Y-%m-%dT%H:%M:%SZ'),
              strftime(w + to_seconds(CAST(delta_seconds AS BIGINT)), '%Y-%m-%dT%H:%M:%SZ')) AS msg
     FROM generate_series(CAST(begin_t AS TIMESTAMPTZ), CAST(end_t AS TIMESTAMPTZ) - INTERVAL '1 microsecond', to_seconds(CAST(delta_seconds AS BIGINT))) g(w)`,
  // Traces built at startup (perfetto.ts); the time range is accepted, the whole sample trace returned.
  `CREATE MACRO perfetto_trace_chunks(pid, kinds, begin_t, end_t) AS TABLE
     SELECT p.chunk_id, p.chunk_data FROM lake.__perfetto p
     WHERE p.process_id = pid AND p.span_types = CASE WHEN kinds IN ('thread', 'async', 'both') THEN kinds
       ELSE error(format('span_types must be ''thread'', ''async'' or ''both'', got ''{}''', kinds)) END
     ORDER BY p.chunk_id`,
  `CREATE MACRO retire_partition_by_metadata(view_set, instance_id, begin_t, end_t) AS
     CASE WHEN EXISTS (SELECT 1 FROM lake.__partitions p WHERE p.view_set_name = view_set AND p.view_instance_id = instance_id
                         AND p.begin_insert_time = CAST(begin_t AS TIMESTAMPTZ) AND p.end_insert_time = CAST(end_t AS TIMESTAMPTZ))
          THEN format('SUCCESS: retired partition {}/{} [{}, {}) (dev server: partition kept, nothing is deleted)', view_set, instance_id, begin_t, end_t)
          ELSE format('ERROR: partition not found: {}/{} [{}, {})', view_set, instance_id, begin_t, end_t) END`,
];
