// The Micromegas analytics schema as the dev server serves it: one definition per
// view with its DuckDB storage type, the Arrow type Micromegas sends for it, and the
// columns its time-range predicate reads (a view keeps the rows that overlap the query range).

/** How a column travels on the wire (before dictionary hydration). */
export type WireKind =
  | 'dict-utf8' // Dictionary(Int32, Utf8)
  | 'jsonb' // Dictionary(Int32, Binary) holding JSONB
  | 'utf8'
  | 'binary'
  | 'ts' // Timestamp(ns, "+00:00")
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'float64'
  | 'bool'
  | 'tags'; // List<Utf8>, item field "tag"

export interface ColumnDef {
  name: string;
  kind: WireKind;
  nullable?: boolean;
}

export interface ViewDef {
  name: string;
  columns: ColumnDef[];
  /** Time-range predicate: a row matches when `lo <= end AND hi >= begin` (inclusive). */
  lo: string;
  hi: string;
  /** Listed by GetTables / usable by bare name. */
  global: boolean;
  /** Column naming the view instance in `view_instance(view_set, id)`. */
  instanceKey?: string;
  /** Storage-only columns that the view does not expose (e.g. the instance key of thread spans). */
  hidden?: ColumnDef[];
  /** No sample data: only the declared (empty) storage exists. */
  noSample?: boolean;
  /** The range is mandatory for view instances of this set (thread spans). */
  rangeMandatory?: boolean;
}

const DUCK_TYPES: Record<WireKind, string> = {
  'dict-utf8': 'VARCHAR',
  jsonb: 'JSON',
  utf8: 'VARCHAR',
  binary: 'BLOB',
  ts: 'TIMESTAMPTZ',
  int32: 'INTEGER',
  int64: 'BIGINT',
  uint32: 'UINTEGER',
  float64: 'DOUBLE',
  bool: 'BOOLEAN',
  tags: 'VARCHAR[]',
};

export function duckType(kind: WireKind): string {
  return DUCK_TYPES[kind];
}

const c = (name: string, kind: WireKind, nullable = false): ColumnDef => ({ name, kind, nullable });

const LOG_COLUMNS: ColumnDef[] = [
  c('process_id', 'dict-utf8'),
  c('stream_id', 'dict-utf8'),
  c('block_id', 'dict-utf8'),
  c('insert_time', 'ts'),
  c('exe', 'dict-utf8'),
  c('username', 'dict-utf8'),
  c('computer', 'dict-utf8'),
  c('time', 'ts'),
  c('target', 'dict-utf8'),
  c('level', 'int32'),
  c('msg', 'utf8'),
  c('properties', 'jsonb'),
  c('process_properties', 'jsonb'),
];

const MEASURE_COLUMNS: ColumnDef[] = [
  c('process_id', 'dict-utf8'),
  c('stream_id', 'dict-utf8'),
  c('block_id', 'dict-utf8'),
  c('insert_time', 'ts'),
  c('exe', 'dict-utf8'),
  c('username', 'dict-utf8'),
  c('computer', 'dict-utf8'),
  c('time', 'ts'),
  c('target', 'dict-utf8'),
  c('name', 'dict-utf8'),
  c('unit', 'dict-utf8'),
  c('value', 'float64'),
  c('properties', 'jsonb'),
  c('process_properties', 'jsonb'),
];

// processes and streams are aggregations over blocks (GROUP BY process_id / stream_id with
// first_value/max): DataFusion declares every column but the group key nullable.
export const PROCESS_COLUMNS: ColumnDef[] = [
  c('process_id', 'utf8'),
  c('exe', 'utf8', true),
  c('username', 'utf8', true),
  c('realname', 'utf8', true),
  c('computer', 'utf8', true),
  c('distro', 'utf8', true),
  c('cpu_brand', 'utf8', true),
  c('tsc_frequency', 'int64', true),
  c('start_time', 'ts', true),
  c('start_ticks', 'int64', true),
  c('insert_time', 'ts', true),
  c('parent_process_id', 'utf8', true),
  c('properties', 'jsonb', true),
  c('last_update_time', 'ts', true),
  c('last_block_end_ticks', 'int64', true),
  c('last_block_end_time', 'ts', true),
];

