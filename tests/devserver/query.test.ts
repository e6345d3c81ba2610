// Queries through DoGet against a started dev server: types, tickets, headers, errors, streaming.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { status } from '@grpc/grpc-js';
import { DataType, type Field, type Schema } from 'apache-arrow';

import { decodeJsonb } from '../../pkg/jsonb';
import { decodeMessage } from '../../pkg/proto';
import { startDevServer, type DevServer } from '../harness/devserver';
import { TestFlightClient } from './flight-client';

const NOW = '2024-05-01T12:00:00Z';
const HOUR = { query_range_begin: '2024-05-01T10:00:00Z', query_range_end: '2024-05-01T11:00:00Z' };

let server: DevServer;
let client: TestFlightClient;

before(async () => {
  server = await startDevServer({ scale: 0.05, now: NOW });
  client = new TestFlightClient(server.uri);
});
after(async () => {
  client?.close();
  await server?.stop();
});

const typeOf = (schema: Schema, name: string): string => String(schema.fields.find((f) => f.name === name)?.type);
const count = async (sql: string, headers = {}): Promise<number> =>
  Number((await client.table(sql, headers)).rows[0]!.n);

describe('statement tickets', () => {
  test('GetFlightInfo returns an empty schema and a raw TicketStatementQuery', async () => {
    const sql = 'SELECT 42 AS answer';
    const info = await client.getFlightInfo(TestFlightClient.any('CommandStatementQuery', { query: sql }));
    assert.equal(info.total_records, -1);
    assert.equal(info.total_bytes, -1);
    const endpoints = info.endpoint as Array<{ ticket: { ticket: Buffer } }>;
    assert.equal(endpoints.length, 1);
    const ticket = endpoints[0]!.ticket.ticket;
    assert.equal(
      decodeMessage<{ statement_handle: Buffer }>(
        'arrow.flight.protocol.sql.TicketStatementQuery',
        ticket
      ).statement_handle.toString(),
      sql
    );
    // The schema bytes hold an IPC schema message with no fields.
    const schemaBytes = info.schema as Buffer;
    assert.ok(schemaBytes.length > 0);
    const res = await client.doGet(ticket);
    assert.equal(res.error, undefined);
    assert.equal(res.batches[0]!.getChild('answer')!.get(0), 42n); // DataFusion reads integer literals as Int64
  });

  test('DoGet accepts the Any-wrapped and the raw ticket', async () => {
    const any = await client.query('SELECT 7 AS x', {}, 'any');
    const raw = await client.query('SELECT 7 AS x', {}, 'raw');
    assert.equal(any.batches[0]!.getChild('x')!.get(0), 7n);
    assert.equal(raw.batches[0]!.getChild('x')!.get(0), 7n);
  });

  test('the schema message comes first even for zero rows', async () => {
    const res = await client.query('SELECT time, msg FROM log_entries WHERE false');
    assert.equal(res.error, undefined);
    assert.equal(res.messages, 1, 'one FlightData: the schema');
    assert.deepEqual(
      res.schema!.fields.map((f) => f.name),
      ['time', 'msg']
    );
    assert.equal(
      res.batches.reduce((n, b) => n + b.numRows, 0),
      0
    );
  });
});

