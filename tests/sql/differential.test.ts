// The statement analyser (src/shared/sql) against DataFusion's own SQL parser: sqlparser-rs
// 0.62 (the version Micromegas' DataFusion pins) compiled to WebAssembly
// (@guanmingchiu/sqlparser-ts, a dev dependency: the test oracle, never shipped). Over a
// corpus of real queries — the provisioned dashboards, the SQL of the docs, the queries of
// the tests — plus the known traps, both must agree on: the comments, whether the statement
// can be a subquery, its top-level ORDER BY (item count) and LIMIT/FETCH, the statement
// without its tail, and the tables it reads.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { init, parse, parseWithComments } from '@guanmingchiu/sqlparser-ts';

import { expandMacros } from '../../pkg/query/macros';
import { analyzeStatement, withoutTail } from '../../src/shared/sql';
import { protectTokens } from '../../src/sql/placeholders';

const ROOT = path.resolve(import.meta.dirname, '../..');

function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) {
      continue;
    }
    if (statSync(p).isDirectory()) {
      walk(p, keep, out);
    } else if (keep(p)) {
      out.push(p);
    }
  }
  return out;
}

/** Every SQL string of the dashboards (targets' query / queryText / rawSql, variable queries). */
function dashboardQueries(): Array<[string, string]> {
  const files = [
    ...walk(path.join(ROOT, 'provisioning'), (f) => f.endsWith('.json')),
    path.join(ROOT, 'tests', 'fixtures', 'upstream-dashboard.json'),
  ];
  const out: Array<[string, string]> = [];
  const visit = (v: unknown, file: string) => {
    if (Array.isArray(v)) {
      v.forEach((x) => visit(x, file));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (['query', 'queryText', 'rawSql'].includes(k) && typeof x === 'string' && /\b(select|with)\b/i.test(x)) {
          out.push([path.relative(ROOT, file), x]);
        } else {
          visit(x, file);
        }
      }
    }
  };
  for (const f of files) {
    visit(JSON.parse(readFileSync(f, 'utf8')), f);
  }
  return out;
}

/** ```sql blocks of the docs, one statement each. */
function docQueries(): Array<[string, string]> {
  const files = [path.join(ROOT, 'README.md'), ...walk(path.join(ROOT, 'docs'), (f) => f.endsWith('.md'))];
  const out: Array<[string, string]> = [];
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)) {
      for (const stmt of m[1].split(/;\s*\n/)) {
        if (/\b(select|with)\b/i.test(stmt)) {
          out.push([path.relative(ROOT, f), stmt]);
        }
      }
    }
  }
  return out;
}

/** Single-quoted and template string literals of the tests that are a whole query. */
function testQueries(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const f of walk(path.join(ROOT, 'tests'), (p) => p.endsWith('.test.ts') && !p.includes('differential'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/'((?:SELECT|WITH)\b[^'\n]*)'|`((?:SELECT|WITH)\b[^`$]*)`/g)) {
      out.push([path.relative(ROOT, f), m[1] ?? m[2]]);
    }
  }
  return out;
}

/** The traps the former scanners got wrong, and more shapes. */
const TRAPS: Array<[string, string]> = [
  ['traps', 'SELECT time, msg FROM log_entries /* outer /* inner */ ORDER BY time */'],
  ['traps', "SELECT $$it's$$ AS s FROM log_entries ORDER BY time LIMIT 3"],
  ['traps', "SELECT $q$it's -- not a comment$q$ AS s FROM measures"],
  ['traps', 'SELECT exe FROM (SELECT exe FROM processes LIMIT 5) p'],
  ['traps', 'WITH l AS (SELECT exe FROM log_entries ORDER BY time LIMIT 9) SELECT exe, count(*) FROM l GROUP BY exe'],
  ['traps', "SELECT '--' AS x, '/*' AS y FROM log_entries JOIN processes ON true -- '*/'"],
  ['traps', "SELECT 'from nowhere' AS x FROM measures ORDER BY 1 DESC NULLS LAST, x"],
  ['traps', 'SELECT extract(year FROM time) AS y, trim(BOTH FROM msg) FROM log_entries'],
  ['traps', 'SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1 LIMIT 10 OFFSET 5'],
  ['traps', 'SELECT row_number() OVER (PARTITION BY exe ORDER BY time) AS n FROM log_entries OFFSET 3'],
  ['traps', "SELECT * FROM view_instance('thread_spans', 'abc') ORDER BY begin;"],
  ['traps', 'SELECT "order", "limit" FROM "my table" ORDER BY "order"'],
  ['traps', "SELECT E'it\\'s' AS s FROM log_entries LIMIT 1"],
  ['traps', 'EXPLAIN SELECT 1'],
  ['traps', 'SHOW TABLES'],
  ['traps', 'SELECT 1 FETCH FIRST 1 ROWS ONLY'],
];

/**
 * Corpus strings that are not DataFusion SQL, with the reason (sqlparser then reads a
 * different, shorter statement, e.g. `SELECT begin, end` stops at the END keyword).
 */
const NOT_DATAFUSION_SQL: Array<[RegExp, string]> = [
  [/\w\|/, "the editor tests' cursor marker (|)"],
  [/,\s*end\s*(?:,|from\b)/i, 'a bare `end` column (DataFusion needs "end"; the dev server tests feed DuckDB)'],
];

