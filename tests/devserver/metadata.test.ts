// Catalog, SqlInfo, prepared statements, unimplemented RPCs, auth and bulk ingest.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { status, type ServiceError } from '@grpc/grpc-js';
import {
  DataType,
  UnionMode,
  RecordBatchReader,
  tableFromArrays,
  Table,
  vectorFromArray,
  Utf8,
  Timestamp,
  TimeUnit,
  List,
  Field,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Binary,
} from 'apache-arrow';

import { encodeJsonb } from '../../pkg/jsonb';
import { decodeMessage } from '../../pkg/proto';
import { startDevServer, type DevServer } from '../harness/devserver';
import { TestFlightClient, decodeAny } from './flight-client';

const NOW = '2024-05-01T12:00:00Z';
const KEYS = [{ name: 'grafana', key: 'mmk_test_secret_1234' }];
const AUTH = { authorization: `Bearer ${KEYS[0]!.key}` };
const ADMIN_KEYS = [{ name: 'ops', key: 'mmk_admin_secret_5678' }];
const ADMIN = { authorization: `Bearer ${ADMIN_KEYS[0]!.key}` };

let server: DevServer;
let client: TestFlightClient;

before(async () => {
  server = await startDevServer({ scale: 0.02, now: NOW, apiKeys: KEYS, adminKeys: ADMIN_KEYS });
  client = new TestFlightClient(server.uri);
});
after(async () => {
  client?.close();
  await server?.stop();
});

async function getTables(cmd: Record<string, unknown>) {
  const any = TestFlightClient.any('CommandGetTables', cmd);
  const info = await client.getFlightInfo(any, AUTH);
  const ticket = (info.endpoint as Array<{ ticket: { ticket: Buffer } }>)[0]!.ticket.ticket;
  const res = await client.doGet(ticket, AUTH);
  assert.equal(res.error, undefined);
  return res.batches.flatMap((b) => b.toArray().map((r) => r.toJSON() as Record<string, unknown>));
}

describe('GetTables', () => {
  test('lists the global views as tables', async () => {
    const rows = await getTables({ include_schema: false });
    assert.deepEqual(
      rows.map((r) => r.table_name),
      ['log_entries', 'measures', 'processes', 'streams', 'blocks', 'log_stats']
    );
    assert.ok(rows.every((r) => r.table_type === 'table' && r.catalog_name === '' && r.db_schema_name === ''));
  });

  test('name pattern, table types and include_schema', async () => {
    const logs = await getTables({ table_name_filter_pattern: 'log%', include_schema: true });
    assert.deepEqual(
      logs.map((r) => r.table_name),
      ['log_entries', 'log_stats']
    );
    const reader = RecordBatchReader.from(logs[0]!.table_schema as Uint8Array).open();
    const fields = reader.schema.fields;
    assert.equal(fields.length, 13);
    assert.equal(String(fields.find((f) => f.name === 'exe')!.type), 'Dictionary<Int32, Utf8>');
    assert.equal(String(fields.find((f) => f.name === 'time')!.type), 'Timestamp<NANOSECOND, +00:00>');
    assert.equal((await getTables({ table_types: ['VIEW'] })).length, 0);
    assert.equal((await getTables({ table_types: ['BASE TABLE', 'table'] })).length, 6);
  });
});

describe('GetSqlInfo', () => {
  test('answers ids 0, 1, 2 and 508–512 in a dense union', async () => {
    const any = TestFlightClient.any('CommandGetSqlInfo', { info: [] });
    const info = await client.getFlightInfo(any, AUTH);
    const res = await client.doGet((info.endpoint as Array<{ ticket: { ticket: Buffer } }>)[0]!.ticket.ticket, AUTH);
    assert.equal(res.error, undefined);
    const type = res.schema!.fields[1]!.type;
    assert.ok(DataType.isUnion(type));
    assert.equal(type.mode, UnionMode.Dense);
    const rows = res.batches.flatMap((b) => b.toArray().map((r) => ({ id: r.info_name as number, value: r.value })));
    assert.deepEqual(
      rows.map((r) => r.id),
      [0, 1, 2, 508, 509, 510, 511, 512]
    );
    assert.equal(rows[0]!.value, 'Micromegas Flight SQL Server');
    const keywords = Array.from(rows.find((r) => r.id === 508)!.value as Iterable<string>);
    assert.ok(keywords.includes('select'));
    const subset = await client.doGet(TestFlightClient.any('CommandGetSqlInfo', { info: [1] }), AUTH);
    assert.equal(subset.batches[0]!.numRows, 1);
  });
});

