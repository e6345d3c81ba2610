// GetSqlInfo: ids 0, 1, 2 and 508–512 in the FlightSQL result layout
// (info_name UInt32, value DenseUnion<string, bool, bigint, int32_bitmask, string_list, int32_to_int32_list_map>).
import {
  Bool,
  DenseUnion,
  Field,
  Int32,
  Int64,
  List,
  Map_,
  RecordBatch,
  Schema,
  Struct,
  Uint32,
  Utf8,
  makeData,
  type Data,
} from 'apache-arrow';

const SQL_INFO: Record<number, string | string[]> = {
  0: 'Micromegas Flight SQL Server',
  1: '1',
  2: '1.3',
  508: [
    'absolute',
    'action',
    'add',
    'all',
    'allocate',
    'alter',
    'and',
    'any',
    'are',
    'array',
    'as',
    'asc',
    'between',
    'by',
    'case',
    'cast',
    'create',
    'cross',
    'current',
    'date',
    'delete',
    'desc',
    'describe',
    'distinct',
    'drop',
    'else',
    'end',
    'except',
    'exists',
    'explain',
    'false',
    'filter',
    'first',
    'following',
    'for',
    'from',
    'full',
    'group',
    'having',
    'in',
    'inner',
    'insert',
    'intersect',
    'interval',
    'into',
    'is',
    'join',
    'last',
    'lateral',
    'left',
    'like',
    'limit',
    'natural',
    'not',
    'null',
    'nulls',
    'offset',
    'on',
    'or',
    'order',
    'outer',
    'over',
    'partition',
    'preceding',
    'range',
    'right',
    'rows',
    'select',
    'set',
    'show',
    'table',
    'then',
    'timestamp',
    'true',
    'unbounded',
    'union',
    'update',
    'using',
    'values',
    'when',
    'where',
    'window',
    'with',
  ],
  509: [
    'abs',
    'acos',
    'acosh',
    'asin',
    'asinh',
    'atan',
    'atan2',
    'atanh',
    'cbrt',
    'ceil',
    'cos',
    'cosh',
    'degrees',
    'exp',
    'factorial',
    'floor',
    'gcd',
    'isnan',
    'iszero',
    'lcm',
    'ln',
    'log',
    'log10',
    'log2',
    'nanvl',
    'pi',
    'pow',
    'power',
    'radians',
    'random',
    'round',
    'signum',
    'sin',
    'sinh',
    'sqrt',
    'tan',
    'tanh',
    'trunc',
  ],
  510: [
    'arrow_cast',
    'arrow_typeof',
    'ascii',
    'bit_length',
    'btrim',
    'char_length',
    'character_length',
    'chr',
    'coalesce',
    'concat',
    'concat_ws',
    'initcap',
    'left',
    'length',
    'lower',
    'lpad',
    'ltrim',
    'md5',
    'octet_length',
    'regexp_like',
    'regexp_match',
    'regexp_replace',
    'repeat',
    'replace',
    'reverse',
    'right',
    'rpad',
    'rtrim',
    'split_part',
    'starts_with',
    'strpos',
    'substr',
    'to_hex',
    'translate',
    'trim',
    'upper',
    'uuid',
  ],
  511: [
    'array_has',
    'date_bin',
    'encode',
    'decode',
    'jsonb_as_string',
    'jsonb_format_json',
    'jsonb_get',
    'list_partitions',
    'list_view_sets',
    'materialize_partitions',
    'perfetto_trace_chunks',
    'properties_length',
    'properties_to_array',
    'properties_to_dict',
    'property_get',
    'regenerate_partitions',
    'retire_partitions',
    'view_instance',
  ],
  512: [
    'current_date',
    'current_time',
    'date_bin',
    'date_part',
    'date_trunc',
    'datepart',
    'datetrunc',
    'from_unixtime',
    'now',
    'to_timestamp',
    'to_timestamp_micros',
    'to_timestamp_millis',
    'to_timestamp_nanos',
    'to_timestamp_seconds',
  ],
};

const utf8Data = (values: string[]): Data<Utf8> => {
  const bytes = values.map((v) => Buffer.from(v, 'utf8'));
  const offsets = new Int32Array(values.length + 1);
  bytes.forEach((b, i) => (offsets[i + 1] = offsets[i]! + b.length));
  return makeData({ type: new Utf8(), length: values.length, valueOffsets: offsets, data: Buffer.concat(bytes) });
};

const mapType = new Map_(
  new Field(
    'entries',
    new Struct<any>([
      new Field('key', new Int32(), false),
      new Field('value', new List(new Field('item', new Int32(), true)), true),
    ]),
    false
  )
);

const valueType = new DenseUnion(
  [0, 1, 2, 3, 4, 5],
  [
    new Field('string_value', new Utf8(), false),
    new Field('bool_value', new Bool(), false),
    new Field('bigint_value', new Int64(), false),
    new Field('int32_bitmask', new Int32(), false),
    new Field('string_list', new List(new Field('item', new Utf8(), true)), false),
    new Field('int32_to_int32_list_map', mapType, false),
  ]
);

export const SQL_INFO_SCHEMA = new Schema([
  new Field('info_name', new Uint32(), false),
  new Field('value', valueType, false),
]);

export function sqlInfoBatch(requested: number[]): RecordBatch {
  const ids = (requested.length ? requested : Object.keys(SQL_INFO).map(Number)).filter((id) => id in SQL_INFO);
  const strings: string[] = [];
  const lists: string[][] = [];
  const typeIds = new Int8Array(ids.length);
  const offsets = new Int32Array(ids.length);
  ids.forEach((id, i) => {
    const v = SQL_INFO[id]!;
    if (typeof v === 'string') {
      typeIds[i] = 0;
      offsets[i] = strings.push(v) - 1;
    } else {
      typeIds[i] = 4;
      offsets[i] = lists.push(v) - 1;
    }
  });
  const flat = lists.flat();
  const listOffsets = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (listOffsets[i + 1] = listOffsets[i]! + l.length));
  const emptyMapChild = makeData({
    type: mapType.children[0]!.type as Struct,
    length: 0,
    children: [
      makeData({ type: new Int32(), length: 0, data: new Int32Array(0) }),
      makeData({
        type: new List(new Field('item', new Int32(), true)),
        length: 0,
        valueOffsets: new Int32Array(1),
        child: makeData({ type: new Int32(), length: 0, data: new Int32Array(0) }),
      }),
    ],
  });
  const children = [
    utf8Data(strings),
    makeData({ type: new Bool(), length: 0, data: new Uint8Array(0) }),
    makeData({ type: new Int64(), length: 0, data: new BigInt64Array(0) }),
    makeData({ type: new Int32(), length: 0, data: new Int32Array(0) }),
    makeData({
      type: new List(new Field('item', new Utf8(), true)),
      length: lists.length,
      valueOffsets: listOffsets,
      child: utf8Data(flat),
    }),
    makeData({ type: mapType, length: 0, valueOffsets: new Int32Array(1), child: emptyMapChild }),
  ];
  const value = makeData({ type: valueType, length: ids.length, typeIds, valueOffsets: offsets, children } as never);
  const infoName = makeData({ type: new Uint32(), length: ids.length, data: Uint32Array.from(ids) });
  return new RecordBatch(
    SQL_INFO_SCHEMA,
    makeData({ type: new Struct(SQL_INFO_SCHEMA.fields), length: ids.length, children: [infoName, value] })
  );
}