describe('schema', () => {
  test('log_entries columns, hydrated by default', async () => {
    const { schema } = await client.table('SELECT * FROM log_entries LIMIT 1');
    assert.deepEqual(
      schema.fields.map((f) => f.name),
      [
        'process_id',
        'stream_id',
        'block_id',
        'insert_time',
        'exe',
        'username',
        'computer',
        'time',
        'target',
        'level',
        'msg',
        'properties',
        'process_properties',
      ]
    );
    assert.equal(typeOf(schema, 'time'), 'Timestamp<NANOSECOND, +00:00>');
    assert.equal(typeOf(schema, 'exe'), 'Utf8');
    assert.equal(typeOf(schema, 'level'), 'Int32');
    assert.equal(typeOf(schema, 'properties'), 'Binary');
    assert.ok(
      schema.fields.every((f) => !f.nullable),
      'view columns are non-null'
    );
  });

  test('preserve_dictionary keeps dictionary columns and JSONB dictionaries', async () => {
    const { schema, rows } = await client.table('SELECT * FROM log_entries LIMIT 5', {
      ...HOUR,
      preserve_dictionary: 'TRUE',
    });
    assert.equal(typeOf(schema, 'exe'), 'Dictionary<Int32, Utf8>');
    assert.equal(typeOf(schema, 'target'), 'Dictionary<Int32, Utf8>');
    assert.equal(typeOf(schema, 'msg'), 'Utf8');
    assert.equal(typeOf(schema, 'process_properties'), 'Dictionary<Int32, Binary>');
    const props = decodeJsonb(rows[0]!.process_properties as Uint8Array) as Record<string, string>;
    assert.equal(typeof props.version, 'string');
  });

  test('properties are JSONB bytes, not JSON text', async () => {
    const { rows } = await client.table(
      "SELECT process_properties, exe FROM log_entries WHERE exe = 'api-gateway' LIMIT 1",
      HOUR
    );
    const bytes = rows[0]!.process_properties as Uint8Array;
    assert.notEqual(bytes[0], '{'.charCodeAt(0));
    assert.equal(bytes[0]! & 0xe0, 0x40, 'object container header');
    assert.deepEqual(decodeJsonb(bytes), { version: '2.14.1', env: 'prod', region: 'us-east-1' });
  });

  test('streams.tags is List<Utf8> with item field "tag"', async () => {
    const { schema, rows } = await client.table('SELECT stream_id, tags FROM streams');
    const tags = schema.fields.find((f) => f.name === 'tags')!;
    assert.ok(DataType.isList(tags.type));
    assert.equal(tags.type.children[0]!.name, 'tag');
    const all = new Set(rows.flatMap((r) => Array.from(r.tags as Iterable<string>)));
    for (const t of ['log', 'metrics', 'cpu']) {
      assert.ok(all.has(t), `tag ${t}`);
    }
  });

  test('measures, processes, blocks, log_stats, thread_spans, async_events types', async () => {
    const m = (await client.table('SELECT * FROM measures LIMIT 1', HOUR)).schema;
    assert.equal(typeOf(m, 'value'), 'Float64');
    assert.equal(typeOf(m, 'unit'), 'Utf8');
    const p = (await client.table('SELECT * FROM processes LIMIT 1')).schema;
    assert.equal(typeOf(p, 'tsc_frequency'), 'Int64');
    assert.equal(typeOf(p, 'start_time'), 'Timestamp<NANOSECOND, +00:00>');
    const b = (await client.table('SELECT * FROM blocks LIMIT 1', HOUR)).schema;
    assert.equal(typeOf(b, 'nb_objects'), 'Int32');
    assert.equal(typeOf(b, 'processes.exe'), 'Utf8');
    const ls = (await client.table('SELECT * FROM log_stats LIMIT 1', HOUR)).schema;
    assert.equal(typeOf(ls, 'count'), 'Int64');
    const { rows: cpu } = await client.table(
      "SELECT stream_id FROM streams WHERE array_contains(tags, 'cpu') AND NOT array_contains(tags, 'async') LIMIT 1"
    );
    const spans = await client.table(`SELECT * FROM view_instance('thread_spans', '${cpu[0]!.stream_id}')`, {
      ...HOUR,
      preserve_dictionary: 'true',
    });
    assert.equal(typeOf(spans.schema, 'depth'), 'Uint32');
    assert.equal(typeOf(spans.schema, 'duration'), 'Int64');
    assert.equal(typeOf(spans.schema, 'name'), 'Dictionary<Int32, Utf8>');
    assert.ok(spans.rows.length > 0);
    const ae = (await client.table('SELECT count(*) AS n FROM processes')).rows;
    assert.ok(Number(ae[0]!.n) >= 4);
  });

  test('DuckDB-only types map to Arrow as documented', async () => {
    const { schema, rows } = await client.table(
      `SELECT CAST(-3.5 AS DECIMAL(4,1)) AS d16, CAST(12345.678 AS DECIMAL(9,3)) AS d32, CAST(-123456789.123 AS DECIMAL(18,3)) AS d64, CAST(1.25 AS DECIMAL(30,2)) AS d128,
              SUM(CAST(2 AS BIGINT)) AS hugeint_sum, true AS b, NULL::INTEGER AS n, [1, 2] AS ints, DATE '2024-05-01' AS day`
    );
    assert.deepEqual(
      [rows[0]!.d16, rows[0]!.d32, rows[0]!.d64, rows[0]!.d128],
      [-3.5, 12345.678, -123456789.123, 1.25]
    );
    assert.equal(typeOf(schema, 'd64'), 'Float64');
    assert.equal(typeOf(schema, 'hugeint_sum'), 'Int64');
    assert.equal(rows[0]!.hugeint_sum, 2n);
    assert.equal(rows[0]!.b, true);
    assert.equal(rows[0]!.n, null);
    assert.match(typeOf(schema, 'ints'), /^List<Int(32|64)>$/, 'lists are Arrow lists, not text');
    assert.deepEqual(Array.from(rows[0]!.ints as Iterable<number>, Number), [1, 2]);
    assert.equal(typeOf(schema, 'day'), 'Date32<DAY>');
  });

  test('view_instance(log_entries | measures | async_events, process_id) selects one process', async () => {
    const { rows } = await client.table("SELECT process_id FROM processes WHERE exe = 'api-gateway'");
    const pid = String(rows[0]!.process_id);
    for (const view of ['log_entries', 'measures']) {
      const viaInstance = await count(`SELECT count(*) AS n FROM view_instance('${view}', '${pid}')`, HOUR);
      const viaWhere = await count(`SELECT count(*) AS n FROM ${view} WHERE process_id = '${pid}'`, HOUR);
      assert.ok(viaInstance > 0, view);
      assert.equal(viaInstance, viaWhere, view);
    }
    assert.equal(
      await count(`SELECT count(*) AS n FROM view_instance('log_entries', 'global')`, HOUR),
      await count('SELECT count(*) AS n FROM log_entries', HOUR)
    );
    const events = await client.table(
      `SELECT event_type, count(*) AS n FROM view_instance('async_events', '${pid}') GROUP BY 1 ORDER BY 1`,
      HOUR
    );
    assert.deepEqual(
      events.rows.map((r) => r.event_type),
      ['begin', 'end']
    );
  });

  test('CAST(... AS TIMESTAMP) has no time zone', async () => {
    const { schema } = await client.table('SELECT CAST(time AS TIMESTAMP) AS t FROM log_entries LIMIT 1', HOUR);
    assert.equal(typeOf(schema, 't'), 'Timestamp<NANOSECOND>');
  });
});