describe('prepared statements', () => {
  test('CreatePreparedStatement returns the dataset schema; Close is a no-op', async () => {
    const body = TestFlightClient.any('ActionCreatePreparedStatementRequest', {
      query: 'SELECT time, exe, level FROM log_entries',
    });
    const results = await client.doAction('CreatePreparedStatement', body, AUTH);
    assert.equal(results.length, 1);
    const res = decodeAny<{ prepared_statement_handle: Buffer; dataset_schema: Buffer }>(
      results[0]!,
      'ActionCreatePreparedStatementResult'
    );
    assert.equal(res.prepared_statement_handle.toString(), 'SELECT time, exe, level FROM log_entries');
    const schema = RecordBatchReader.from(res.dataset_schema).open().schema;
    assert.deepEqual(
      schema.fields.map((f) => `${f.name}:${f.type}`),
      ['time:Timestamp<NANOSECOND, +00:00>', 'exe:Dictionary<Int32, Utf8>', 'level:Int32']
    );
    const close = TestFlightClient.any('ActionClosePreparedStatementRequest', {
      prepared_statement_handle: res.prepared_statement_handle,
    });
    assert.deepEqual(await client.doAction('ClosePreparedStatement', close, AUTH), []);
  });

  test('preparing only plans: thread_spans without a range prepares (DataFusion names), executing it fails', async () => {
    const { rows } = await client.table(
      "SELECT stream_id FROM streams WHERE array_has(tags, 'cpu') AND NOT array_has(tags, 'async') LIMIT 1",
      AUTH
    );
    const sql = `SELECT name, count(*), avg(duration) FROM view_instance('thread_spans', '${rows[0]!.stream_id}') GROUP BY name`;
    const results = await client.doAction(
      'CreatePreparedStatement',
      TestFlightClient.any('ActionCreatePreparedStatementRequest', { query: sql }),
      AUTH
    );
    const res = decodeAny<{ dataset_schema: Buffer }>(results[0]!, 'ActionCreatePreparedStatementResult');
    const schema = RecordBatchReader.from(res.dataset_schema).open().schema;
    assert.deepEqual(
      schema.fields.map((f) => `${f.name}:${f.type}`),
      ['name:Dictionary<Int32, Utf8>', 'count(*):Int64', 'avg(view_instance().duration):Float64']
    );
    const run = await client.query(sql, AUTH);
    assert.equal(run.error?.code, status.INTERNAL);
    assert.match(run.error!.details, /query range mandatory for thread_spans view/);
  });

  test('a bad statement fails with the query error shape', async () => {
    const body = TestFlightClient.any('ActionCreatePreparedStatementRequest', {
      query: 'SELECT nope FROM log_entries',
    });
    await assert.rejects(client.doAction('CreatePreparedStatement', body, AUTH), (err: ServiceError) => {
      assert.equal(err.code, status.INVALID_ARGUMENT);
      assert.match(err.details, /^error building dataframe: .*nope.*\(query_id=/);
      return true;
    });
  });
});

describe('partition administration', () => {
  test('with admin principals configured, an API key (never admin) does not see the mutating functions', async () => {
    const range = { ...AUTH, query_range_begin: '2024-05-01T05:00:00Z', query_range_end: '2024-05-01T05:59:59Z' };
    const before = (await client.table('SELECT count(*) AS n FROM log_entries', range)).rows[0]!.n;
    const retire = await client.query(
      "SELECT * FROM retire_partitions('log_entries', 'global', '2024-05-01T05:00:00Z', '2024-05-01T06:00:00Z')",
      AUTH
    );
    assert.equal(retire.error?.code, status.INVALID_ARGUMENT);
    assert.match(
      retire.error!.details,
      /^error building dataframe: Error during planning: table function 'retire_partitions' not found \(query_id=/
    );
    assert.equal((await client.table('SELECT count(*) AS n FROM log_entries', range)).rows[0]!.n, before);
    const byFile = await client.query("SELECT retire_partition_by_file('x')", AUTH);
    assert.match(byFile.error!.details, /Error during planning: Invalid function 'retire_partition_by_file'/);
    const denials = await client.query('SELECT * FROM list_query_denials()', AUTH);
    assert.match(denials.error!.details, /table function 'list_query_denials' not found/);
    // The read-only administration functions stay available.
    assert.equal((await client.query('SELECT count(*) FROM list_partitions()', AUTH)).error, undefined);
  });

  test('retire_partitions drops the partitions inside the range and reports them', async () => {
    const range = { ...AUTH, query_range_begin: '2024-05-01T02:00:00Z', query_range_end: '2024-05-01T03:59:59Z' };
    const before = Number((await client.table('SELECT count(*) AS n FROM log_entries', range)).rows[0]!.n);
    assert.ok(before > 0);
    const { rows } = await client.table(
      "SELECT time, msg FROM retire_partitions('log_entries', 'global', '2024-05-01T02:00:00Z', '2024-05-01T04:00:00Z')",
      ADMIN
    );
    assert.equal(rows.at(-1)!.msg, 'retired 2 partition(s)');
    assert.equal(Number((await client.table('SELECT count(*) AS n FROM log_entries', range)).rows[0]!.n), 0);
    const parts = await client.table(
      "SELECT count(*) AS n FROM list_partitions() WHERE view_set_name = 'log_entries' AND begin_insert_time >= TIMESTAMPTZ '2024-05-01T02:00:00Z' AND end_insert_time <= TIMESTAMPTZ '2024-05-01T04:00:00Z'",
      AUTH
    );
    assert.equal(Number(parts.rows[0]!.n), 0);
  });
});

describe('unimplemented', () => {
  test('Handshake, other commands and actions are UNIMPLEMENTED', async () => {
    await assert.rejects(
      client.getFlightInfo(TestFlightClient.any('CommandGetCatalogs', {}), AUTH),
      (e: ServiceError) => e.code === status.UNIMPLEMENTED
    );
    await assert.rejects(
      client.doAction('CancelQuery', Buffer.alloc(0), AUTH),
      (e: ServiceError) => e.code === status.UNIMPLEMENTED
    );
    const handshake = await new Promise<ServiceError>((resolve) => {
      const call = (
        client.raw.Handshake as (md: unknown) => import('@grpc/grpc-js').ClientDuplexStream<unknown, unknown>
      ).call(client.raw, TestFlightClient.metadata(AUTH));
      call.on('error', resolve);
      call.on('data', () => undefined);
      call.write({ protocol_version: 0, payload: Buffer.alloc(0) });
      call.end();
    });
    assert.equal(handshake.code, status.UNIMPLEMENTED);
  });
});

describe('authentication', () => {
  test('a configured API key is accepted; missing or wrong tokens get UNAUTHENTICATED "invalid token"', async () => {
    const ok = await client.query('SELECT 1 AS x', { ...AUTH, 'x-client-type': 'test', 'x-user-id': 'alice' });
    assert.equal(ok.error, undefined);
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: KEYS[0]!.key }] as Array<
      Record<string, string>
    >) {
      const res = await client.query('SELECT 1', headers);
      assert.equal(res.error?.code, status.UNAUTHENTICATED);
      assert.equal(res.error!.details, 'invalid token');
    }
    await assert.rejects(
      client.getFlightInfo(TestFlightClient.any('CommandStatementQuery', { query: 'SELECT 1' })),
      (e: ServiceError) => e.code === status.UNAUTHENTICATED && e.details === 'invalid token'
    );
    await assert.rejects(
      client.doAction('ClosePreparedStatement', Buffer.alloc(0)),
      (e: ServiceError) => e.code === status.UNAUTHENTICATED
    );
  });

  test('attribution headers are logged, the token never is', () => {
    const log = server.stderr();
    assert.match(log, /x-user-id="alice"/);
    assert.ok(!log.includes(KEYS[0]!.key));
  });
});

