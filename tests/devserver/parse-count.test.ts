// The dev server parses each statement once with DataFusion's parser (WASM): the access check
// and the translation read the same tree. A multi-megabyte IN list costs 150–350 ms per parse,
// so a second parse of the same text doubles the time a large panel query waits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Lake } from '../../pkg/devserver/lake';
import { planQuery, runQuery, type QuerySink } from '../../pkg/devserver/query';
import { initTranslator, parserStats } from '../../pkg/devserver/translate';
import { LARGE_SQL, stopTranslateWorker } from '../../pkg/devserver/translate-pool';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const READER = { mayMutate: false };

let lake: Lake;

/** Parses (this thread's and the worker's) that planning `sql` cost. */
async function parsesOf(sql: string, access = READER): Promise<number> {
  const before = parserStats.parses;
  const { session } = await planQuery(lake, sql, { preserveDictionary: false }, 'parse-count', access);
  session.close();
  return parserStats.parses - before;
}

describe('one parse per statement', () => {
  before(async () => {
    await initTranslator();
    lake = await Lake.create({ seed: 1, nowMs: NOW, hours: 1, scale: 0.01 });
  });
  after(async () => {
    await stopTranslateWorker();
    lake?.close();
  });

  it('a statement is parsed once for the access check and the translation', async () => {
    assert.equal(await parsesOf("SELECT level, msg FROM log_entries WHERE level = 'error' LIMIT 10"), 1);
  });

  it('a large statement is parsed once, on the worker', async () => {
    const values = Array.from({ length: 4000 }, (_, i) => `'host-${i}.example.com'`).join(', ');
    const sql = `SELECT level, msg FROM log_entries WHERE exe IN (${values})`;
    assert.ok(sql.length >= LARGE_SQL);
    assert.equal(await parsesOf(sql), 1);
  });

  it('a caller who may mutate is parsed once too', async () => {
    assert.equal(await parsesOf('SELECT count(*) AS n FROM log_entries', { mayMutate: true }), 1);
  });

  it('nothing acts on a statement that does not parse, even for a caller who may not mutate', async () => {
    // The access check used to let unparsable SQL through ("the translator reports it"), after
    // retire_partitions had already been rewritten, i.e. run. DataFusion parses before anything runs.
    const before = lake.listPartitions('log_entries').length;
    assert.ok(before > 0);
    const sink: QuerySink = { write: async () => undefined, cancelled: () => false, onCancel: () => undefined };
    const sql =
      "SELECT * FROM retire_partitions('log_entries', 'global', '2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z') WHERE (";
    for (const access of [READER, { mayMutate: true }]) {
      await assert.rejects(runQuery(lake, sql, { preserveDictionary: false }, sink, access), (e: Error) =>
        /^error building dataframe: SQL error: ParserError\("Expected: an expression, found: EOF"\)/.test(e.message)
      );
      assert.equal(
        lake.listPartitions('log_entries').length,
        before,
        'partitions were retired by an unparsable statement'
      );
    }
  });
});