export const STREAM_COLUMNS: ColumnDef[] = [
  c('stream_id', 'utf8'),
  c('process_id', 'utf8', true),
  c('dependencies_metadata', 'binary', true),
  c('objects_metadata', 'binary', true),
  c('tags', 'tags', true),
  c('properties', 'jsonb', true),
  c('insert_time', 'ts', true),
  c('format', 'utf8', true),
  c('last_update_time', 'ts', true),
];

/** Stored block rows (what ingestion writes); the `blocks` view joins streams and processes onto them. */
export const BLOCK_STORAGE_COLUMNS: ColumnDef[] = [
  c('block_id', 'utf8'),
  c('stream_id', 'utf8'),
  c('process_id', 'utf8'),
  c('begin_time', 'ts'),
  c('begin_ticks', 'int64'),
  c('end_time', 'ts'),
  c('end_ticks', 'int64'),
  c('nb_objects', 'int32'),
  c('object_offset', 'int64'),
  c('payload_size', 'int64'),
  c('insert_time', 'ts'),
];

const BLOCK_JOINED_COLUMNS: ColumnDef[] = [
  c('streams.dependencies_metadata', 'binary'),
  c('streams.objects_metadata', 'binary'),
  c('streams.tags', 'tags', true),
  c('streams.properties', 'jsonb'),
  c('streams.insert_time', 'ts'),
  c('streams.format', 'utf8'),
  c('processes.start_time', 'ts'),
  c('processes.start_ticks', 'int64'),
  c('processes.tsc_frequency', 'int64'),
  c('processes.exe', 'utf8'),
  c('processes.username', 'utf8'),
  c('processes.realname', 'utf8'),
  c('processes.computer', 'utf8'),
  c('processes.distro', 'utf8'),
  c('processes.cpu_brand', 'utf8'),
  c('processes.insert_time', 'ts'),
  c('processes.parent_process_id', 'utf8'),
  c('processes.properties', 'jsonb'),
];

export const PAYLOAD_COLUMNS: ColumnDef[] = [
  c('process_id', 'utf8'),
  c('stream_id', 'utf8'),
  c('block_id', 'utf8'),
  c('payload', 'binary'),
];