describe('time range headers', () => {
  test('range filters log_entries by time (inclusive), like a WHERE clause', async () => {
    const ranged = await count('SELECT count(*) AS n FROM log_entries', HOUR);
    const where = await count(
      `SELECT count(*) AS n FROM log_entries WHERE time BETWEEN TIMESTAMPTZ '2024-05-01T10:00:00Z' AND TIMESTAMPTZ '2024-05-01T11:00:00Z'`
    );
    const all = await count('SELECT count(*) AS n FROM log_entries');
    assert.ok(ranged > 0);
    assert.equal(ranged, where);
    assert.ok(all > ranged * 10, `24 h (${all}) holds much more than 1 h (${ranged})`);
    const { rows } = await client.table('SELECT min(time) AS lo, max(time) AS hi FROM log_entries', HOUR);
    assert.ok(Number(rows[0]!.lo) >= Date.parse(HOUR.query_range_begin));
    assert.ok(Number(rows[0]!.hi) <= Date.parse(HOUR.query_range_end));
  });

  test('`end` after a comma ends the select list as in DataFusion; quoted "end" reads the column', async () => {
    const { rows: cpu } = await client.table(
      "SELECT stream_id FROM streams WHERE array_contains(tags, 'cpu') AND NOT array_contains(tags, 'async') LIMIT 1"
    );
    const range = { query_range_begin: '2024-04-30T00:00:00Z', query_range_end: '2024-05-02T00:00:00Z' };
    const vi = `view_instance('thread_spans', '${cpu[0]!.stream_id}')`;
    // sqlparser (generic dialect, trailing commas allowed in projections) stops the statement at
    // the reserved word and DataFusion's statement loop reports it.
    const bare = await client.query(`SELECT begin, end FROM ${vi}`, range);
    assert.equal(bare.error?.code, status.INVALID_ARGUMENT);
    assert.match(
      bare.error!.details,
      /SQL error: ParserError\("Expected: end of statement, found: end at Line: 1, Column: 15"\)/
    );
    const { rows } = await client.table(
      `SELECT CASE WHEN depth = 0 THEN 'root' ELSE 'child' END AS kind, "end" - begin AS span, duration FROM ${vi} ORDER BY begin LIMIT 3`,
      range
    );
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.kind === 'root' || r.kind === 'child'));
  });

  test('thread spans use the overlap predicate', async () => {
    const { rows: cpu } = await client.table(
      "SELECT stream_id FROM streams WHERE array_contains(tags, 'cpu') AND NOT array_contains(tags, 'async') LIMIT 1"
    );
    const vi = `view_instance('thread_spans', '${cpu[0]!.stream_id}')`;
    const wide = { query_range_begin: '2024-04-30T00:00:00Z', query_range_end: '2024-05-02T00:00:00Z' };
    // Start the range 1 ms inside a root span (roots last ≥ 2 ms).
    const { rows: spans } = await client.table(
      `SELECT strftime("begin" + INTERVAL '1 millisecond', '%Y-%m-%dT%H:%M:%S.%fZ') AS b, strftime("begin" + INTERVAL '1 minute', '%Y-%m-%dT%H:%M:%S.%fZ') AS e FROM ${vi} WHERE depth = 0 AND "begin" > TIMESTAMPTZ '2024-05-01T10:00:00Z' ORDER BY "begin" LIMIT 1`,
      wide
    );
    const b = String(spans[0]!.b);
    const e = String(spans[0]!.e);
    const ranged = await count(`SELECT count(*) AS n FROM ${vi}`, { query_range_begin: b, query_range_end: e });
    const overlap = await count(
      `SELECT count(*) AS n FROM ${vi} WHERE "begin" <= TIMESTAMPTZ '${e}' AND "end" >= TIMESTAMPTZ '${b}'`,
      wide
    );
    const inside = await count(
      `SELECT count(*) AS n FROM ${vi} WHERE "begin" >= TIMESTAMPTZ '${b}' AND "begin" <= TIMESTAMPTZ '${e}'`,
      wide
    );
    assert.ok(ranged > 0);
    assert.equal(ranged, overlap);
    assert.notEqual(overlap, inside, 'a span that began before the range but overlaps it is included');
  });

  test('processes use insert_time <= end AND last_update_time >= begin', async () => {
    const range = { query_range_begin: '2024-05-01T11:00:00Z', query_range_end: '2024-05-01T12:00:00Z' };
    const ranged = (await client.table('SELECT exe FROM processes ORDER BY exe', range)).rows.map((r) => r.exe);
    const where = (
      await client.table(
        `SELECT exe FROM processes WHERE insert_time <= TIMESTAMPTZ '2024-05-01T12:00:00Z' AND last_update_time >= TIMESTAMPTZ '2024-05-01T11:00:00Z' ORDER BY exe`
      )
    ).rows.map((r) => r.exe);
    const all = (await client.table('SELECT exe FROM processes')).rows;
    assert.deepEqual(ranged, where);
    assert.ok(all.length > ranged.length, 'short-lived tools outside the range are filtered out');
  });

  test('both or neither: a lone bound or empty values mean no range', async () => {
    const all = await count('SELECT count(*) AS n FROM log_entries');
    assert.equal(
      await count('SELECT count(*) AS n FROM log_entries', { query_range_begin: HOUR.query_range_begin }),
      all
    );
    assert.equal(
      await count('SELECT count(*) AS n FROM log_entries', { query_range_begin: '', query_range_end: '' }),
      all
    );
  });

  test('RFC 3339 offsets and nanosecond fractions are accepted', async () => {
    const a = await count('SELECT count(*) AS n FROM log_entries', HOUR);
    const b = await count('SELECT count(*) AS n FROM log_entries', {
      query_range_begin: '2024-05-01T12:00:00+02:00',
      query_range_end: '2024-05-01T11:00:00.000000000Z',
    });
    assert.equal(a, b);
  });

  test('a bad range value is INVALID_ARGUMENT with the upstream message', async () => {
    const res = await client.query('SELECT 1', {
      query_range_begin: 'yesterday',
      query_range_end: HOUR.query_range_end,
    });
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /^Unable to parse query_range_begin as a rfc3339 datetime: /);
    const res2 = await client.query('SELECT 1', {
      query_range_begin: HOUR.query_range_begin,
      query_range_end: '2024-05-01',
    });
    assert.match(res2.error!.details, /^Unable to parse query_range_end as a rfc3339 datetime: /);
  });

  test('thread spans without a range fail as upstream', async () => {
    const res = await client.query("SELECT * FROM view_instance('thread_spans', 'abc')");
    assert.equal(res.error?.code, status.INTERNAL);
    assert.match(res.error!.details, /query range mandatory for thread_spans view \(query_id=[0-9a-f-]{36}\)$/);
  });
});