describe('DoPut ingest', () => {
  const ingestCmd = (table: string): Buffer =>
    TestFlightClient.any('CommandStatementIngest', { table, temporary: false });

  test('bulk_ingest is refused to a non-admin caller with PERMISSION_DENIED, as Micromegas does', async () => {
    const t = tableFromArrays({ process_id: ['p'] });
    await assert.rejects(client.doPut(ingestCmd('processes'), t, AUTH), (e: ServiceError) => {
      assert.equal(e.code, status.PERMISSION_DENIED);
      assert.equal(e.details, 'bulk_ingest requires admin privileges');
      return true;
    });
  });

  test("bulk_ingest('processes', …) with the 13 columns of the Python API example", async () => {
    // python-api.md: process_id, exe, username, realname, computer, distro, cpu_brand, tsc_frequency,
    // start_time, start_ticks, insert_time, parent_process_id, properties (a list of key/value structs).
    const pid = '550e8400-e29b-41d4-a716-446655440000';
    const now = Date.parse('2024-05-01T11:45:00Z');
    const ts = new Timestamp(TimeUnit.NANOSECOND, '+00:00');
    const prop = new Struct([new Field('key', new Utf8(), false), new Field('value', new Utf8(), false)]);
    const propsType = new List(new Field('item', prop, true));
    const table = new Table({
      process_id: vectorFromArray([pid], new Utf8()),
      exe: vectorFromArray(['/usr/bin/myapp'], new Utf8()),
      username: vectorFromArray(['user'], new Utf8()),
      realname: vectorFromArray(['User Name'], new Utf8()),
      computer: vectorFromArray(['hostname'], new Utf8()),
      distro: vectorFromArray(['Ubuntu 22.04'], new Utf8()),
      cpu_brand: vectorFromArray(['Intel Core i7'], new Utf8()),
      tsc_frequency: vectorFromArray([2400000000n]),
      start_time: vectorFromArray([now], ts),
      start_ticks: vectorFromArray([1234567890n]),
      insert_time: vectorFromArray([now], ts),
      parent_process_id: vectorFromArray([''], new Utf8()),
      properties: vectorFromArray([[]], propsType),
    });
    assert.equal(table.schema.fields.length, 13);
    const results = await client.doPut(ingestCmd('processes'), table, ADMIN);
    assert.equal(
      decodeMessage<{ record_count: number }>('arrow.flight.protocol.sql.DoPutUpdateResult', results[0]!).record_count,
      1
    );
    const { rows } = await client.table(
      `SELECT exe, distro, parent_process_id, last_update_time FROM processes WHERE process_id = '${pid}'`,
      { ...ADMIN, query_range_begin: '2024-05-01T11:00:00Z', query_range_end: '2024-05-01T12:00:00Z' }
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.exe, '/usr/bin/myapp');
    // The view's last_update_time is derived from the row's insert time.
    assert.equal(rows[0]!.last_update_time, now);
  });

  test('processes and streams round trip through the views', async () => {
    const pid = '11111111-2222-4333-8444-555555555555';
    const t0 = Date.parse('2024-05-01T11:30:00Z');
    const ts = new Timestamp(TimeUnit.NANOSECOND, '+00:00');
    const tsData = (ms: number) => makeData({ type: ts, length: 1, data: BigInt64Array.of(BigInt(ms) * 1_000_000n) });
    const utf8 = (s: string) => vectorFromArray([s], new Utf8()).data[0]!;
    const schema = new Schema([
      new Field('process_id', new Utf8(), false),
      new Field('exe', new Utf8(), false),
      new Field('computer', new Utf8(), false),
      new Field('insert_time', ts, false),
      new Field('last_update_time', ts, false),
      new Field('start_time', ts, false),
      new Field('properties', new Binary(), false),
    ]);
    const props = encodeJsonb({ version: '9.9.9', env: 'test' });
    const propsData = makeData({
      type: new Binary(),
      length: 1,
      valueOffsets: Int32Array.of(0, props.length),
      data: props,
    });
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 1,
        children: [
          utf8(pid),
          utf8('ingested-tool'),
          utf8('box-9'),
          tsData(t0),
          tsData(t0 + 60_000),
          tsData(t0 - 1000),
          propsData,
        ],
      })
    );
    const results = await client.doPut(ingestCmd('processes'), new Table([batch]), ADMIN);
    assert.equal(results.length, 1);
    assert.equal(
      decodeMessage<{ record_count: number }>('arrow.flight.protocol.sql.DoPutUpdateResult', results[0]!).record_count,
      1
    );
    const range = { ...AUTH, query_range_begin: '2024-05-01T11:00:00Z', query_range_end: '2024-05-01T12:00:00Z' };
    const { rows } = await client.table(
      `SELECT exe, computer, property_get(properties, 'version') AS version, start_time FROM processes WHERE process_id = '${pid}'`,
      range
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.exe, 'ingested-tool');
    assert.equal(rows[0]!.version, '9.9.9');
    assert.equal(Number(rows[0]!.start_time), t0 - 1000);
    // Outside the range the ingested process is filtered like any other.
    const early = await client.table(`SELECT exe FROM processes WHERE process_id = '${pid}'`, {
      ...AUTH,
      query_range_begin: '2024-05-01T00:00:00Z',
      query_range_end: '2024-05-01T01:00:00Z',
    });
    assert.equal(early.rows.length, 0);

    const tagsType = new List(new Field('tag', new Utf8(), true));
    const sSchema = new Schema([
      new Field('stream_id', new Utf8()),
      new Field('process_id', new Utf8()),
      new Field('tags', tagsType),
      new Field('insert_time', ts),
      new Field('last_update_time', ts),
    ]);
    const tagChild = vectorFromArray(['log', 'custom'], new Utf8()).data[0]!;
    const tagsData = makeData({ type: tagsType, length: 1, valueOffsets: Int32Array.of(0, 2), child: tagChild });
    const sBatch = new RecordBatch(
      sSchema,
      makeData({
        type: new Struct(sSchema.fields),
        length: 1,
        children: [utf8('s-ingested'), utf8(pid), tagsData, tsData(t0), tsData(t0)],
      })
    );
    const sRes = await client.doPut(ingestCmd('streams'), new Table([sBatch]), ADMIN);
    assert.equal(
      decodeMessage<{ record_count: number }>('arrow.flight.protocol.sql.DoPutUpdateResult', sRes[0]!).record_count,
      1
    );
    const s = await client.table(`SELECT tags FROM streams WHERE stream_id = 's-ingested'`, range);
    assert.deepEqual(Array.from(s.rows[0]!.tags as Iterable<string>), ['log', 'custom']);
  });

  test('blocks ingest shows up in the blocks view joined with its stream and process', async () => {
    const t0 = Date.parse('2024-05-01T11:40:00Z');
    const ts = new Timestamp(TimeUnit.NANOSECOND, '+00:00');
    const tsData = (ms: number) => makeData({ type: ts, length: 1, data: BigInt64Array.of(BigInt(ms) * 1_000_000n) });
    const utf8 = (v: string) => vectorFromArray([v], new Utf8()).data[0]!;
    const { rows: proc } = await client.table(
      'SELECT process_id, exe FROM processes WHERE process_id IN (SELECT process_id FROM streams) ORDER BY exe LIMIT 1',
      AUTH
    );
    const { rows: stream } = await client.table(
      `SELECT stream_id FROM streams WHERE process_id = '${proc[0]!.process_id}' LIMIT 1`,
      AUTH
    );
    const schema = new Schema([
      new Field('block_id', new Utf8()),
      new Field('stream_id', new Utf8()),
      new Field('process_id', new Utf8()),
      new Field('begin_time', ts),
      new Field('end_time', ts),
      new Field('insert_time', ts),
    ]);
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 1,
        children: [
          utf8('block-ingested-1'),
          utf8(String(stream[0]!.stream_id)),
          utf8(String(proc[0]!.process_id)),
          tsData(t0),
          tsData(t0 + 1000),
          tsData(t0 + 2000),
        ],
      })
    );
    const res = await client.doPut(ingestCmd('blocks'), new Table([batch]), ADMIN);
    assert.equal(
      decodeMessage<{ record_count: number }>('arrow.flight.protocol.sql.DoPutUpdateResult', res[0]!).record_count,
      1
    );
    const { rows } = await client.table(
      `SELECT "processes.exe" AS exe, stream_id FROM blocks WHERE block_id = 'block-ingested-1'`,
      { ...AUTH, query_range_begin: '2024-05-01T11:00:00Z', query_range_end: '2024-05-01T12:00:00Z' }
    );
    assert.deepEqual(rows, [{ exe: proc[0]!.exe, stream_id: stream[0]!.stream_id }]);
  });

  test('unsupported tables and unknown columns are rejected clearly', async () => {
    const t = tableFromArrays({ x: Int32Array.of(1) });
    await assert.rejects(client.doPut(ingestCmd('log_entries'), t, ADMIN), (e: ServiceError) => {
      assert.equal(e.code, status.INTERNAL);
      assert.equal(e.details, 'error ingesting into log_entries: bulk ingest for table log_entries not supported');
      return true;
    });
    await assert.rejects(
      client.doPut(ingestCmd('processes'), t, ADMIN),
      (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /unknown column\(s\) x/.test(e.details)
    );
    await assert.rejects(
      client.doPut(ingestCmd('processes'), t),
      (e: ServiceError) => e.code === status.UNAUTHENTICATED
    );
  });
});

describe('malformed requests', () => {
  test('garbage tickets and commands get INVALID_ARGUMENT with the reason', async () => {
    const res = await client.doGet(Buffer.from([0x0a, 0xff, 0xff, 0xff]), AUTH);
    assert.equal(res.error?.code, status.INVALID_ARGUMENT);
    assert.match(
      res.error!.details,
      /^DoGet ticket \(expected a TicketStatementQuery.*\): malformed TicketStatementQuery/
    );
    await assert.rejects(
      client.getFlightInfo(Buffer.from('not a command'), AUTH),
      (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /FlightSQL command/.test(e.details)
    );
    await assert.rejects(
      client.doAction(
        'CreatePreparedStatement',
        TestFlightClient.any('ActionCreatePreparedStatementRequest', { query: ' ' }),
        AUTH
      ),
      (e: ServiceError) => e.code === status.INVALID_ARGUMENT && /no SQL statement/.test(e.details)
    );
    // The server still answers.
    assert.equal((await client.table('SELECT 3 AS x', AUTH)).rows[0]!.x, 3n);
  });
});
