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
  ['net_spans', false],
  ['otel_spans', false],
  ['images', false],
];

// Public colour maps (matplotlib's viridis, magma, plasma, inferno, cividis; Google's turbo)
// sampled at 11 evenly spaced stops, as listed in Micromegas' functions reference.
const COLOR_SCALES: Array<[string, string[]]> = [
  [
    'viridis',
    ['440154', '482475', '404387', '345f8d', '29788e', '20908c', '22a884', '42be70', '79d151', 'bbde27', 'fde725'],
  ],
  [
    'magma',
    ['000004', '140e37', '3b0f6f', '641a80', '8c2981', 'b53679', 'dd4968', 'f66e5b', 'fe9f6d', 'fece91', 'fcfdbf'],
  ],
  [
    'plasma',
    ['0d0887', '41039d', '6a00a8', '900da3', 'b12a90', 'cb4678', 'e16462', 'f1834b', 'fca636', 'fccd25', 'f0f921'],
  ],
  [
    'inferno',
    ['000004', '170b3a', '420a67', '6b176e', '932567', 'bb3654', 'dc5139', 'f3761a', 'fca40a', 'f6d644', 'fcffa4'],
  ],
  [
    'cividis',
    ['002051', '0a316a', '2a436d', '4c566d', '68686f', '7f7b74', '948f78', 'aca375', 'cab969', 'e9d156', 'fde945'],
  ],
  [
    'turbo',
    ['22171b', '4957dc', '2f9df4', '27d6c3', '4cf883', '94fa50', 'dedc32', 'ffa422', 'f55e17', 'ba2108', '900c00'],
  ],
];

