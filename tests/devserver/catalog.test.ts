// The editor's catalog (pkg/query/catalog.ts, what real Micromegas offers) and the dev server
// agree: every view, view set and function it lists exists on the dev server, except the ones
// docs/devserver.md names as not provided — so neither side can drift silently.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Lake } from '../../pkg/devserver/lake';
import { VIEWS } from '../../pkg/devserver/schema';
import { initTranslator, TRANSLATED_FUNCTIONS } from '../../pkg/devserver/translate';
import { FUNCTIONS, GLOBAL_VIEWS, TABLE_FUNCTIONS, VIEW_SETS } from '../../pkg/query/catalog';

/** Rewritten before planning (sql.ts, admin.ts, denials.ts). */
const REWRITTEN = [
  'view_instance',
  'process_spans',
  'retire_partitions',
  'retire_partition_by_file',
  'retire_partition_by_metadata',
  'deny_queries',
  'list_query_denials',
  'remove_query_denial',
];

/** Listed in docs/devserver.md "What still differs". */
const NOT_PROVIDED = ['parse_block'];

let lake: Lake;
let duckdbFunctions: Set<string>;

before(async () => {
  await initTranslator();
  lake = await Lake.create({ seed: 1, nowMs: Date.parse('2024-05-01T12:00:00Z'), hours: 1, scale: 0.01 });
  const conn = await lake.connect();
  try {
    const reader = await conn.runAndReadAll('SELECT DISTINCT function_name FROM duckdb_functions()');
    duckdbFunctions = new Set(reader.getRows().map((r) => String(r[0])));
  } finally {
    conn.closeSync();
  }
});

after(() => lake?.close());

test('the catalog views and view sets are the dev server’s', () => {
  assert.deepEqual(
    GLOBAL_VIEWS.map((v) => v.name).sort(),
    VIEWS.filter((v) => v.global)
      .map((v) => v.name)
      .sort()
  );
  const instanceSets = VIEWS.filter((v) => v.instanceKey && !v.global).map((v) => v.name);
  for (const set of instanceSets) {
    assert.ok(
      VIEW_SETS.some((v) => v.name === set),
      `${set} missing from the catalog`
    );
  }
  for (const set of VIEW_SETS) {
    assert.ok(
      VIEWS.some((v) => v.name === set.name && v.instanceKey),
      `${set.name} is not a view set of the dev server`
    );
  }
});

test('every catalog function exists on the dev server, except the documented gaps', () => {
  const missing = [...TABLE_FUNCTIONS, ...FUNCTIONS]
    .map((f) => f.name)
    .filter((n) => !duckdbFunctions.has(n) && !TRANSLATED_FUNCTIONS.has(n) && !REWRITTEN.includes(n));
  assert.deepEqual(missing.sort(), [...NOT_PROVIDED].sort());
});