describe('limit header', () => {
  test('limit caps the rows of the whole query', async () => {
    const { rows } = await client.table('SELECT time FROM log_entries ORDER BY time', { limit: '7' });
    assert.equal(rows.length, 7);
    const { rows: zero } = await client.table('SELECT time FROM log_entries', { limit: '0' });
    assert.equal(zero.length, 0);
  });

  test('a bad limit is INVALID_ARGUMENT "error parsing limit: …"', async () => {
    const res = await client.query('SELECT 1', { limit: 'ten' });
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /^error parsing limit: /);
  });
});

describe('errors', () => {
  test('unknown column: the position is in the SQL as written, not in the translated statement', async () => {
    // The dev server runs a translated, one-line statement; DataFusion reports positions in the user's text.
    const res = await client.query('SELECT time, msg\nFROM log_entries\nWHERE nope = 1');
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /No field named nope \(at line 3, column 7\)/);
  });

  test('unknown table: INVALID_ARGUMENT naming the table, with position and query_id', async () => {
    const res = await client.query('SELECT *\nFROM no_such_view');
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(
      res.error!.details,
      /^error building dataframe: .*no_such_view.* \(at line 2, column 6\) \(query_id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}\)$/
    );
    assert.equal(res.messages, 0, 'planning errors arrive before any data');
  });

  test('an unknown view set is named', async () => {
    const res = await client.query("SELECT * FROM view_instance('net_spanz', 'x')");
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /view set 'net_spanz' not found .*\(query_id=/);
  });

  test('syntax errors are INVALID_ARGUMENT too', async () => {
    const res = await client.query('SELEC 1');
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(res.error!.details, /^error building dataframe: .*\(query_id=/);
  });

  test('statements other than queries and host file access are refused', async () => {
    const ddl = await client.query('CREATE TABLE x (a INTEGER)');
    assert.equal(ddl.error?.code, status.INVALID_ARGUMENT);
    assert.match(ddl.error!.details, /only queries .* got a CREATE statement \(query_id=/);
    const file = await client.query("SELECT * FROM read_csv('/etc/hostname')");
    assert.ok(file.error, 'reading host files fails');
    assert.match(file.error!.details, /file system operations are disabled/);
    assert.equal(await count('SELECT count(*) AS n FROM (SELECT 1)'), 1);
  });

  test('mid-stream failure arrives after data, via header and via SQL comment', async () => {
    const viaHeader = await client.query('SELECT time FROM log_entries /* devserver:batch_rows=10 */', {
      'x-devserver-fail-after-batches': '2',
    });
    const viaComment = await client.query(
      'SELECT time FROM log_entries /* devserver:batch_rows=10 */ /* devserver:fail_after_batches=2 */'
    );
    for (const res of [viaHeader, viaComment]) {
      assert.equal(res.error?.code, status.INTERNAL);
      assert.match(res.error!.details, /^error building data stream: .* \(query_id=[0-9a-f-]{36}\)$/);
      assert.equal(res.batches.length, 2);
      assert.equal(res.batches[0]!.numRows, 10);
    }
  });

  test('the server survives a client cancelling mid-stream', async () => {
    const res = await client.doGet(
      TestFlightClient.any('TicketStatementQuery', {
        statement_handle: Buffer.from('SELECT * FROM log_entries /* devserver:batch_rows=5 */'),
      }),
      {},
      { cancelAfterMessages: 2 }
    );
    assert.equal(res.error?.code, status.CANCELLED);
    assert.equal(await count('SELECT 1 AS n'), 1);
  });
});

