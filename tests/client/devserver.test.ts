// Every client method against the real dev server process (tests/harness/devserver.ts).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import {
  DataType,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampNanosecond,
  vectorFromArray,
} from 'apache-arrow';

import {
  admin,
  connect,
  FlightSQLClient,
  MicromegasError,
  OidcClientCredentialsProvider,
  perfetto,
} from '../../pkg/micromegas';
import { DevServer, startDevServer } from '../harness/devserver';
import { decodePerfettoTrace, SLICE_BEGIN, SLICE_END } from '../harness/perfetto-trace';
import { startOidcStandIn } from './oidc-standin';

const NOW = '2024-05-01T12:00:00Z';
const readdir = (dir: string): string[] => readdirSync(dir).sort();
const BEGIN = '2024-05-01T00:00:00Z';

describe('client against the dev server (no auth)', () => {
  let server: DevServer;
  let client: FlightSQLClient;
  before(async () => {
    server = await startDevServer({ now: NOW, scale: 0.05 });
    client = connect(server.uri, { clientEntrypoint: 'client-tests' });
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  it('query() returns a Table; the time range filters rows', async () => {
    const all = await client.query('SELECT count(*) AS n FROM log_entries');
    const ranged = await client.query('SELECT count(*) AS n FROM log_entries', '2024-05-01T11:00:00Z', new Date(NOW));
    const n = Number(all.getChild('n')!.get(0));
    const r = Number(ranged.getChild('n')!.get(0));
    assert.ok(n > 0);
    assert.ok(r > 0 && r < n, `ranged ${r} should be a strict subset of ${n}`);
    // The same range written with an offset selects the same rows.
    const offset = await client.query(
      'SELECT count(*) AS n FROM log_entries',
      '2024-05-01T13:00:00+02:00',
      '2024-05-01T14:00:00+02:00'
    );
    assert.equal(Number(offset.getChild('n')!.get(0)), r);
  });

  it('queryStream yields batches with back-pressure and exposes the schema, also for zero rows', async () => {
    const stream = client.queryStream(
      '/* devserver:batch_rows=7 */ SELECT time, level, msg FROM log_entries ORDER BY time LIMIT 30',
      BEGIN,
      NOW
    );
    const schema = await stream.schema;
    assert.deepEqual(
      schema.fields.map((f) => f.name),
      ['time', 'level', 'msg']
    );
    const sizes: number[] = [];
    for await (const batch of stream) {
      sizes.push(batch.numRows);
    }
    assert.deepEqual(sizes, [7, 7, 7, 7, 2]);
    assert.ok(stream.bytesReceived > 0);
    const empty = client.queryStream('SELECT time, msg FROM log_entries WHERE false', BEGIN, NOW);
    assert.deepEqual(
      (await empty.schema).fields.map((f) => f.name),
      ['time', 'msg']
    );
    const batches: RecordBatch[] = [];
    for await (const b of empty) {
      batches.push(b);
    }
    assert.equal(
      batches.reduce((a, b) => a + b.numRows, 0),
      0
    );
    const t = await client.queryArrow('SELECT time, msg FROM log_entries WHERE false', BEGIN, NOW);
    assert.equal(t.numRows, 0);
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['time', 'msg']
    );
  });

  it('the limit option caps rows on the server', async () => {
    const t = await client.query('SELECT msg FROM log_entries', BEGIN, NOW, { limit: 3 });
    assert.equal(t.numRows, 3);
  });

  it('preserves dictionaries across batches when asked, and query() decodes them', async () => {
    const sql = '/* devserver:batch_rows=5 */ SELECT exe, target FROM log_entries ORDER BY time LIMIT 23';
    const plain = await client.queryArrow(sql, BEGIN, NOW);
    assert.ok(DataType.isUtf8(plain.schema.fields[0].type), String(plain.schema.fields[0].type));
    const dict = await client.queryArrow(sql, BEGIN, NOW, { preserveDictionary: true });
    assert.ok(DataType.isDictionary(dict.schema.fields[0].type), String(dict.schema.fields[0].type));
    assert.ok(dict.batches.length >= 4);
    assert.deepEqual(
      dict.toArray().map((r) => r.toJSON()),
      plain.toArray().map((r) => r.toJSON())
    );
    const decoded = await connect(server.uri, { preserveDictionary: true }).query(sql, BEGIN, NOW);
    assert.ok(DataType.isUtf8(decoded.schema.fields[0].type));
    assert.deepEqual(
      decoded.toArray().map((r) => r.toJSON()),
      plain.toArray().map((r) => r.toJSON())
    );
  });

  it('streams a result with a message above the 4 MiB gRPC default', async () => {
    const t = await client.query("SELECT repeat('x', 6000000) AS big");
    assert.equal(String(t.getChild('big')!.get(0)).length, 6_000_000);
  });

  it('surfaces a mid-stream failure as an error after the batches received, never as a short result', async () => {
    const sql = '/* devserver:batch_rows=5 */ /* devserver:fail_after_batches=2 */ SELECT msg FROM log_entries';
    let rows = 0;
    await assert.rejects(
      (async () => {
        for await (const b of client.queryStream(sql, BEGIN, NOW)) {
          rows += b.numRows;
        }
      })(),
      (e: MicromegasError) => {
        assert.ok(e instanceof MicromegasError);
        assert.equal(e.codeName, 'INTERNAL');
        assert.match(e.message, /injected failure after 2 batches/);
        assert.match(e.queryId ?? '', /^[0-9a-f-]{36}$/);
        return true;
      }
    );
    assert.equal(rows, 10);
    await assert.rejects(client.query(sql, BEGIN, NOW), /injected failure/);
    const viaHeader = client.queryStream('/* devserver:batch_rows=4 */ SELECT msg FROM log_entries', BEGIN, NOW, {
      headers: { 'x-devserver-fail-after-batches': '1' },
    });
    await assert.rejects(viaHeader.toTable(), /injected failure after 1 batches/);
  });

  it('cancels through AbortSignal and when the consumer stops early', async () => {
    const controller = new AbortController();
    const stream = client.queryStream(
      '/* devserver:batch_rows=1 */ /* devserver:delay_ms=200 */ SELECT msg FROM log_entries',
      BEGIN,
      NOW,
      {
        signal: controller.signal,
      }
    );
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const b of stream) {
          seen += b.numRows;
          controller.abort();
        }
      })(),
      (e: Error) => e.name === 'AbortError'
    );
    assert.equal(seen, 1);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(
      client.query('SELECT 1', undefined, undefined, { signal: pre.signal }),
      (e: Error) => e.name === 'AbortError'
    );
    // Breaking out of the loop cancels the DoGet; the client stays usable.
    for await (const b of client.queryStream(
      '/* devserver:batch_rows=1 */ /* devserver:delay_ms=200 */ SELECT msg FROM log_entries',
      BEGIN,
      NOW
    )) {
      assert.equal(b.numRows, 1);
      break;
    }
    assert.equal((await client.query('SELECT 42 AS x')).getChild('x')!.get(0), 42n);
    // close() cancels streams in flight; later calls fail clearly.
    const other = connect(server.uri);
    const inflight = other.queryStream(
      '/* devserver:batch_rows=1 */ /* devserver:delay_ms=200 */ SELECT msg FROM log_entries',
      BEGIN,
      NOW
    );
    await inflight.schema;
    other.close();
    await assert.rejects(inflight.toTable(), (e: MicromegasError) => e.codeName === 'CANCELLED');
    await assert.rejects(other.query('SELECT 1'), /client is closed/);
  });

  it('reports SQL errors with code, position and query id', async () => {
    await assert.rejects(client.query('SELECT * FROM no_such_table'), (e: MicromegasError) => {
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(e.codeName, 'INVALID_ARGUMENT');
      assert.match(e.serverMessage, /no_such_table/);
      assert.equal(e.line, 1);
      assert.equal(e.column, 15);
      assert.match(e.queryId ?? '', /^[0-9a-f-]{36}$/);
      return true;
    });
    await assert.rejects(
      client.query('SELECT 1', undefined, undefined, { timeoutMs: -1 }),
      /timeoutMs must be a positive number/
    );
  });

  it('times out with DEADLINE_EXCEEDED', async () => {
    await assert.rejects(
      client.query(
        '/* devserver:batch_rows=1 */ /* devserver:delay_ms=300 */ SELECT msg FROM log_entries',
        BEGIN,
        NOW,
        { timeoutMs: 400 }
      ),
      (e: MicromegasError) => e.codeName === 'DEADLINE_EXCEEDED' && /timed out/.test(e.message)
    );
  });

  it('prepareStatement returns the dataset schema; preparedStatementStream runs it', async () => {
    const stmt = await client.prepareStatement('SELECT time, level, msg FROM log_entries');
    assert.equal(stmt.query, 'SELECT time, level, msg FROM log_entries');
    assert.deepEqual(
      stmt.datasetSchema.fields.map((f) => f.name),
      ['time', 'level', 'msg']
    );
    assert.ok(DataType.isTimestamp(stmt.datasetSchema.fields[0].type));
    const first = await client.prepareStatement('SELECT process_id FROM processes LIMIT 2');
    let rows = 0;
    for await (const b of client.preparedStatementStream(first)) {
      rows += b.numRows;
    }
    assert.equal(rows, 2);
  });

  it('getTables and getSqlInfo use the Flight SQL commands', async () => {
    const tables = await client.getTables();
    assert.deepEqual(tables.map((t) => t.tableName).sort(), [
      'blocks',
      'log_entries',
      'log_stats',
      'measures',
      'processes',
      'streams',
    ]);
    const logs = await client.getTables({ tableNamePattern: 'log%', includeSchema: true });
    assert.deepEqual(logs.map((t) => t.tableName).sort(), ['log_entries', 'log_stats']);
    const entries = logs.find((t) => t.tableName === 'log_entries')!;
    assert.ok(entries.schema!.fields.some((f) => f.name === 'msg'));
    const info = await client.getSqlInfo([0, 1, 2]);
    assert.equal(info.get(0), 'Micromegas Flight SQL Server');
    assert.equal(info.size, 3);
  });

  it('findProcess, queryStreams, queryBlocks and querySpans', async () => {
    const procs = await client.query('SELECT process_id FROM processes ORDER BY process_id LIMIT 1');
    const pid = String(procs.getChild('process_id')!.get(0));
    const found = await client.findProcess(pid);
    assert.equal(found.numRows, 1);
    assert.equal(String(found.getChild('process_id')!.get(0)), pid);
    assert.equal((await client.findProcess("x' OR '1'='1")).numRows, 0, 'quoted, not injected');
    const streams = await client.queryStreams(BEGIN, NOW, 100, { processId: pid });
    assert.ok(streams.numRows > 0);
    assert.ok(streams.toArray().every((r) => r.process_id === pid));
    const tagged = await client.queryStreams(BEGIN, NOW, 100, { processId: pid, tagFilter: 'cpu' });
    assert.ok(tagged.numRows > 0 && tagged.numRows < streams.numRows);
    const sid = String(tagged.getChild('stream_id')!.get(0));
    const blocks = await client.queryBlocks(BEGIN, NOW, 5, sid);
    assert.ok(blocks.numRows > 0 && blocks.numRows <= 5);
    assert.ok(blocks.toArray().every((r) => r.stream_id === sid));
    const spans = await client.querySpans(BEGIN, NOW, 10, sid);
    assert.ok(spans.numRows > 0 && spans.numRows <= 10);
    assert.ok(spans.schema.fields.some((f) => f.name === 'duration'));
  });

  it('bulkIngest round-trips a processes row', async () => {
    const template = await client.queryArrow('SELECT * FROM processes LIMIT 1');
    const newId = '00000000-0000-4000-8000-00000000abcd';
    // Same schema as the server's processes, process_id replaced.
    const batch = template.batches[0].slice(0, 1);
    const fields = template.schema.fields;
    const children = fields.map((f, i) =>
      f.name === 'process_id' ? vectorFromArray([newId], f.type).data[0] : batch.getChildAt(i)!.data[0]
    );
    const row = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: 1, nullCount: 0, children })
    );
    const result = await client.bulkIngest('processes', new Table([row]));
    assert.deepEqual(result, { recordCount: 1 });
    const back = await client.findProcess(newId);
    assert.equal(back.numRows, 1);
    await assert.rejects(client.bulkIngest('log_entries', new Table([row])), (e: MicromegasError) =>
      /not supported/.test(e.message)
    );
    // One vector used for two columns: apache-arrow writes an inconsistent stream; refused
    // here with the cause, before anything reaches the server.
    const times = makeVector(makeData({ type: new TimestampNanosecond(), length: 1, data: BigInt64Array.from([1n]) }));
    await assert.rejects(
      client.bulkIngest('processes', new Table({ insert_time: times, last_update_time: times })),
      (e: MicromegasError) => e.code === 3 && /same vector/.test(e.message)
    );
  });

  it('materializePartitions and retirePartitions deliver progress messages', async () => {
    const messages: string[] = [];
    for await (const m of client.materializePartitions('log_entries', BEGIN, NOW, 3600)) {
      assert.ok(m.time instanceof Date && !Number.isNaN(m.time.getTime()));
      messages.push(m.msg);
    }
    assert.ok(messages.length > 0);
    const retired: string[] = [];
    for await (const m of client.retirePartitions('measures', 'global', '2024-05-01T10:00:00Z', NOW)) {
      retired.push(m.msg);
    }
    assert.ok(
      retired.some((m) => /retired \d+ partition/.test(m)),
      retired.join('\n')
    );
  });

  it('regeneratePartitions delivers a progress message per window', async () => {
    const messages: string[] = [];
    for await (const m of client.regeneratePartitions('log_entries', '2024-05-01T09:00:00Z', NOW, 3600)) {
      messages.push(m.msg);
    }
    assert.equal(messages.length, 3, messages.join('\n'));
    assert.ok(messages.every((m) => /regenerated/.test(m)));
  });

  it('perfetto.writeProcessTrace writes the process trace (every thread span as a slice) only once complete', async () => {
    const cpu = await client.query(
      "SELECT process_id, stream_id FROM streams WHERE array_has(tags, 'cpu') ORDER BY process_id LIMIT 1"
    );
    const processId = String(cpu.getChild('process_id')!.get(0));
    const streamId = String(cpu.getChild('stream_id')!.get(0));
    const spans = await client.query(
      `SELECT count(*) AS n FROM view_instance('thread_spans', '${streamId}')`,
      BEGIN,
      NOW
    );
    const threadSpans = Number(spans.getChild('n')!.get(0));
    const dir = mkdtempSync(path.join(tmpdir(), 'perfetto-'));
    try {
      const file = path.join(dir, 'trace.pftrace');
      const written = await perfetto.writeProcessTrace(client, processId, BEGIN, NOW, file, 'thread');
      assert.ok(written.chunks > 1, `a trace of ${written.bytes} bytes in ${written.chunks} chunk(s)`);
      const bytes = readFileSync(file);
      assert.equal(bytes.byteLength, written.bytes);
      const packets = decodePerfettoTrace(bytes);
      const begins = packets.filter((p) => p.track_event?.type === SLICE_BEGIN);
      const ends = packets.filter((p) => p.track_event?.type === SLICE_END);
      assert.ok(packets.some((p) => p.track_descriptor?.name === `thread ${streamId}`));
      assert.ok(
        begins.length >= threadSpans && threadSpans > 0,
        `${begins.length} slices for ${threadSpans} spans of one of the threads`
      );
      assert.equal(begins.length, ends.length);
      assert.ok(begins.every((p) => p.track_event?.name));
      // Nothing is left behind but the trace itself.
      assert.deepEqual(readdir(dir), ['trace.pftrace']);
      await assert.rejects(
        perfetto.writeProcessTrace(client, 'no-such-process', BEGIN, NOW, path.join(dir, 'none.pftrace')),
        /no Perfetto trace for process no-such-process/
      );
      assert.equal(existsSync(path.join(dir, 'none.pftrace')), false);
      await assert.rejects(
        perfetto.writeProcessTrace(client, processId, BEGIN, NOW, file, 'threads' as never),
        /spanTypes must be one of thread, async, both/
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("admin.listIncompatiblePartitions / retireIncompatiblePartitions have Python's columns", async () => {
    const list = await admin.listIncompatiblePartitions(client, 'log_entries');
    assert.deepEqual(
      list.schema.fields.map((f) => f.name),
      [
        'view_set_name',
        'view_instance_id',
        'begin_insert_time',
        'end_insert_time',
        'incompatible_schema_hash',
        'current_schema_hash',
        'file_path',
        'file_size',
      ]
    );
    const retired = await admin.retireIncompatiblePartitions(client, 'log_entries');
    assert.ok(Array.isArray(retired));
    for (const r of retired) {
      assert.deepEqual(Object.keys(r), [
        'view_set_name',
        'view_instance_id',
        'partitions_retired',
        'partitions_failed',
        'storage_freed_bytes',
        'retirement_messages',
      ]);
    }
    assert.equal(
      retired.reduce((a, r) => a + r.partitions_retired + r.partitions_failed, 0),
      list.numRows
    );
  });
});

describe('client against the dev server with API keys', () => {
  let server: DevServer;
  const key = 'mmk_test_key_0123456789';
  before(async () => {
    server = await startDevServer({ now: NOW, scale: 0.02, apiKeys: [{ name: 'svc', key }] });
  });
  after(async () => server?.stop());

  it('accepts a valid bearer token and rejects a missing or wrong one without echoing it', async () => {
    const ok = connect(server.uri, { token: key });
    assert.equal((await ok.query('SELECT 1 AS one')).getChild('one')!.get(0), 1n);
    ok.close();
    const none = connect(server.uri);
    await assert.rejects(
      none.query('SELECT 1'),
      (e: MicromegasError) => e.codeName === 'UNAUTHENTICATED' && /invalid token/.test(e.message)
    );
    none.close();
    const wrong = connect(server.uri, { token: 'wrong-token-value' });
    await assert.rejects(wrong.query('SELECT 1'), (e: MicromegasError) => {
      assert.equal(e.codeName, 'UNAUTHENTICATED');
      assert.doesNotMatch(`${e.message} ${e.serverMessage} ${e.stack}`, /wrong-token-value/);
      return true;
    });
    wrong.close();
  });

  it('OIDC client credentials: fetches a token, and refreshes it once after UNAUTHENTICATED', async () => {
    // The stand-in first issues a token the server does not know, then the valid key.
    const idp = await startOidcStandIn({ tokens: ['stale-token-xyz', key, key] });
    try {
      const provider = new OidcClientCredentialsProvider({
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      });
      const client = connect(server.uri, { authProvider: provider });
      assert.equal((await client.query('SELECT 2 AS two')).getChild('two')!.get(0), 2n);
      assert.equal(idp.requests.length, 2, 'one refresh after UNAUTHENTICATED');
      assert.equal((await client.query('SELECT 3 AS three')).getChild('three')!.get(0), 3n);
      assert.equal(idp.requests.length, 2, 'token cached');
      assert.equal((await client.getSqlInfo([0])).get(0), 'Micromegas Flight SQL Server');
      client.close();
      // A provider that keeps failing surfaces UNAUTHENTICATED after one retry.
      const idp2 = await startOidcStandIn({ tokens: ['bad-1', 'bad-2', 'bad-3'] });
      try {
        const p2 = new OidcClientCredentialsProvider({
          issuer: idp2.issuer,
          clientId: idp2.clientId,
          clientSecret: idp2.clientSecret,
        });
        const c2 = connect(server.uri, { authProvider: p2 });
        await assert.rejects(
          c2.query('SELECT 1'),
          (e: MicromegasError) => e.codeName === 'UNAUTHENTICATED' && !/bad-\d/.test(e.message)
        );
        assert.equal(idp2.requests.length, 2);
        c2.close();
      } finally {
        await idp2.stop();
      }
    } finally {
      await idp.stop();
    }
  });
});
