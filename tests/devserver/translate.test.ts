// The dev server's DataFusion → DuckDB translation, without a server: DataFusion's parser
// (sqlparser-rs 0.62 WASM), its output names, its errors, and what DuckDB is asked to run.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import {
  analyze,
  DataFusionParseError,
  initTranslator,
  translate,
  Untranslatable,
} from '../../pkg/devserver/translate';

before(() => initTranslator());

describe('DataFusion names for unaliased select items', () => {
  const cases: Array<[string, string[]]> = [
    ['SELECT 1', ['Int64(1)']],
    ["SELECT 'a', 1.5, true, NULL", ['Utf8("a")', 'Float64(1.5)', 'Boolean(true)', 'NULL']],
    [
      'SELECT count(*), count(1), count(DISTINCT exe) FROM log_entries',
      ['count(*)', 'count(Int64(1))', 'count(DISTINCT log_entries.exe)'],
    ],
    ['SELECT avg(value), min(m.time) FROM measures m', ['avg(m.value)', 'min(m.time)']],
    ['SELECT value * 2 + 1 FROM measures', ['measures.value * Int64(2) + Int64(1)']],
    ['SELECT (value + 1) * 2 FROM measures', ['(measures.value + Int64(1)) * Int64(2)']],
    ['SELECT CAST(level AS DOUBLE), level FROM log_entries', ['log_entries.level', 'level']],
    [
      "SELECT date_bin(INTERVAL '1 minute', time) FROM log_entries",
      [
        'date_bin(IntervalMonthDayNano("IntervalMonthDayNano { months: 0, days: 0, nanoseconds: 60000000000 }"),log_entries.time)',
      ],
    ],
    ["SELECT property_get(properties, 'k') FROM log_entries", ['property_get(log_entries.properties,Utf8("k"))']],
    ["SELECT avg(duration) FROM view_instance('thread_spans', 's')", ['avg(view_instance().duration)']],
    [
      'SELECT level IS NULL, NOT (level > 3) FROM log_entries',
      ['log_entries.level IS NULL', 'NOT log_entries.level > Int64(3)'],
    ],
    ['SELECT Exe, "Exe" AS "Named" FROM log_entries', ['exe', 'Named']],
  ];
  for (const [sql, names] of cases) {
    test(sql, () => assert.deepEqual(translate(sql).names, names));
  }
});

describe('what DuckDB runs', () => {
  test('integer literals in arithmetic are BIGINT; every identifier is quoted', () => {
    assert.equal(
      translate(`SELECT 7 / 2 AS q, begin, "end" FROM view_instance('thread_spans', 's')`).sql.replace(/\s+/g, ' '),
      `SELECT (CAST(7 AS BIGINT) / CAST(2 AS BIGINT)) AS "q", "begin" AS "begin", "end" AS "end" FROM view_instance('thread_spans', 's')`
    );
  });
  test('timestamp and duration casts to integers are nanoseconds', () => {
    const sql = translate(
      `SELECT CAST(begin AS BIGINT), CAST("end" - begin AS BIGINT) AS d FROM view_instance('thread_spans', 's')`
    ).sql;
    assert.match(sql, /CAST\(epoch_ns\("begin"\) AS BIGINT\)/);
    assert.match(sql, /CAST\(epoch_ns\(\("end" - "begin"\)\) AS BIGINT\)/);
  });
  test('constructs the printer does not cover are reported, not mistranslated', () => {
    assert.throws(() => translate('SELECT a FROM log_entries QUALIFY row_number() OVER () = 1'), Untranslatable);
  });
});

describe('DataFusion errors', () => {
  const err = (sql: string): string => {
    try {
      translate(sql);
    } catch (e) {
      if (e instanceof DataFusionParseError) {
        return e.message;
      }
      throw e;
    }
    throw new Error(`no error for ${sql}`);
  };
  test('syntax errors are sqlparser’s, wrapped as DataFusion wraps them', () => {
    assert.equal(
      err('SELEC 1'),
      'SQL error: ParserError("Expected: an SQL statement, found: SELEC at Line: 1, Column: 1")'
    );
  });
  test('a bare end after a comma ends the statement, then DataFusion reports the leftover token', () => {
    assert.equal(
      err('SELECT begin, end FROM t'),
      'SQL error: ParserError("Expected: end of statement, found: end at Line: 1, Column: 15")'
    );
  });
  test('one statement per query', () => {
    assert.match(err('SELECT 1; SELECT 2'), /only supports a single SQL statement/);
  });
  test('unknown tables are planning errors with their position', () => {
    try {
      translate('SELECT *\nFROM nope');
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof DataFusionParseError);
      assert.equal(e.message, "Error during planning: table 'datafusion.public.nope' not found");
      assert.deepEqual(e.position, { line: 2, column: 6 });
    }
  });
  test('properties_to_dict refuses the JSONB properties column (its signature is List<Struct<key, value>>)', () => {
    assert.match(
      err('SELECT properties_to_dict(properties) FROM measures'),
      /Failed to coerce arguments to satisfy a call to 'properties_to_dict'/
    );
  });
  test('mutating functions are unknown to a caller who may not mutate', () => {
    assert.throws(
      () => analyze("SELECT * FROM materialize_partitions('log_entries', now(), now(), 3600)", false),
      /table function 'materialize_partitions' not found/
    );
    assert.throws(() => analyze("SELECT remove_query_denial('x')", false), /Invalid function 'remove_query_denial'/);
    analyze("SELECT * FROM materialize_partitions('log_entries', now(), now(), 3600)", true);
  });
});
