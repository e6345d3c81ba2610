// The Python client's worked examples (micromegas mkdocs query-guide/python-api.md,
// python-api-advanced.md, admin guide) written with the TypeScript client. docs/client.md shows
// each block (between the `// example:` and `// end` markers) next to its Python original;
// tests/client/examples.test.ts runs them against the dev server and checks the docs quote them.
import { Field, List, Struct, Table, TimeUnit, Timestamp, Utf8, vectorFromArray } from 'apache-arrow';

import { admin, connect, type FlightSQLClient } from '../../pkg/micromegas';

export async function connectAndQuery(uri: string): Promise<Table> {
  // example: connect
  const client = connect(uri); // micromegas.connect(): grpc://localhost:50051 by default
  const end = new Date('2024-05-01T12:00:00Z');
  const begin = new Date(end.getTime() - 60 * 60 * 1000);
  const sql = `
    SELECT time, process_id, level, target, msg
    FROM log_entries
    WHERE level <= 4
    ORDER BY time DESC
    LIMIT 100;`;
  const logs = await client.query(sql, begin, end); // an Arrow Table (Python: a pandas DataFrame)
  client.close();
  // end
  return logs;
}

export async function streamLargeResult(client: FlightSQLClient): Promise<number> {
  // example: stream
  const sql = 'SELECT time, name, value FROM measures';
  let rows = 0;
  for await (const batch of client.queryStream(sql, '2024-05-01T00:00:00Z', '2024-05-01T12:00:00Z')) {
    rows += batch.numRows; // one RecordBatch at a time, never the whole result in memory
  }
  // end
  return rows;
}

export async function preserveDictionaries(uri: string): Promise<{ table: Table; error?: string }> {
  // example: dictionaries
  const client = connect(uri, { preserveDictionary: true });
  const table = await client.queryArrow(
    'SELECT exe, target, count(*) AS n FROM log_entries GROUP BY exe, target',
    '2024-05-01T00:00:00Z',
    '2024-05-01T12:00:00Z'
  );
  // exe and target arrive as Dictionary(Int32, Utf8). properties_to_dict() takes a
  // List<Struct<key, value>>: on today's JSONB properties columns the server refuses it.
  let error: string | undefined;
  try {
    await client.queryArrow('SELECT properties_to_dict(properties) AS dict_props FROM measures LIMIT 1');
  } catch (err) {
    error = (err as Error).message;
  }
  client.close();
  // end
  return { table, error };
}

export async function preparedStatement(client: FlightSQLClient): Promise<{ fields: string[]; rows: number }> {
  // example: prepared
  const statement = await client.prepareStatement('SELECT time, level, msg FROM log_entries LIMIT 5');
  const fields = statement.datasetSchema.fields.map((f) => f.name); // planned, not executed
  let rows = 0;
  for await (const batch of client.preparedStatementStream(statement)) {
    rows += batch.numRows;
  }
  // end
  return { fields, rows };
}

export async function exploreProcess(
  client: FlightSQLClient
): Promise<{ process: Table; streams: Table; blocks: Table; spans: Table }> {
  // example: explore
  const begin = '2024-05-01T00:00:00Z';
  const end = '2024-05-01T12:00:00Z';
  const someProcess = await client.query("SELECT process_id FROM processes WHERE exe = 'api-gateway'");
  const processId = String(someProcess.getChild('process_id')!.get(0));
  const process = await client.findProcess(processId);
  const streams = await client.queryStreams(begin, end, 100, { processId, tagFilter: 'cpu' });
  const streamId = String(streams.getChild('stream_id')!.get(0));
  const blocks = await client.queryBlocks(begin, end, 100, streamId);
  const spans = await client.querySpans(begin, end, 1000, streamId);
  // end
  return { process, streams, blocks, spans };
}

export async function bulkIngestProcesses(client: FlightSQLClient): Promise<number | undefined> {
  // example: bulk-ingest
  const now = Date.now();
  const keyValue = new Struct([new Field('key', new Utf8(), false), new Field('value', new Utf8(), false)]);
  const processes = new Table({
    process_id: vectorFromArray(['550e8400-e29b-41d4-a716-446655440000'], new Utf8()),
    exe: vectorFromArray(['/usr/bin/myapp'], new Utf8()),
    username: vectorFromArray(['user'], new Utf8()),
    realname: vectorFromArray(['User Name'], new Utf8()),
    computer: vectorFromArray(['hostname'], new Utf8()),
    distro: vectorFromArray(['Ubuntu 22.04'], new Utf8()),
    cpu_brand: vectorFromArray(['Intel Core i7'], new Utf8()),
    tsc_frequency: vectorFromArray([2400000000n]),
    start_time: vectorFromArray([now], new Timestamp(TimeUnit.NANOSECOND, '+00:00')),
    start_ticks: vectorFromArray([1234567890n]),
    insert_time: vectorFromArray([now], new Timestamp(TimeUnit.NANOSECOND, '+00:00')),
    parent_process_id: vectorFromArray([''], new Utf8()),
    properties: vectorFromArray([[]], new List(new Field('item', keyValue, true))),
  });
  const result = await client.bulkIngest('processes', processes); // admin only
  // end
  return result?.recordCount;
}

export async function maintainPartitions(client: FlightSQLClient): Promise<string[]> {
  // example: partitions
  const messages: string[] = [];
  const end = new Date('2024-05-01T12:00:00Z');
  const begin = new Date(end.getTime() - 24 * 3600 * 1000);
  for await (const m of client.materializePartitions('log_entries', begin, end, 3600)) {
    messages.push(m.msg);
  }
  for await (const m of client.retirePartitions(
    'log_entries',
    'global',
    begin,
    new Date(begin.getTime() + 3600 * 1000)
  )) {
    messages.push(m.msg);
  }
  // end
  return messages;
}

export async function incompatiblePartitions(
  client: FlightSQLClient
): Promise<{ listed: Table; retired: admin.RetirementResult[] }> {
  // example: incompatible
  const listed = await admin.listIncompatiblePartitions(client, 'log_entries');
  const retired = await admin.retireIncompatiblePartitions(client, 'log_entries');
  // end
  return { listed, retired };
}
