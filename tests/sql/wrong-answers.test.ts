// Known wrong answers of the former SQL scanners, through the functions the pipeline and the
// editor call: nested block comments, dollar-quoted strings, a LIMIT inside a subquery, and
// comment markers inside string literals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Field, Schema, Utf8 } from 'apache-arrow';

import { wrapWithFilters } from '../../pkg/query/adhoc';
import { withoutTrailingOrderLimit } from '../../pkg/query/logvolume';
import { expandMacros } from '../../pkg/query/macros';
import { tablesInStatement } from '../../src/sql/tableRefs';

const ctx = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z'), intervalMs: 60_000 };

describe('SQL analysis: former wrong answers', () => {
  it('a nested block comment is one comment: its inner ORDER BY is not the statement tail', () => {
    const sql = 'SELECT time, msg FROM log_entries /* outer /* inner */ ORDER BY time */';
    assert.equal(withoutTrailingOrderLimit(sql), sql);
  });

  it('a nested block comment hides its macros from expansion (code only)', () => {
    assert.equal(
      expandMacros('/* a /* b */ $__interval_ms */ SELECT 1', ctx),
      '/* a /* b */ $__interval_ms */ SELECT 1'
    );
  });

  it("a dollar-quoted string ($$it's$$) is a string: the macros after it still expand", () => {
    assert.equal(expandMacros("SELECT $$it's$$ AS s, $__interval_ms AS i", ctx), "SELECT $$it's$$ AS s, 60000 AS i");
    assert.equal(
      expandMacros("SELECT $q$it's$q$ AS s, $__interval_ms AS i", ctx),
      "SELECT $q$it's$q$ AS s, 60000 AS i"
    );
  });

  it('a LIMIT inside a subquery is not the outer LIMIT: no false "after its LIMIT" notice', () => {
    const schema = new Schema([new Field('exe', new Utf8(), true)]);
    const filters = [{ key: 'exe', operator: '=' as const, value: 'a' }];
    const inner = wrapWithFilters('SELECT exe FROM (SELECT exe FROM processes LIMIT 5) p', schema, filters);
    assert.deepEqual(inner.notices, []);
    const outer = wrapWithFilters('SELECT exe FROM processes LIMIT 5', schema, filters);
    assert.match(outer.notices[0]?.text ?? '', /after its LIMIT/);
  });

  it('comment markers inside string literals do not hide the tables', () => {
    assert.deepEqual(tablesInStatement("SELECT '--' AS x FROM log_entries"), ['log_entries']);
    assert.deepEqual(tablesInStatement("SELECT '/*' AS x FROM log_entries JOIN processes ON true -- '*/'"), [
      'log_entries',
      'processes',
    ]);
  });

  it('a word in a string literal is not a table', () => {
    assert.deepEqual(tablesInStatement("SELECT 'from nowhere' AS x FROM measures"), ['measures']);
  });
});