export const VIEWS: ViewDef[] = [
  { name: 'log_entries', columns: LOG_COLUMNS, lo: 'time', hi: 'time', global: true, instanceKey: 'process_id' },
  { name: 'measures', columns: MEASURE_COLUMNS, lo: 'time', hi: 'time', global: true, instanceKey: 'process_id' },
  { name: 'processes', columns: PROCESS_COLUMNS, lo: 'insert_time', hi: 'last_update_time', global: true },
  { name: 'streams', columns: STREAM_COLUMNS, lo: 'insert_time', hi: 'last_update_time', global: true },
  {
    name: 'blocks',
    columns: [...BLOCK_STORAGE_COLUMNS, ...BLOCK_JOINED_COLUMNS],
    lo: 'begin_time',
    hi: 'insert_time',
    global: true,
  },
  {
    name: 'log_stats',
    columns: [
      c('time_bin', 'ts'),
      c('process_id', 'dict-utf8'),
      c('level', 'int32'),
      c('target', 'dict-utf8'),
      c('count', 'int64'),
    ],
    lo: 'time_bin',
    hi: 'time_bin',
    global: true,
  },
  {
    name: 'thread_spans',
    columns: [
      c('id', 'int64'),
      c('parent', 'int64'),
      c('depth', 'uint32'),
      c('hash', 'uint32'),
      c('begin', 'ts'),
      c('end', 'ts'),
      c('duration', 'int64'),
      c('name', 'dict-utf8'),
      c('target', 'dict-utf8'),
      c('filename', 'dict-utf8'),
      c('line', 'uint32'),
    ],
    hidden: [c('stream_id', 'utf8')],
    lo: 'begin',
    hi: 'end',
    global: false,
    instanceKey: 'stream_id',
    rangeMandatory: true,
  },
  {
    name: 'async_events',
    columns: [
      c('stream_id', 'dict-utf8'),
      c('block_id', 'dict-utf8'),
      c('time', 'ts'),
      c('event_type', 'dict-utf8'),
      c('span_id', 'int64'),
      c('parent_span_id', 'int64'),
      c('depth', 'uint32'),
      c('hash', 'uint32'),
      c('name', 'dict-utf8'),
      c('filename', 'dict-utf8'),
      c('target', 'dict-utf8'),
      c('line', 'uint32'),
    ],
    hidden: [c('process_id', 'utf8')],
    lo: 'time',
    hi: 'time',
    global: false,
    instanceKey: 'process_id',
  },
  // Per-process view sets without sample data ("global" is rejected upstream too): the declared
  // schema serves planning and zero-row answers. FixedSizeBinary ids travel as Binary here.
  {
    name: 'net_spans',
    columns: [
      c('process_id', 'dict-utf8'),
      c('stream_id', 'dict-utf8'),
      c('span_id', 'int64'),
      c('parent_span_id', 'int64'),
      c('depth', 'uint32'),
      c('kind', 'dict-utf8'),
      c('name', 'dict-utf8'),
      c('connection_name', 'dict-utf8'),
      c('is_outgoing', 'bool'),
      c('begin_bits', 'int64'),
      c('end_bits', 'int64'),
      c('bit_size', 'int64'),
      c('begin_time', 'ts'),
      c('end_time', 'ts'),
    ],
    lo: 'begin_time',
    hi: 'end_time',
    global: false,
    instanceKey: 'process_id',
    noSample: true,
  },
  {
    name: 'otel_spans',
    columns: [
      c('process_id', 'dict-utf8'),
      c('stream_id', 'dict-utf8'),
      c('block_id', 'dict-utf8'),
      c('insert_time', 'ts'),
      c('exe', 'utf8'),
      c('username', 'utf8'),
      c('computer', 'utf8'),
      c('process_properties', 'jsonb'),
      c('trace_id', 'binary'),
      c('span_id', 'binary'),
      c('parent_span_id', 'binary', true),
      c('start_time', 'ts'),
      c('end_time', 'ts'),
      c('duration', 'int64'),
      c('name', 'dict-utf8'),
      c('kind', 'dict-utf8'),
      c('status', 'dict-utf8'),
      c('status_message', 'utf8', true),
      c('properties', 'jsonb'),
      c('events', 'binary'),
      c('links', 'binary'),
    ],
    lo: 'start_time',
    hi: 'end_time',
    global: false,
    instanceKey: 'process_id',
    noSample: true,
  },
  {
    name: 'images',
    columns: [
      c('process_id', 'dict-utf8'),
      c('stream_id', 'dict-utf8'),
      c('block_id', 'dict-utf8'),
      c('insert_time', 'ts'),
      c('exe', 'dict-utf8'),
      c('username', 'dict-utf8'),
      c('computer', 'dict-utf8'),
      c('time', 'ts'),
      c('name', 'utf8'),
      c('format', 'dict-utf8'),
      c('payload_size', 'int64'),
      c('data', 'binary'),
    ],
    lo: 'time',
    hi: 'time',
    global: false,
    instanceKey: 'process_id',
    noSample: true,
  },
];

export const VIEW_BY_NAME: ReadonlyMap<string, ViewDef> = new Map(VIEWS.map((v) => [v.name, v]));

