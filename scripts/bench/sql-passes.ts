// Every pass over a query's text on a multi-megabyte query: a multi-value variable with
// "All" selected (10k / 20k / 40k values). Prints each pass's time and the ratio 40k/10k:
// linear work is ~4× (the former macro expansion was quadratic: ~16×). The test
// tests/sql/linear.test.ts asserts linearity by counting work, this prints the time.
import { Field, Schema, Utf8 } from 'apache-arrow';

import { wrapWithFilters } from '../../pkg/query/adhoc';
import { withoutTrailingOrderLimit } from '../../pkg/query/logvolume';
import { expandMacros } from '../../pkg/query/macros';
import { analyzeStatement } from '../../src/shared/sql';
import { protectTokens } from '../../src/sql/placeholders';
import { allValuesQuery } from '../../tests/sql/queries';

const ctx = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z'), intervalMs: 60_000 };
const schema = new Schema(['time', 'exe', 'level', 'msg'].map((n) => new Field(n, new Utf8(), true)));

function best(fn: () => void, runs = 7): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const sizes = [10_000, 20_000, 40_000];
const rows: Array<Record<string, string>> = [];
const times: Record<string, number[]> = {};
for (const n of sizes) {
  const sql = allValuesQuery(n);
  const expanded = expandMacros(sql, ctx);
  const passes: Record<string, () => unknown> = {
    'macros + time variables': () => expandMacros(sql, ctx),
    'statement analysis': () => analyzeStatement(expanded),
    'ad hoc wrapping': () => wrapWithFilters(expanded, schema, [{ key: 'level', operator: '<=', value: '3' }]),
    'log volume tail': () => withoutTrailingOrderLimit(expanded),
    'editor placeholders': () => protectTokens(sql),
  };
  for (const [name, fn] of Object.entries(passes)) {
    (times[name] ??= []).push(best(fn));
  }
  rows.push({ values: String(n), MB: (sql.length / 1e6).toFixed(2) });
}
for (const [name, t] of Object.entries(times)) {
  console.log(
    `${name.padEnd(24)} ${t.map((ms, i) => `${sizes[i] / 1000}k ${ms.toFixed(1)} ms`).join('  ')}  ratio 40k/10k ×${(t[2] / t[0]).toFixed(1)} (linear ≈ ×4)`
  );
}
console.log(`query sizes: ${rows.map((r) => `${r.values} values = ${r.MB} MB`).join(', ')}`);