const ctx = { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z'), intervalMs: 60_000 };

/** The SQL the backend would send: macros expanded, dashboard variables as identifiers. */
function prepared(sql: string): string | undefined {
  try {
    return protectTokens(expandMacros(sql, ctx)).text;
  } catch {
    return undefined; // a test's deliberately bad macro
  }
}

/** The AST without source positions (for comparing two parses). */
function stripSpans(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(stripSpans);
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'span' && !k.endsWith('_token'))
        .map(([k, x]) => [k, stripSpans(x)])
    );
  }
  return v;
}

interface QueryAst {
  body: unknown;
  with?: unknown;
  order_by?: { kind: { Expressions?: unknown[] } } | null;
  limit_clause?: { LimitOffset?: { limit?: unknown } } | null;
  fetch?: unknown;
}

/** Tables the AST reads: relation names (dotted), `view_instance('set', 'id')` as the analyser writes it. */
function astTables(v: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(v)) {
    v.forEach((x) => astTables(x, out));
  } else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const table = o.Table as { name?: Array<{ Identifier?: { value: string } }>; args?: unknown } | undefined;
    if (table?.name) {
      const name = table.name.map((p) => p.Identifier?.value ?? '').join('.');
      if (name.toLowerCase() === 'view_instance') {
        const literals = JSON.stringify(table.args).match(/"SingleQuotedString":"((?:[^"\\]|\\.)*)"/g) ?? [];
        const values = literals.map((l) => JSON.parse(l.slice('"SingleQuotedString":'.length)) as string);
        out.add(`view_instance('${values[0]}', '${values[1] ?? 'global'}')`);
      } else if (name.toLowerCase() !== 'unnest') {
        out.add(name);
      }
    }
    Object.values(o).forEach((x) => astTables(x, out));
  }
  return out;
}

describe('the statement analyser agrees with sqlparser-rs (DataFusion) over real queries', () => {
  const corpus = [...dashboardQueries(), ...docQueries(), ...testQueries(), ...TRAPS]
    .map(([where, sql]) => [where, sql, prepared(sql)] as const)
    .filter((c): c is readonly [string, string, string] => c[2] !== undefined)
    .filter(([, sql]) => !NOT_DATAFUSION_SQL.some(([re]) => re.test(sql)));

  before(async () => {
    await init();
  });

  it('the corpus is real: dashboards, docs, tests and traps, most of them parsed', () => {
    let parsed = 0;
    for (const [, , sql] of corpus) {
      try {
        parse(sql, 'generic');
        parsed++;
      } catch {
        // DuckDB-only test statements (the dev server's own SQL) are not DataFusion SQL
      }
    }
    const sources = new Set(corpus.map(([where]) => where.split(path.sep)[0]));
    assert.ok(
      ['provisioning', 'docs', 'tests', 'traps'].every((s) => sources.has(s)),
      [...sources].join(', ')
    );
    assert.ok(parsed >= 150, `${parsed} of ${corpus.length} parsed`);
  });

  it('every parsed query: comments, wrappability, ORDER BY, LIMIT, tail and tables agree', (t) => {
    const problems: string[] = [];
    let compared = 0;
    for (const [where, original, sql] of corpus) {
      let ast: Array<Record<string, unknown>>;
      let comments: Array<{ content: string }>;
      try {
        ast = parse(sql, 'generic') as unknown as Array<Record<string, unknown>>;
        comments = parseWithComments(sql, 'generic').comments as Array<{ content: string }>;
      } catch {
        continue;
      }
      if (ast.length !== 1) {
        continue;
      }
      compared++;
      const a = analyzeStatement(sql);
      const say = (what: string, ours: unknown, theirs: unknown) =>
        problems.push(
          `${where}: ${what}: analyser ${JSON.stringify(ours)}, sqlparser ${JSON.stringify(theirs)}\n  ${original}`
        );
      const ourComments = a.segments.filter((s) => s.kind === 'comment').length;
      if (ourComments !== comments.length) {
        say('comments', ourComments, comments.length);
      }
      const query = ast[0].Query as QueryAst | undefined;
      if (a.wrappable !== (query !== undefined)) {
        say('wrappable', a.wrappable, Object.keys(ast[0])[0]);
      }
      if (!query) {
        continue;
      }
      const orderItems = query.order_by?.kind.Expressions?.length;
      if ((a.tail?.orderBy?.items.length ?? undefined) !== orderItems) {
        say('ORDER BY items', a.tail?.orderBy?.items.length, orderItems);
      }
      const limited = Boolean(query.limit_clause?.LimitOffset?.limit) || Boolean(query.fetch);
      if (Boolean(a.tail?.limit) !== limited) {
        say('top-level LIMIT/FETCH', Boolean(a.tail?.limit), limited);
      }
      const body = withoutTail(a);
      try {
        const bare = (parse(body, 'generic')[0] as unknown as { Query: QueryAst }).Query;
        if (bare.order_by || bare.limit_clause || bare.fetch) {
          say('without tail still has a tail', body, bare);
        } else if (
          JSON.stringify(stripSpans([bare.body, bare.with])) !== JSON.stringify(stripSpans([query.body, query.with]))
        ) {
          say('without tail changed the body', body, 'a different body');
        }
      } catch (e) {
        say('without tail does not parse', body, (e as Error).message);
      }
      const theirs = [...astTables(query)].sort();
      const ours = [...a.tables].sort();
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        say('tables', ours, theirs);
      }
    }
    t.diagnostic(`${compared} of ${corpus.length} corpus queries compared`);
    assert.ok(compared >= 150, `only ${compared} queries compared`);
    assert.deepEqual(problems, []);
  });
});