/** Columns as stored (the blocks view stores only its own columns; hidden keys are stored). */
export function storageColumns(view: ViewDef): ColumnDef[] {
  const own = view.name === 'blocks' ? BLOCK_STORAGE_COLUMNS : view.columns;
  return [...own, ...(view.hidden ?? [])];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createTableSql(qualifiedName: string, columns: ColumnDef[]): string {
  return `CREATE TABLE ${qualifiedName} (${columns.map((col) => `${quoteIdent(col.name)} ${duckType(col.kind)}`).join(', ')})`;
}

/** DataFusion's display of a column's Arrow type (information_schema.columns.data_type, DESCRIBE). */
export function dataFusionType(kind: WireKind): string {
  switch (kind) {
    case 'dict-utf8':
      return 'Dictionary(Int32, Utf8)';
    case 'jsonb':
      return 'Dictionary(Int32, Binary)';
    case 'utf8':
      return 'Utf8';
    case 'binary':
      return 'Binary';
    case 'ts':
      return 'Timestamp(ns, "+00:00")';
    case 'int32':
      return 'Int32';
    case 'int64':
      return 'Int64';
    case 'uint32':
      return 'UInt32';
    case 'float64':
      return 'Float64';
    case 'bool':
      return 'Boolean';
    case 'tags':
      return 'List(Utf8)';
  }
}

/** The information_schema tables DataFusion lists next to the registered views. */
export const INFORMATION_SCHEMA_TABLES = [
  'tables',
  'views',
  'columns',
  'df_settings',
  'schemata',
  'routines',
  'parameters',
];

/** DuckDB statements creating the catalog tables behind information_schema, SHOW and DESCRIBE. */
export function catalogSql(): string[] {
  const lit = (v: string): string => `'${v.replace(/'/g, "''")}'`;
  const tables = [
    ...VIEWS.filter((v) => v.global).map((v) => `('datafusion', 'public', ${lit(v.name)}, 'BASE TABLE')`),
    ...INFORMATION_SCHEMA_TABLES.map((t) => `('datafusion', 'information_schema', ${lit(t)}, 'VIEW')`),
  ];
  const columns = VIEWS.filter((v) => v.global).flatMap((v) =>
    v.columns.map(
      (col, i) =>
        `('datafusion', 'public', ${lit(v.name)}, ${lit(col.name)}, ${i}, ${lit(col.nullable ? 'YES' : 'NO')}, ${lit(dataFusionType(col.kind))})`
    )
  );
  return [
    'CREATE TABLE lake.__df_tables (table_catalog VARCHAR NOT NULL, table_schema VARCHAR NOT NULL, table_name VARCHAR NOT NULL, table_type VARCHAR NOT NULL)',
    `INSERT INTO lake.__df_tables VALUES ${tables.join(', ')}`,
    `CREATE TABLE lake.__df_columns AS SELECT table_catalog, table_schema, table_name, column_name, CAST(ordinal_position AS UBIGINT) AS ordinal_position,
       CAST(NULL AS VARCHAR) AS column_default, is_nullable, data_type, CAST(NULL AS UBIGINT) AS character_maximum_length,
       CAST(NULL AS UBIGINT) AS character_octet_length, CAST(NULL AS UBIGINT) AS numeric_precision, CAST(NULL AS UBIGINT) AS numeric_precision_radix,
       CAST(NULL AS UBIGINT) AS numeric_scale, CAST(NULL AS UBIGINT) AS datetime_precision, CAST(NULL AS VARCHAR) AS interval_type
     FROM (VALUES ${columns.join(', ')}) c(table_catalog, table_schema, table_name, column_name, ordinal_position, is_nullable, data_type)`,
    `CREATE TABLE lake.__df_views (table_catalog VARCHAR NOT NULL, table_schema VARCHAR NOT NULL, table_name VARCHAR NOT NULL, definition VARCHAR)`,
    `CREATE TABLE lake.__df_schemata AS SELECT * FROM (VALUES ('datafusion', 'public', NULL, NULL, NULL, NULL, NULL), ('datafusion', 'information_schema', NULL, NULL, NULL, NULL, NULL))
       s(catalog_name, schema_name, schema_owner, default_character_set_catalog, default_character_set_schema, default_character_set_name, sql_path)`,
    `CREATE TABLE lake.__df_df_settings AS SELECT * FROM (VALUES ('datafusion.execution.time_zone', '+00:00', 'The default time zone'),
       ('datafusion.sql_parser.dialect', 'generic', 'Configure the SQL dialect used by DataFusion''s parser'))
       s(name, value, description)`,
  ];
}
