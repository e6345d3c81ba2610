// The dev server's SQL preparation as pure units: DataFusion spellings DuckDB rejects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { quoteEndColumns } from '../../pkg/devserver/sql';

describe('quoteEndColumns (a bare `end` is a column in DataFusion, a keyword in DuckDB)', () => {
  test('quotes end used as a column, in any position', () => {
    assert.equal(quoteEndColumns('SELECT begin, end, name FROM t'), 'SELECT begin, "end", name FROM t');
    assert.equal(quoteEndColumns('SELECT max(END) - min(begin) FROM t'), 'SELECT max("end") - min(begin) FROM t');
    assert.equal(
      quoteEndColumns('SELECT s.end FROM t s ORDER BY end DESC'),
      'SELECT s."end" FROM t s ORDER BY "end" DESC'
    );
  });
  test('leaves the END of CASE expressions, nested ones included', () => {
    const sql = 'SELECT CASE WHEN a THEN CASE WHEN b THEN 1 END ELSE 2 END AS k, end FROM t';
    assert.equal(quoteEndColumns(sql), 'SELECT CASE WHEN a THEN CASE WHEN b THEN 1 END ELSE 2 END AS k, "end" FROM t');
  });
  test('leaves literals, quoted names, comments and longer words alone', () => {
    const sql = `SELECT 'the end', "end", end_time, weekend /* end */ FROM t -- end\nWHERE x = 'it''s the end'`;
    assert.equal(quoteEndColumns(sql), sql);
  });
});