describe('streaming', () => {
  test('dictionaries stay consistent across batches of one stream', async () => {
    const res = await client.query('SELECT exe, target FROM log_entries ORDER BY time /* devserver:batch_rows=50 */', {
      preserve_dictionary: 'true',
    });
    assert.equal(res.error, undefined);
    assert.ok(res.batches.length > 3);
    const hydrated = await client.table('SELECT exe, target FROM log_entries ORDER BY time');
    const preserved = res.batches.flatMap((b) => b.toArray().map((r) => `${r.exe}|${r.target}`));
    assert.deepEqual(
      preserved,
      hydrated.rows.map((r) => `${r.exe}|${r.target}`)
    );
    // Dictionaries only grow: later batches hold every earlier value at the same index.
    const first = res.batches[0]!.getChild('exe')!.data[0]!.dictionary!;
    const last = res.batches.at(-1)!.getChild('exe')!.data[0]!.dictionary!;
    for (let i = 0; i < first.length; i++) {
      assert.equal(last.get(i), first.get(i));
    }
  });

  test('small batches carry the same values as one big batch (strings, JSONB, lists, timestamps)', async () => {
    const sql = 'SELECT time, msg, properties, exe FROM log_entries ORDER BY time, msg';
    const whole = await client.table(sql, HOUR);
    const split = await client.query(`${sql} /* devserver:batch_rows=13 */`, HOUR);
    assert.ok(split.batches.length > 5);
    const rows = split.batches.flatMap((b) => b.toArray().map((r) => r.toJSON() as Record<string, unknown>));
    const norm = (r: Record<string, unknown>) =>
      `${r.time}|${r.msg}|${Buffer.from(r.properties as Uint8Array).toString('hex')}|${r.exe}`;
    assert.deepEqual(rows.map(norm), whole.rows.map(norm));
  });

  test('batch_rows directive splits results; a delay directive still completes', async () => {
    const res = await client.query(
      'SELECT * FROM generate_series(1, 95) t(i) /* devserver:batch_rows=20 */ /* devserver:delay_ms=5 */'
    );
    assert.deepEqual(
      res.batches.map((b) => b.numRows),
      [20, 20, 20, 20, 15]
    );
  });
});

