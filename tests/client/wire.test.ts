// What the client puts on the wire, observed by a real gRPC server that implements
// FlightService.DoGet/DoAction and records the request (no dev server involved).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { decodeMessage, serviceDefinition } from '../../pkg/proto';
import { connect, FlightSQLClient, MicromegasError } from '../../pkg/micromegas';

interface Seen {
  metadata: Record<string, string>;
  typeUrl: string;
  sql: string;
}

describe('client wire format (recording server)', () => {
  let server: grpc.Server;
  let uri = '';
  const seen: Seen[] = [];
  before(async () => {
    server = new grpc.Server();
    const reply = (call: grpc.ServerWritableStream<{ ticket: Buffer }, unknown>): void => {
      const any = decodeMessage<{ type_url: string; value: Buffer }>('google.protobuf.Any', call.request.ticket);
      const stmt = decodeMessage<{ statement_handle: Buffer }>(
        'arrow.flight.protocol.sql.TicketStatementQuery',
        any.value
      );
      const md: Record<string, string> = {};
      for (const [k, v] of Object.entries(call.metadata.getMap())) {
        md[k] = String(v);
      }
      seen.push({ metadata: md, typeUrl: any.type_url, sql: stmt.statement_handle.toString('utf8') });
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'recorded' });
    };
    server.addService(serviceDefinition('arrow.flight.protocol.FlightService'), { DoGet: reply });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p)
      )
    );
    uri = `grpc://127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  async function record(client: FlightSQLClient, run: (c: FlightSQLClient) => Promise<unknown>): Promise<Seen> {
    seen.length = 0;
    await assert.rejects(run(client), (e: MicromegasError) => e.code === grpc.status.UNIMPLEMENTED);
    client.close();
    assert.equal(seen.length, 1);
    return seen[0];
  }

  it('sends an Any-wrapped TicketStatementQuery with attribution headers and no range by default', async () => {
    const s = await record(connect(uri, { clientEntrypoint: 'tests' }), (c) => c.query('SELECT 1'));
    assert.equal(s.typeUrl, 'type.googleapis.com/arrow.flight.protocol.sql.TicketStatementQuery');
    assert.equal(s.sql, 'SELECT 1');
    assert.equal(s.metadata['x-client-type'], 'typescript');
    assert.equal(s.metadata['x-client-entrypoint'], 'tests');
    assert.ok(s.metadata['x-client-agent']);
    assert.ok(s.metadata['x-client-session']);
    assert.equal(s.metadata.query_range_begin, undefined);
    assert.equal(s.metadata.query_range_end, undefined);
    assert.equal(s.metadata.preserve_dictionary, undefined);
    assert.equal(s.metadata.authorization, undefined);
  });

  it('sends the range as RFC 3339, the limit, preserve_dictionary and the bearer token', async () => {
    const client = connect(uri, { token: 'tok-abc', preserveDictionary: true, clientType: 'grafana' });
    const s = await record(client, (c) =>
      c.query('SELECT 2', new Date(Date.UTC(2024, 0, 1)), '2024-01-02T03:04:05.5Z', { limit: 100 })
    );
    assert.equal(s.metadata.query_range_begin, '2024-01-01T00:00:00+00:00');
    assert.equal(s.metadata.query_range_end, '2024-01-02T03:04:05.500000+00:00');
    assert.equal(s.metadata.limit, '100');
    assert.equal(s.metadata.preserve_dictionary, 'true');
    assert.equal(s.metadata.authorization, 'Bearer tok-abc');
    assert.equal(s.metadata['x-client-type'], 'grafana');
  });

  it('applies per-call headers over static ones and asks the auth provider on every call', async () => {
    let calls = 0;
    const client = connect(uri, {
      headers: { 'x-team': 'a', 'x-user-id': 'static' },
      authProvider: () => `dyn-${++calls}`,
    });
    const s1 = await record(client, (c) =>
      c.queryArrow('SELECT 3', undefined, undefined, {
        headers: { 'x-user-id': 'alice%40example.com' },
        preserveDictionary: false,
      })
    );
    assert.equal(s1.metadata['x-team'], 'a');
    assert.equal(s1.metadata['x-user-id'], 'alice%40example.com');
    assert.equal(s1.metadata.authorization, 'Bearer dyn-1');
    const client2 = connect(uri, { authProvider: { getToken: async () => `dyn-${++calls}` } });
    const s2 = await record(client2, (c) => c.query('SELECT 4'));
    assert.equal(s2.metadata.authorization, 'Bearer dyn-2');
  });

  it('quotes helper arguments instead of splicing them into SQL', async () => {
    const s = await record(connect(uri), (c) => c.findProcess("x' OR '1'='1"));
    assert.equal(s.sql, "SELECT * FROM processes WHERE process_id = 'x'' OR ''1''=''1';");
    const t = await record(connect(uri), (c) =>
      c.queryStreams('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', 10, { processId: 'p1', tagFilter: "lo'g" })
    );
    assert.equal(
      t.sql,
      "SELECT * FROM streams WHERE process_id = 'p1' AND (array_position(tags, 'lo''g') IS NOT NULL) LIMIT 10;"
    );
    const b = await record(connect(uri), (c) => c.querySpans('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', 5, 's1'));
    assert.equal(b.sql, "SELECT * FROM view_instance('thread_spans', 's1') LIMIT 5;");
  });

  it('rejects bad arguments before calling the server', async () => {
    const client = connect(uri);
    assert.throws(() => client.queryStream('SELECT 1', '2024-01-01T00:00:00Z'), /begin and end must be given together/);
    assert.throws(
      () => client.queryStream('SELECT 1', '2024-01-01T00:00:00', '2024-01-02T00:00:00Z'),
      /datetime needs a valid time zone/
    );
    assert.throws(
      () => client.queryStream('SELECT 1', undefined, undefined, { limit: -5 }),
      /limit must be a non-negative integer/
    );
    assert.throws(
      () => client.queryStream('SELECT 1', undefined, undefined, { headers: { 'x-user-name': 'Zoë' } }),
      /must be printable ASCII/
    );
    assert.throws(() => client.queryStream(''), /non-empty/);
    await assert.rejects(
      client.queryBlocks('2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', 1.5, 's'),
      /limit must be a non-negative integer/
    );
    assert.throws(() => connect('ftp://h:1'), /URL scheme "ftp" is not supported/);
    assert.throws(() => connect(uri, { tls: { caPem: 'x' } }), /TLS options need a TLS URI/);
    assert.throws(() => connect('grpc+tls://h:1', { tls: { certPem: 'x' } }), /both certPem and keyPem/);
    assert.throws(() => connect(uri, { clientEntrypoint: 'bad\nvalue' }), /invalid clientEntrypoint/);
    client.close();
  });

  it('names the unreachable address in connection errors and never leaks the token', async () => {
    const probe = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      probe.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p)
      )
    );
    probe.forceShutdown(); // now nothing listens there
    const client = connect(`grpc://127.0.0.1:${port}`, { token: 'super-secret-token' });
    await assert.rejects(client.query('SELECT 1'), (e: MicromegasError) => {
      assert.equal(e.codeName, 'UNAVAILABLE');
      assert.match(e.message, new RegExp(`could not reach Micromegas at 127\\.0\\.0\\.1:${port}`));
      assert.doesNotMatch(e.message + e.serverMessage, /super-secret-token/);
      return true;
    });
    client.close();
  });
});
