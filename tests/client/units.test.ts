// Pure units of the client: URI mapping, attribution, SQL quoting, error parsing,
// and the FlightData <-> IPC stream reassembly against apache-arrow's own writer/reader.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  Dictionary,
  Float64,
  Int32,
  makeData,
  makeVector,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Table,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

import { MicromegasError, parseServerMessage, parseServerUri, sqlString } from '../../pkg/micromegas';
import { resolveClientAgent, resolveClientEntrypoint, resolveSessionId } from '../../pkg/micromegas/attribution';
import { fromGrpcError, redact } from '../../pkg/micromegas/errors';
import { flightDataToIpc, splitIpcStream } from '../../pkg/micromegas/flight-ipc';
import { IpcFeed } from '../../pkg/micromegas/ipc-feed';
import { sqlInteger } from '../../pkg/micromegas/sql';

describe('parseServerUri', () => {
  it('maps schemes like the Python client', () => {
    assert.deepEqual(parseServerUri('grpc://localhost:50051'), {
      address: 'localhost:50051',
      host: 'localhost',
      port: 50051,
      tls: false,
    });
    assert.equal(parseServerUri('grpc+tls://example.com:443').tls, true);
    assert.deepEqual(parseServerUri('http://h:8080'), { address: 'h:8080', host: 'h', port: 8080, tls: false });
    assert.deepEqual(parseServerUri('https://h'), { address: 'h:443', host: 'h', port: 443, tls: true });
    assert.equal(parseServerUri('http://h:80').port, 80);
    assert.equal(parseServerUri('grpc://h').port, 50051);
    assert.equal(parseServerUri('grpc://[::1]:1234').address, '[::1]:1234');
  });
  it('rejects bad schemes, paths and credentials with actionable messages', () => {
    assert.throws(() => parseServerUri('ftp://h:1'), /scheme "ftp" is not supported.*grpc:\/\//);
    assert.throws(() => parseServerUri('localhost:50051'), /Add a scheme: grpc:\/\/localhost:50051/);
    assert.throws(() => parseServerUri('h:50051/'), /not a URL: use grpc:\/\/host:port/);
    assert.throws(() => parseServerUri(''), /empty/);
    assert.throws(() => parseServerUri('grpc://h:1/path'), /path/);
    assert.throws(() => parseServerUri('grpc://u:p@h:1'), /credentials/);
    assert.throws(() => parseServerUri('grpc://h:70000'), MicromegasError);
  });
});

describe('attribution', () => {
  const proc = { argv: ['node', '/x/script.js'], execArgv: [] as string[] };
  it('resolves the agent: override, claude-code, none', () => {
    assert.equal(resolveClientAgent({ MICROMEGAS_CLIENT_AGENT: 'my-agent' }), 'my-agent');
    assert.equal(resolveClientAgent({ MICROMEGAS_CLIENT_AGENT: 'bad\nvalue', CLAUDECODE: '1' }), 'claude-code');
    assert.equal(resolveClientAgent({ MICROMEGAS_CLIENT_AGENT: 'x'.repeat(65) }), 'none');
    assert.equal(resolveClientAgent({}), 'none');
  });
  it('resolves the entrypoint: explicit (validated), env, -e, repl, script', () => {
    assert.equal(resolveClientEntrypoint('cli-query', {}, proc), 'cli-query');
    assert.throws(() => resolveClientEntrypoint('caf\u00e9', {}, proc), /invalid clientEntrypoint/);
    assert.equal(resolveClientEntrypoint(undefined, { MICROMEGAS_CLIENT_ENTRYPOINT: 'batch' }, proc), 'batch');
    assert.equal(resolveClientEntrypoint(undefined, {}, { argv: ['node'], execArgv: ['-e'] }), 'script');
    assert.equal(resolveClientEntrypoint(undefined, {}, { argv: ['node'], execArgv: [] }), 'repl');
    assert.equal(resolveClientEntrypoint(undefined, {}, proc), 'script');
  });
  it('resolves the session id from CLAUDE_CODE_SESSION_ID or a UUID', () => {
    assert.equal(resolveSessionId({ CLAUDE_CODE_SESSION_ID: 'abc-123' }), 'abc-123');
    assert.match(resolveSessionId({}), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('SQL literals', () => {
  it('quotes and escapes strings', () => {
    assert.equal(sqlString("it's"), "'it''s'");
    assert.equal(sqlString("'); DROP TABLE x; --"), "'''); DROP TABLE x; --'");
    assert.throws(() => sqlString('a\0b'), /NUL/);
  });
  it('accepts only non-negative safe integers', () => {
    assert.equal(sqlInteger(10, 'limit'), '10');
    for (const bad of [-1, 1.5, Number.NaN, Infinity, '3' as unknown as number]) {
      assert.throws(() => sqlInteger(bad, 'limit'), /limit must be a non-negative integer/);
    }
  });
});

describe('errors', () => {
  it('parses query id, line and column from the server shape', () => {
    const msg =
      'error building dataframe: SQL error: ParserError("Expected: an expression") (at line 2, column 14) (query_id=3f2b1c0a-1d2e-4f3a-8b9c-0d1e2f3a4b5c)';
    assert.deepEqual(parseServerMessage(msg), { queryId: '3f2b1c0a-1d2e-4f3a-8b9c-0d1e2f3a4b5c', line: 2, column: 14 });
    const e = fromGrpcError({ code: 3, details: msg }, 'h:1', []);
    assert.equal(e.code, 3);
    assert.equal(e.codeName, 'INVALID_ARGUMENT');
    assert.equal(e.line, 2);
    assert.equal(e.column, 14);
    assert.equal(e.queryId, '3f2b1c0a-1d2e-4f3a-8b9c-0d1e2f3a4b5c');
    assert.match(e.message, /^INVALID_ARGUMENT: error building dataframe/);
  });
  it('names the unreachable address and redacts secrets', () => {
    const e = fromGrpcError(
      { code: 14, details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:9' },
      '127.0.0.1:9',
      []
    );
    assert.match(e.message, /could not reach Micromegas at 127\.0\.0\.1:9/);
    assert.equal(
      redact('token s3cr3t-value and Bearer abc.def', ['s3cr3t-value']),
      'token [REDACTED] and Bearer [REDACTED]'
    );
  });
});

describe('FlightData <-> IPC stream', () => {
  it('reassembles messages split like Flight into one stream that keeps dictionaries', async () => {
    const dictType = new Dictionary(new Utf8(), new Int32());
    const t1 = new Table({
      name: vectorFromArray(['a', 'b', 'a'], dictType),
      v: vectorFromArray([1.5, 2.5, 3.5], new Float64()),
    });
    const writer = new RecordBatchStreamWriter();
    writer.write(t1);
    writer.finish();
    const bytes = writer.toUint8Array(true);
    const messages = splitIpcStream(bytes);
    // schema, dictionary batch, record batch
    assert.equal(messages.length, 3);
    // Simulate gRPC delivering bodies at unaligned offsets inside bigger buffers.
    const chunks = messages.flatMap((m) => {
      const pool = Buffer.alloc(m.body.byteLength + 3);
      pool.set(m.body, 3);
      return flightDataToIpc({ data_header: Buffer.from(m.header), data_body: pool.subarray(3) }).chunks;
    });
    async function* source(): AsyncGenerator<Uint8Array> {
      yield* chunks;
    }
    const reader = await RecordBatchReader.from(source());
    await reader.open();
    const schema = reader.schema;
    const rows: unknown[] = [];
    for await (const batch of reader) {
      for (const r of batch) {
        rows.push(r.toJSON());
      }
    }
    assert.deepEqual(rows, [
      { name: 'a', v: 1.5 },
      { name: 'b', v: 2.5 },
      { name: 'a', v: 3.5 },
    ]);
    assert.equal(String(schema.fields[0].type), 'Dictionary<Int32, Utf8>');
  });
  it('refuses a body shorter than its header announces', () => {
    const t = new Table({ v: vectorFromArray([1, 2, 3], new Float64()) });
    const [, batch] = splitIpcStream(RecordBatchStreamWriter.writeAll(t).toUint8Array(true));
    assert.throws(
      () => flightDataToIpc({ data_header: batch.header, data_body: batch.body.subarray(0, 4) }),
      /malformed FlightData/
    );
  });
  it('refuses an IPC stream whose bodies do not add up or that lacks its end-of-stream marker', () => {
    // apache-arrow's writer miscounts the body when two columns share one buffer.
    const ns = makeData({ type: new TimestampNanosecond(), length: 2, data: BigInt64Array.from([1n, 2n]) });
    const shared = RecordBatchStreamWriter.writeAll(new Table({ a: makeVector(ns), b: makeVector(ns) })).toUint8Array(
      true
    );
    assert.throws(() => splitIpcStream(shared), /inconsistent Arrow IPC stream/);
    const good = RecordBatchStreamWriter.writeAll(
      new Table({ v: vectorFromArray([1, 2, 3], new Float64()) })
    ).toUint8Array(true);
    assert.equal(splitIpcStream(good).length, 2);
    assert.throws(() => splitIpcStream(good.subarray(0, good.byteLength - 8)), /no end-of-stream marker/);
  });
  it('skips metadata-only FlightData', () => {
    assert.deepEqual(flightDataToIpc({ app_metadata: Buffer.from('x') }).chunks, []);
  });
});

describe('IpcFeed (FlightData → one synchronous Arrow reader)', () => {
  /** Two record batches sharing one dictionary, as FlightData messages. */
  function flightMessages(): Array<{ data_header?: Buffer; data_body?: Buffer; app_metadata?: Buffer }> {
    const table = new Table({
      name: vectorFromArray(['a', 'b', 'a', 'b'], new Dictionary(new Utf8(), new Int32())),
      v: vectorFromArray([1, 2, 3, 4], new Float64()),
    });
    const writer = new RecordBatchStreamWriter();
    writer.write(table.slice(0, 3).batches[0]);
    writer.write(table.slice(3).batches[0]);
    writer.finish();
    return splitIpcStream(writer.toUint8Array(true)).map((m) => ({
      data_header: Buffer.from(m.header),
      data_body: Buffer.from(m.body),
    }));
  }

  it('decodes each record batch as soon as its message arrives, dictionaries carried over', () => {
    const feed = new IpcFeed();
    const rows: unknown[] = [];
    let batches = 0;
    for (const m of [{ app_metadata: Buffer.from('progress') }, ...flightMessages()]) {
      const batch = feed.push(m);
      if (batch) {
        batches++;
        rows.push(...[...batch].map((r) => r.toJSON()));
      }
    }
    feed.end();
    assert.equal(batches, 2);
    assert.deepEqual(rows, [
      { name: 'a', v: 1 },
      { name: 'b', v: 2 },
      { name: 'a', v: 3 },
      { name: 'b', v: 4 },
    ]);
    assert.equal(String(feed.schema?.fields[0].type), 'Dictionary<Int32, Utf8>');
    assert.ok(feed.bytes > 0);
  });

  it('gives the schema of a result without rows', () => {
    const feed = new IpcFeed();
    const [schema] = flightMessages();
    assert.equal(feed.push(schema), undefined);
    feed.end();
    assert.deepEqual(
      feed.schema?.fields.map((f) => f.name),
      ['name', 'v']
    );
  });

  it('refuses a stream that does not start with the schema', () => {
    const feed = new IpcFeed();
    const [, dictionary] = flightMessages();
    assert.throws(() => feed.push(dictionary), /started with a DictionaryBatch message instead of the schema/);
  });
});