describe('functions', () => {
  test('date_bin (2 and 3 args), date_trunc, now(), interval literals', async () => {
    const { rows, schema } = await client.table(
      `SELECT date_bin(INTERVAL '1 minute', time) AS m, date_bin(interval '10 second', time, TIMESTAMP '1970-01-01T00:00:00Z') AS s, date_trunc('hour', time) AS h, now() > time AS past FROM log_entries LIMIT 5`,
      HOUR
    );
    assert.equal(typeOf(schema, 'm'), 'Timestamp<NANOSECOND, +00:00>');
    for (const r of rows) {
      assert.equal(Number(r.m) % 60_000, 0);
      assert.equal(Number(r.s) % 10_000, 0);
      assert.equal(Number(r.h) % 3_600_000, 0);
      assert.equal(r.past, true);
    }
  });

  test('make_histogram / sum_histograms are Arrow Structs with the fields Micromegas declares', async () => {
    // datafusion-extensions histogram state_arrow_fields: every child non-null, bins items "bin".
    const declared = [
      'start:Float64:false',
      'end:Float64:false',
      'min:Float64:false',
      'max:Float64:false',
      'sum:Float64:false',
      'sum_sq:Float64:false',
      'count:Uint64:false',
      'bins:List<Uint64>:false',
    ];
    const shape = (schema: Schema, name: string) => {
      const field = schema.fields.find((f) => f.name === name)!;
      assert.ok(DataType.isStruct(field.type), `${name} is ${String(field.type)}, not a Struct`);
      const bins = field.type.children.find((c: Field) => c.name === 'bins')!;
      return {
        children: field.type.children.map((c: Field) => `${c.name}:${String(c.type)}:${c.nullable}`),
        bin: `${bins.type.children[0].name}:${bins.type.children[0].nullable}`,
      };
    };
    const hist = `SELECT date_bin(INTERVAL '10 minutes', time) AS t, make_histogram(0.0, 100.0, 10, value) AS h
                  FROM measures WHERE name = 'cpu_usage' GROUP BY 1`;
    const { schema, rows } = await client.table(`${hist} ORDER BY 1`, HOUR);
    assert.deepEqual(shape(schema, 'h'), { children: declared, bin: 'bin:false' });
    assert.ok(rows.length > 1);
    let total = 0n;
    for (const r of rows) {
      const h = (r.h as { toJSON(): Record<string, unknown> }).toJSON();
      const bins = Array.from(h.bins as Iterable<bigint>);
      assert.deepEqual([h.start, h.end, bins.length], [0, 100, 10]);
      assert.equal(
        bins.reduce((a, b) => a + b, 0n),
        h.count
      );
      assert.ok((h.min as number) <= (h.max as number));
      total += h.count as bigint;
    }
    // The functions taking a histogram read the same struct; sum_histograms returns the same type.
    const merged = await client.table(
      `SELECT sum_histograms(h) AS m, sum(count_from_histogram(h)) AS n, max(quantile_from_histogram(h, 0.5)) AS q
       FROM (${hist}) x`,
      HOUR
    );
    assert.deepEqual(shape(merged.schema, 'm'), { children: declared, bin: 'bin:false' });
    const m = (merged.rows[0]!.m as { toJSON(): Record<string, unknown> }).toJSON();
    assert.equal(m.count, total);
    assert.equal(BigInt(merged.rows[0]!.n as bigint), total);
    assert.ok((merged.rows[0]!.q as number) >= 0 && (merged.rows[0]!.q as number) <= 100);
    // No input rows: upstream's accumulator still answers a valid histogram (min f64::MAX, max f64::MIN).
    const empty = await client.table(
      "SELECT make_histogram(0.0, 1.0, 2, value) AS h FROM measures WHERE name = 'none'"
    );
    const e = (empty.rows[0]!.h as { toJSON(): Record<string, unknown> }).toJSON();
    assert.deepEqual(
      [e.min, e.max, e.sum, e.count, Array.from(e.bins as Iterable<bigint>)],
      [Number.MAX_VALUE, -Number.MAX_VALUE, 0, 0n, [0n, 0n]]
    );
    // Nothing to merge: a null histogram (never a valid struct of nulls in its non-null children).
    const none = await client.table(`SELECT sum_histograms(h) AS m FROM (${hist}) x WHERE false`, HOUR);
    assert.equal(none.rows[0]!.m, null);
  });

  test('any struct or list result is an Arrow Struct / List (nullable children), nulls kept', async () => {
    const { schema, rows } = await client.table(
      `SELECT i, CASE WHEN i = 2 THEN NULL ELSE named_struct('n', i, 's', 'x', 'l', make_array(1.5, NULL)) END AS st,
              make_array(i, i + 1) AS ints
       FROM generate_series(1, 3) t(i) ORDER BY i`
    );
    const st = schema.fields.find((f) => f.name === 'st')!;
    assert.equal(String(st.type), 'Struct<{n:Int64, s:Utf8, l:List<Float64>}>');
    assert.deepEqual(
      st.type.children.map((c: Field) => c.nullable),
      [true, true, true]
    );
    assert.equal(typeOf(schema, 'ints'), 'List<Int64>');
    const plain = (v: unknown) => {
      if (v === null) {
        return null;
      }
      const o = (v as { toJSON(): Record<string, unknown> }).toJSON();
      return { ...o, l: Array.from(o.l as Iterable<unknown>) };
    };
    assert.deepEqual(
      rows.map((r) => plain(r.st)),
      [{ n: 1n, s: 'x', l: [1.5, null] }, null, { n: 3n, s: 'x', l: [1.5, null] }]
    );
    assert.deepEqual(
      rows.map((r) => Array.from(r.ints as Iterable<bigint>)),
      [
        [1n, 2n],
        [2n, 3n],
        [3n, 4n],
      ]
    );
  });

  test('property and JSONB functions', async () => {
    const { rows } = await client.table(
      `SELECT property_get(process_properties, 'env') AS env, properties_length(process_properties) AS n, jsonb_format_json(process_properties) AS j,
              jsonb_as_string(jsonb_get(process_properties, 'region')) AS region, jsonb_get(process_properties, 'region') AS region_jsonb
       FROM log_entries WHERE exe = 'api-gateway' LIMIT 1`,
      HOUR
    );
    assert.equal(rows[0]!.env, 'prod');
    assert.equal(rows[0]!.n, 3);
    assert.deepEqual(JSON.parse(rows[0]!.j as string), { version: '2.14.1', env: 'prod', region: 'us-east-1' });
    assert.equal(rows[0]!.region, 'us-east-1');
    assert.equal(decodeJsonb(rows[0]!.region_jsonb as Uint8Array), 'us-east-1');
  });

  test('property_get / jsonb_format_json / jsonb_as_string results are dictionaries when preserved', async () => {
    const sql = `SELECT property_get(process_properties, 'env') AS env, jsonb_format_json(process_properties) j, property_get(process_properties, 'region'), upper(msg) AS shout FROM log_entries LIMIT 3`;
    const preserved = await client.table(sql, { ...HOUR, preserve_dictionary: 'true' });
    const types = preserved.schema.fields.map((f) => String(f.type));
    assert.deepEqual(types, ['Dictionary<Int32, Utf8>', 'Dictionary<Int32, Utf8>', 'Dictionary<Int32, Utf8>', 'Utf8']);
    const hydrated = await client.table(sql, HOUR);
    assert.deepEqual(
      hydrated.schema.fields.map((f) => String(f.type)),
      ['Utf8', 'Utf8', 'Utf8', 'Utf8']
    );
    assert.deepEqual(
      preserved.rows.map((r) => r.env),
      hydrated.rows.map((r) => r.env)
    );
  });

  test('list_partitions, list_view_sets, SHOW TABLES, information_schema', async () => {
    const parts = await client.table(
      "SELECT view_set_name, num_rows FROM list_partitions() WHERE view_set_name = 'log_entries'"
    );
    assert.ok(parts.rows.length >= 24);
    const sets = (await client.table('SELECT view_set_name FROM list_view_sets()')).rows.map((r) => r.view_set_name);
    assert.ok(sets.includes('thread_spans'));
    // DataFusion's SHOW TABLES: information_schema.tables, the views under datafusion.public.
    const tables = (await client.table('SHOW TABLES')).rows
      .filter((r) => r.table_schema === 'public')
      .map((r) => r.table_name)
      .sort();
    assert.deepEqual(tables, ['blocks', 'log_entries', 'log_stats', 'measures', 'processes', 'streams']);
    const cols = (
      await client.table("SELECT column_name FROM information_schema.columns WHERE table_name = 'log_entries'")
    ).rows;
    assert.equal(cols.length, 13);
  });

  test('materialize_partitions and retire_partition_by_metadata answer messages', async () => {
    const mat = await client.table(
      "SELECT time, msg FROM materialize_partitions('log_entries', '2024-05-01T10:00:00Z', '2024-05-01T11:00:00Z', 600)"
    );
    assert.equal(mat.rows.length, 6);
    const p = (
      await client.table(
        "SELECT begin_insert_time, end_insert_time FROM list_partitions() WHERE view_set_name = 'measures' LIMIT 1"
      )
    ).rows[0]!;
    const iso = (ms: unknown): string => new Date(Number(ms)).toISOString();
    const msg = (
      await client.table(
        `SELECT retire_partition_by_metadata('measures', 'global', CAST('${iso(p.begin_insert_time)}' AS TIMESTAMP), CAST('${iso(p.end_insert_time)}' AS TIMESTAMP)) AS message`
      )
    ).rows[0]!.message;
    assert.match(String(msg), /^SUCCESS:/);
    // It acted: the partition is gone, so retiring it again fails.
    const again = (
      await client.table(
        `SELECT retire_partition_by_metadata('measures', 'global', CAST('${iso(p.begin_insert_time)}' AS TIMESTAMP), CAST('${iso(p.end_insert_time)}' AS TIMESTAMP)) AS message`
      )
    ).rows[0]!.message;
    assert.match(String(again), /^ERROR: Partition not found/);
  });

  test('retire_partition_by_file retires the partition list_partitions() names', async () => {
    const { rows } = await client.table(
      "SELECT file_path FROM list_partitions() WHERE view_set_name = 'log_stats' ORDER BY begin_insert_time LIMIT 1"
    );
    const path = String(rows[0]!.file_path);
    const sql = `SELECT retire_partition_by_file('${path.replace(/'/g, "''")}') AS result`;
    assert.equal((await client.table(sql)).rows[0]!.result, `SUCCESS: Retired partition ${path}`);
    assert.equal((await client.table(sql)).rows[0]!.result, `ERROR: Partition not found: ${path}`);
    const left = await client.table(
      `SELECT count(*) AS n FROM list_partitions() WHERE file_path = '${path.replace(/'/g, "''")}'`
    );
    assert.equal(left.rows[0]!.n, 0n);
  });

  test('the query deny list: a denied query answers RESOURCE_EXHAUSTED until the rule is removed', async () => {
    const added = await client.table(
      "SELECT msg AS rule_id FROM deny_queries('entrypoint = ''nightly-report'' AND sql LIKE ''%log_stats%''', 'report storm')"
    );
    const ruleId = String(added.rows[0]!.rule_id);
    const headers = { 'x-client-entrypoint': 'nightly-report' };
    const denied = await client.query('SELECT count(*) FROM log_stats', headers);
    assert.equal(denied.error?.code, status.RESOURCE_EXHAUSTED);
    assert.match(
      denied.error!.details,
      new RegExp(
        `^query denied by rule ${ruleId} \\(reason: report storm\\); ask an admin to lift it with remove_query_denial\\('${ruleId}'\\); query_id=`
      )
    );
    // Another entrypoint, or another view, is not matched.
    assert.equal((await client.query('SELECT count(*) FROM log_stats')).error, undefined);
    assert.equal((await client.query('SELECT count(*) FROM measures', headers)).error, undefined);
    const listed = await client.table('SELECT rule_id, reason, match_expr, last_hit_at FROM list_query_denials()');
    assert.equal(listed.rows.length, 1);
    assert.equal(listed.rows[0]!.reason, 'report storm');
    assert.notEqual(listed.rows[0]!.last_hit_at, null);
    // Rules without a column or not boolean are refused at creation.
    const blanket = await client.query("SELECT * FROM deny_queries('1 = 1', 'everything')");
    assert.match(blanket.error!.details, /must reference at least one match-context column/);
    const removed = await client.table(`SELECT remove_query_denial('${ruleId}') AS result`);
    assert.equal(removed.rows[0]!.result, `SUCCESS: removed rule ${ruleId}`);
    assert.equal((await client.query('SELECT count(*) FROM log_stats', headers)).error, undefined);
  });

  test('thread spans nest consistently: parent one level up and enclosing its child', async () => {
    const { rows: cpu } = await client.table(
      "SELECT stream_id FROM streams WHERE array_contains(tags, 'cpu') AND NOT array_contains(tags, 'async') LIMIT 1"
    );
    const vi = `view_instance('thread_spans', '${cpu[0]!.stream_id}')`;
    const bad = await count(
      `SELECT count(*) AS n FROM ${vi} c LEFT JOIN ${vi} p ON p.id = c.parent
       WHERE c.depth > 0 AND (p.id IS NULL OR p.depth <> c.depth - 1 OR c."begin" < p."begin" OR c."end" > p."end" OR c.duration <> epoch_ns(c."end") - epoch_ns(c."begin"))`,
      HOUR
    );
    const children = await count(`SELECT count(*) AS n FROM ${vi} WHERE depth > 0`, HOUR);
    assert.ok(children > 0);
    assert.equal(bad, 0);
  });

  test('log_stats agrees with log_entries (1-minute bins)', async () => {
    const stats = await count('SELECT sum(count) AS n FROM log_stats', HOUR);
    // Bins 10:00 … 11:00 inclusive hold the entries of [10:00, 11:01).
    const entries = await count('SELECT count(*) AS n FROM log_entries', {
      ...HOUR,
      query_range_end: '2024-05-01T11:00:59.999999Z',
    });
    assert.ok(stats > 0);
    assert.equal(stats, entries);
  });
});
