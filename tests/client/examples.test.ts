// The Python client's worked examples, in TypeScript (tests/client/examples.ts), run against the
// dev server with the real server's behaviour; docs/client.md must quote each one verbatim.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DataType } from 'apache-arrow';

import { connect, type FlightSQLClient } from '../../pkg/micromegas';
import { startDevServer, type DevServer } from '../harness/devserver';
import * as ex from './examples';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the Python examples, in TypeScript, against the dev server', () => {
  let server: DevServer;
  let client: FlightSQLClient;
  before(async () => {
    // No keys: auth is off and the caller is admin, as a --disable-auth Micromegas.
    server = await startDevServer({ now: '2024-05-01T12:00:00Z', scale: 0.05 });
    client = connect(server.uri);
  });
  after(async () => {
    client?.close();
    await server?.stop();
  });

  it('connect and query a time range', async () => {
    const logs = await ex.connectAndQuery(server.uri);
    assert.ok(logs.numRows > 0 && logs.numRows <= 100);
    assert.deepEqual(
      logs.schema.fields.map((f) => f.name),
      ['time', 'process_id', 'level', 'target', 'msg']
    );
  });

  it('stream a large result batch by batch', async () => {
    const rows = await ex.streamLargeResult(client);
    const total = await client.query(
      'SELECT count(*) AS n FROM measures',
      '2024-05-01T00:00:00Z',
      '2024-05-01T12:00:00Z'
    );
    assert.equal(BigInt(rows), total.getChild('n')!.get(0));
  });

  it('dictionary preservation; properties_to_dict refuses the JSONB properties as upstream', async () => {
    const { table, error } = await ex.preserveDictionaries(server.uri);
    assert.ok(DataType.isDictionary(table.schema.fields[0]!.type));
    assert.match(error ?? '', /properties_to_dict/);
  });

  it('prepared statement: the schema without running, then the rows', async () => {
    assert.deepEqual(await ex.preparedStatement(client), { fields: ['time', 'level', 'msg'], rows: 5 });
  });

  it('find_process, query_streams, query_blocks, query_spans', async () => {
    const { process, streams, blocks, spans } = await ex.exploreProcess(client);
    assert.equal(process.numRows, 1);
    assert.ok(streams.numRows > 0 && blocks.numRows > 0 && spans.numRows > 0);
  });

  it('bulk_ingest of process metadata with its 13 columns', async () => {
    assert.equal(await ex.bulkIngestProcesses(client), 1);
    const found = await client.findProcess('550e8400-e29b-41d4-a716-446655440000');
    assert.equal(found.getChild('exe')!.get(0), '/usr/bin/myapp');
  });

  it('materialize and retire partitions', async () => {
    const messages = await ex.maintainPartitions(client);
    assert.equal(messages.filter((m) => /is up to date/.test(m)).length, 24);
    assert.ok(messages.some((m) => /^retired \d+ partition\(s\)$/.test(m)));
  });

  it('incompatible partitions: list and retire', async () => {
    const { listed, retired } = await ex.incompatiblePartitions(client);
    assert.equal(listed.numRows, 0); // the sample's partitions all have the current schema
    assert.deepEqual(retired, []);
  });
});

describe('docs/client.md quotes every example', () => {
  const source = readFileSync(path.join(ROOT, 'tests/client/examples.ts'), 'utf8');
  const docs = readFileSync(path.join(ROOT, 'docs/client.md'), 'utf8');
  const blocks = [...source.matchAll(/\/\/ example: ([a-z-]+)\n([\s\S]*?)\n\s*\/\/ end/g)];
  it('has the examples', () => assert.equal(blocks.length, 8));
  for (const [, name, body] of blocks) {
    it(name!, () => {
      const dedented = body!
        .split('\n')
        .map((l) => l.replace(/^ {2}/, ''))
        .join('\n');
      assert.ok(docs.includes(dedented), `docs/client.md lacks the "${name}" example as written in examples.ts`);
    });
  }
});