/** `[[r…], [g…], [b…]]` as a DuckDB list literal of doubles. */
function scaleLiteral(stops: string[]): string {
  const channel = (i: number): string =>
    `[${stops.map((h) => parseInt(h.slice(2 * i, 2 * i + 2), 16)).join(', ')}]::DOUBLE[]`;
  return `[${channel(0)}, ${channel(1)}, ${channel(2)}]`;
}

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
  // Histograms (datafusion-extensions histogram: struct start, end, min, max, sum, sum_sq,
  // count UInt64, bins List<UInt64>, all non-null, see histogram.ts; a value's bin is
  // floor((v - start) / width) clamped; no values: min f64::MAX, max f64::MIN, sums 0).
  `CREATE MACRO make_histogram(s, e, nb, v) AS {'start': CAST(s AS DOUBLE), 'end': CAST(e AS DOUBLE),
     'min': coalesce(min(CAST(v AS DOUBLE)), 1.7976931348623157e308), 'max': coalesce(max(CAST(v AS DOUBLE)), -1.7976931348623157e308),
     'sum': coalesce(sum(CAST(v AS DOUBLE)), 0.0), 'sum_sq': coalesce(sum(CAST(v AS DOUBLE) * CAST(v AS DOUBLE)), 0.0), 'count': CAST(count(v) AS UBIGINT),
     'bins': list_transform(range(CAST(nb AS BIGINT)), i -> CAST(coalesce(histogram(CAST(least(greatest(
        floor((CAST(v AS DOUBLE) - s) / ((e - s) / nb)), 0), nb - 1) AS BIGINT))[i], 0) AS UBIGINT))}`,
  // No histogram to merge: a NULL histogram, as upstream's unconfigured accumulator.
  `CREATE MACRO sum_histograms(h) AS CASE WHEN count(h) = 0 THEN NULL ELSE {'start': min(struct_extract(h, 'start')), 'end': max(struct_extract(h, 'end')),
     'min': min(struct_extract(h, 'min')), 'max': max(struct_extract(h, 'max')), 'sum': sum(struct_extract(h, 'sum')),
     'sum_sq': sum(struct_extract(h, 'sum_sq')), 'count': CAST(sum(struct_extract(h, 'count')) AS UBIGINT),
     'bins': list_reduce(list(struct_extract(h, 'bins')), (x, y) -> list_transform(range(len(x)), k -> x[k + 1] + y[k + 1]))} END`,
  `CREATE MACRO count_from_histogram(h) AS struct_extract(h, 'count')`,
  `CREATE MACRO sum_from_histogram(h) AS struct_extract(h, 'sum')`,
  `CREATE MACRO variance_from_histogram(h) AS ((struct_extract(h, 'sum_sq') / struct_extract(h, 'count')) - (struct_extract(h, 'sum') / struct_extract(h, 'count')) * (struct_extract(h, 'sum') / struct_extract(h, 'count'))) * (struct_extract(h, 'count') / (struct_extract(h, 'count') - 1.0))`,
  // Linear interpolation inside the first bin whose running count reaches count * ratio.
  `CREATE MACRO quantile_from_histogram(h, ratio) AS (
     SELECT (1.0 - (struct_extract(h, 'count') * ratio - (acc - c)) / c) * (struct_extract(h, 'start') + idx * (struct_extract(h, 'end') - struct_extract(h, 'start')) / len(struct_extract(h, 'bins')))
          + ((struct_extract(h, 'count') * ratio - (acc - c)) / c) * (struct_extract(h, 'start') + (idx + 1) * (struct_extract(h, 'end') - struct_extract(h, 'start')) / len(struct_extract(h, 'bins')))
     FROM (SELECT i - 1 AS idx, struct_extract(h, 'bins')[i] AS c, list_sum(struct_extract(h, 'bins')[1:i]) AS acc FROM range(1, len(struct_extract(h, 'bins')) + 1) r(i))
     WHERE acc >= struct_extract(h, 'count') * ratio AND c > 0 ORDER BY idx LIMIT 1)`,
  `CREATE MACRO expand_histogram(h) AS TABLE
     SELECT struct_extract(h, 'start') + (i + 0.5) * (struct_extract(h, 'end') - struct_extract(h, 'start')) / len(struct_extract(h, 'bins')) AS bin_center, struct_extract(h, 'bins')[i + 1] AS count
     FROM range(len(struct_extract(h, 'bins'))) r(i)`,
  // Colours: UInt32 packed 0xRRGGBBAA, channels clamped to [0, 1], round half up.
  `CREATE MACRO __chan(x) AS CAST(round(least(greatest(CAST(x AS DOUBLE), 0.0), 1.0) * 255) AS UBIGINT)`,
  `CREATE MACRO rgba(r, g, b, a) AS CAST((__chan(r) << 24) | (__chan(g) << 16) | (__chan(b) << 8) | __chan(a) AS UINTEGER)`,
  `CREATE MACRO __byte(c, shift) AS CAST((CAST(c AS UBIGINT) >> shift) & 255 AS DOUBLE)`,
  `CREATE MACRO __lerp_byte(c1, c2, t, shift) AS CAST(round(__byte(c1, shift) + (__byte(c2, shift) - __byte(c1, shift))
     * least(greatest(CAST(t AS DOUBLE), 0.0), 1.0)) AS UBIGINT) << shift`,
  `CREATE MACRO lerp_color(c1, c2, t) AS CAST(__lerp_byte(c1, c2, t, 24) | __lerp_byte(c1, c2, t, 16)
     | __lerp_byte(c1, c2, t, 8) | __lerp_byte(c1, c2, t, 0) AS UINTEGER)`,
  `CREATE MACRO lerp(a, b, t) AS CAST(a AS DOUBLE) + (CAST(b AS DOUBLE) - CAST(a AS DOUBLE)) * CAST(t AS DOUBLE)`,
  `CREATE MACRO unlerp(a, b, x) AS (CAST(x AS DOUBLE) - CAST(a AS DOUBLE)) / (CAST(b AS DOUBLE) - CAST(a AS DOUBLE))`,
  `CREATE MACRO color_scale(name, t, alpha) AS (
     SELECT CAST((CAST(round(lerp(s[1][k], s[1][k + 1], f)) AS UBIGINT) << 24) | (CAST(round(lerp(s[2][k], s[2][k + 1], f)) AS UBIGINT) << 16)
       | (CAST(round(lerp(s[3][k], s[3][k + 1], f)) AS UBIGINT) << 8) | __chan(alpha) AS UINTEGER)
     FROM (SELECT s, least(CAST(floor(p) AS BIGINT), 9) + 1 AS k, p - least(CAST(floor(p) AS BIGINT), 9) AS f
           FROM (SELECT CASE lower(name) ${COLOR_SCALES.map(([n, stops]) => `WHEN '${n}' THEN ${scaleLiteral(stops)}`).join(' ')}
                   ELSE error(format('unknown color scale ''{}''; recognized: ${COLOR_SCALES.map(([n]) => n).join(', ')}', name)) END AS s,
                        least(greatest(CAST(t AS DOUBLE), 0.0), 1.0) * 10 AS p)))`,
  `CREATE MACRO bin_center(coord, cell_size) AS floor(CAST(coord AS DOUBLE) / cell_size + 0.5) * CAST(cell_size AS DOUBLE)`,
  // JSONB row expansion.
  `CREATE MACRO jsonb_each(j) AS TABLE SELECT key, CAST(value AS JSON) AS value FROM json_each(j)`,
  `CREATE MACRO jsonb_array_elements(j) AS TABLE SELECT CAST(value AS JSON) AS value FROM json_each(j) WHERE json_type(j) = 'ARRAY'`,
  `CREATE MACRO jsonb_path_query_first(j, path) AS json_extract(j, path)`,
  // DataFusion's arrow_typeof names for the types the dev server produces.
  `CREATE MACRO arrow_typeof(x) AS CASE typeof(x) WHEN 'BIGINT' THEN 'Int64' WHEN 'INTEGER' THEN 'Int32' WHEN 'SMALLINT' THEN 'Int16'
     WHEN 'TINYINT' THEN 'Int8' WHEN 'UBIGINT' THEN 'UInt64' WHEN 'UINTEGER' THEN 'UInt32' WHEN 'DOUBLE' THEN 'Float64'
     WHEN 'FLOAT' THEN 'Float32' WHEN 'VARCHAR' THEN 'Utf8' WHEN 'BOOLEAN' THEN 'Boolean' WHEN 'BLOB' THEN 'Binary'
     WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'Timestamp(ns, "+00:00")' WHEN 'TIMESTAMP' THEN 'Timestamp(ns)' WHEN 'JSON' THEN 'Binary'
     WHEN 'DATE' THEN 'Date32' WHEN 'INTERVAL' THEN 'Interval(MonthDayNano)' ELSE typeof(x) END`,
  `CREATE MACRO get_payload(pid, sid, bid) AS (SELECT p.payload FROM lake.payloads p WHERE p.block_id = bid LIMIT 1)`,
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
];
