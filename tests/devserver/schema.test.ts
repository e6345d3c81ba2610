// The declared schema (pkg/devserver/schema.ts, from Micromegas' view definitions) is what
// travels on the wire: every view's `SELECT *` is checked field by field — name, Arrow
// type, nullability — with and without preserve_dictionary.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DataType, type Field } from 'apache-arrow';

import { VIEWS, type ColumnDef, type ViewDef } from '../../pkg/devserver/schema';
import { startDevServer, type DevServer } from '../harness/devserver';
import { TestFlightClient } from './flight-client';

const NOW = '2024-05-01T12:00:00Z';
const RANGE = { query_range_begin: '2024-05-01T00:00:00Z', query_range_end: NOW };

let server: DevServer;
let client: TestFlightClient;

before(async () => {
  server = await startDevServer({ scale: 0.02, now: NOW });
  client = new TestFlightClient(server.uri);
});

after(async () => {
  client?.close();
  await server?.stop();
});

/** The Arrow type Micromegas declares for a column kind (hydrated unless `preserve`). */
function expectedType(col: ColumnDef, preserve: boolean): string {
  switch (col.kind) {
    case 'dict-utf8':
      return preserve ? 'Dictionary<Int32, Utf8>' : 'Utf8';
    case 'jsonb':
      return preserve ? 'Dictionary<Int32, Binary>' : 'Binary';
    case 'utf8':
      return 'Utf8';
    case 'binary':
      return 'Binary';
    case 'ts':
      return 'Timestamp<NANOSECOND, +00:00>';
    case 'int32':
      return 'Int32';
    case 'int64':
      return 'Int64';
    case 'uint32':
      return 'Uint32';
    case 'float64':
      return 'Float64';
    case 'bool':
      return 'Bool';
    case 'tags':
      return 'List<Utf8>';
  }
}

function typeText(field: Field): string {
  const t = field.type;
  if (DataType.isTimestamp(t)) {
    return `Timestamp<${['SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND'][t.unit]}, ${t.timezone ?? ''}>`;
  }
  if (DataType.isDictionary(t)) {
    return `Dictionary<${t.indices}, ${t.dictionary}>`;
  }
  if (DataType.isList(t)) {
    return `List<${t.children[0]!.type}>`;
  }
  return String(t);
}

async function instanceId(view: ViewDef): Promise<string> {
  if (view.instanceKey === 'stream_id') {
    const { rows } = await client.table(
      "SELECT stream_id FROM streams WHERE array_has(tags, 'cpu') AND NOT array_has(tags, 'async') LIMIT 1"
    );
    return String(rows[0]!.stream_id);
  }
  const { rows } = await client.table('SELECT process_id FROM processes ORDER BY process_id LIMIT 1');
  return String(rows[0]!.process_id);
}

describe('every view answers with its declared schema', () => {
  for (const view of VIEWS) {
    for (const preserve of [false, true]) {
      test(`${view.name}${preserve ? ' (preserve_dictionary)' : ''}`, async () => {
        const from = view.global ? view.name : `view_instance('${view.name}', '${await instanceId(view)}')`;
        const res = await client.query(`SELECT * FROM ${from} LIMIT 1`, {
          ...RANGE,
          ...(preserve ? { preserve_dictionary: 'true' } : {}),
        });
        assert.equal(res.error, undefined, res.error?.details);
        const fields = res.schema!.fields;
        assert.deepEqual(
          fields.map((f) => f.name),
          view.columns.map((c) => c.name)
        );
        for (const [i, col] of view.columns.entries()) {
          assert.equal(typeText(fields[i]!), expectedType(col, preserve), `${view.name}.${col.name} type`);
          assert.equal(fields[i]!.nullable, col.nullable ?? false, `${view.name}.${col.name} nullability`);
        }
      });
    }
  }
});
