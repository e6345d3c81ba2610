// Every pass over a query's text is linear in its size: macro expansion, variables, the
// statement analysis, ad hoc wrapping, the log volume tail and the editor's scans, on a
// multi-megabyte query (a multi-value variable with "All" selected: 10k / 40k values).
// Work is counted, not timed: every character a regular expression or indexOf is handed to
// scan is added up (RegExp.prototype.exec is what test/match/replace/matchAll/split call
// once it is wrapped), and the count for 4× the text must stay about 4× (quadratic: 16×).
// The wall-clock figures are in the benchmark (npm run bench: scripts/bench/sql.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Field, Schema, Utf8 } from 'apache-arrow';

import { wrapWithFilters } from '../../pkg/query/adhoc';
import { withoutTrailingOrderLimit } from '../../pkg/query/logvolume';
import { expandMacros } from '../../pkg/query/macros';
import { protectTokens } from '../../src/sql/placeholders';
import { analyzeStatement } from '../../src/shared/sql';
import { tablesInStatement } from '../../src/sql/tableRefs';

import { allValuesQuery } from './queries';

/** Characters handed to regular expressions and indexOf while `fn` runs. */
function scannedChars(fn: () => void): number {
  const exec = RegExp.prototype.exec;
  const indexOf = String.prototype.indexOf;
  let count = 0;
  RegExp.prototype.exec = function (this: RegExp, s: string) {
    const from = this.global || this.sticky ? this.lastIndex : 0;
    const m = exec.call(this, s);
    // At least the characters up to the end of the match, or to the end of the text when none;
    // a sticky expression tries one position only, and none of the analyser's crosses a line.
    const text = String(s);
    const nl = indexOf.call(text, '\n', from);
    const failedEnd = this.sticky && nl >= 0 ? nl : text.length;
    count += (m ? m.index + m[0].length : failedEnd) - from + 1;
    return m;
  } as typeof exec;
  String.prototype.indexOf = function (this: string, search: string, position?: number) {
    const found = indexOf.call(this, search, position);
    count += (found < 0 ? this.length : found + search.length) - (position ?? 0) + 1;
    return found;
  };
  try {
    fn();
  } finally {
    RegExp.prototype.exec = exec;
    String.prototype.indexOf = indexOf;
  }
  return count;
}

const ctx = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z'), intervalMs: 60_000 };
const schema = new Schema(['time', 'exe', 'level', 'msg'].map((n) => new Field(n, new Utf8(), true)));

const passes: Record<string, (sql: string) => unknown> = {
  'macro and time variable expansion': (sql) => expandMacros(sql, ctx),
  'ad hoc wrapping': (sql) => wrapWithFilters(sql, schema, [{ key: 'level', operator: '<=', value: '3' }]),
  'log volume tail': (sql) => withoutTrailingOrderLimit(sql),
  "editor's table references": (sql) => tablesInStatement(sql),
  "editor's placeholders": (sql) => protectTokens(sql).restore(protectTokens(sql).text),
};

describe('every pass over a query is linear in its size', () => {
  const small = allValuesQuery(10_000);
  const large = allValuesQuery(40_000);
  const expandedSmall = expandMacros(small, ctx);
  const expandedLarge = expandMacros(large, ctx);
  it('the queries are multi-megabyte', () => {
    assert.ok(large.length > 2_000_000, `${large.length} characters`);
  });
  for (const [name, pass] of Object.entries(passes)) {
    it(name, () => {
      const input =
        name.startsWith('macro') || name.startsWith('editor') ? [small, large] : [expandedSmall, expandedLarge];
      const a = scannedChars(() => pass(input[0]));
      const b = scannedChars(() => pass(input[1]));
      const ratio = b / a;
      // 4× the text: linear work is ~4×; anything above 5× grows faster than the text.
      assert.ok(ratio < 5, `${name}: ${a} → ${b} characters scanned, ×${ratio.toFixed(1)} for ×4 text`);
      assert.ok(b < 40 * input[1].length, `${name}: ${b} characters scanned for ${input[1].length}`);
    });
  }
});

describe('a text of many unclosed macro calls is still scanned in linear time', () => {
  // `$__timeFilter(` without its `)`, repeated: each call's argument list runs to the end of the text.
  const unclosed = (n: number) => `SELECT * FROM log_entries WHERE ${"$__timeFilter(time, '1'\n".repeat(n)}`;
  const small = unclosed(2_000);
  const large = unclosed(8_000);
  const unclosedPasses: Record<string, (sql: string) => unknown> = {
    "editor's placeholders": (sql) => protectTokens(sql),
    'statement analysis': (sql) => analyzeStatement(sql),
    'macro expansion (rejects it)': (sql) => assert.throws(() => expandMacros(sql, ctx), /missing closing parenthesis/),
  };
  for (const [name, pass] of Object.entries(unclosedPasses)) {
    it(name, () => {
      const a = scannedChars(() => pass(small));
      const b = scannedChars(() => pass(large));
      const ratio = b / a;
      assert.ok(ratio < 5, `${name}: ${a} → ${b} characters scanned, ×${ratio.toFixed(1)} for ×4 text`);
    });
  }
});
