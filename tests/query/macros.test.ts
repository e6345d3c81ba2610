import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { grafanaDurationToInterval, grafanaDurationToMs } from '../../pkg/query/duration';
import { expandMacros, MACROS, MacroError, type MacroContext } from '../../pkg/query/macros';
import { parseArgs, segments } from '../../pkg/query/sqlscan';

// The upstream plugin's test range (micromegas.md §4.6): 10 minutes, 10 s interval.
const ctx: MacroContext = {
  from: new Date('2023-01-01T00:00:00Z'),
  to: new Date('2023-01-01T00:10:00Z'),
  intervalMs: 10_000,
};

const expand = (sql: string, c: MacroContext = ctx) => expandMacros(sql, c);

describe('macros: upstream-compatible expansions', () => {
  const cases: Array<[string, string]> = [
    ['select * from x', 'select * from x'],
    [
      `select date_bin($__interval, time, timestamp '1970-01-01T00:00:00Z')`,
      `select date_bin(interval '10 second', time, timestamp '1970-01-01T00:00:00Z')`,
    ],
    ['select $__interval_ms', 'select 10000'],
    ['select $__dateBin(time)', `select date_bin(interval '10 second', time, timestamp '1970-01-01T00:00:00Z')`],
    [
      'select $__dateBinAlias(time)',
      `select date_bin(interval '10 second', time, timestamp '1970-01-01T00:00:00Z') as time_binned`,
    ],
    [
      'select * from x where $__timeFilter(time)',
      `select * from x where time >= '2023-01-01T00:00:00Z' AND time <= '2023-01-01T00:10:00Z'`,
    ],
    [
      'select * from x where $__timeRange(time)',
      `select * from x where time >= '2023-01-01T00:00:00Z' AND time <= '2023-01-01T00:10:00Z'`,
    ],
    ['where $__timeRangeFrom(time)', `where time >= '2023-01-01T00:00:00Z'`],
    ['where $__timeRangeTo(time)', `where time <= '2023-01-01T00:10:00Z'`],
    ['where time > $__timeFrom', `where time > cast('2023-01-01T00:00:00Z' as timestamp)`],
    ['where time > $__timeFrom()', `where time > cast('2023-01-01T00:00:00Z' as timestamp)`],
    ['where time < $__timeTo(time)', `where time < cast('2023-01-01T00:10:00Z' as timestamp)`],
    [
      'select $__timeGroup(time, minute)',
      `select datepart('minute', time),datepart('hour', time),datepart('day', time),datepart('month', time),datepart('year', time)`,
    ],
    ['select $__timeGroup(time, month)', `select datepart('month', time),datepart('year', time)`],
    ['select $__timeGroup(time, year)', `select datepart('year', time)`],
    [
      'select $__timeGroupAlias(time, day)',
      `select datepart('day', time) as time_day,datepart('month', time) as time_month,datepart('year', time) as time_year`,
    ],
    [
      'select $__timeInterval(time) as time',
      `select date_bin(interval '10 second', time, timestamp '1970-01-01T00:00:00Z') as time`,
    ],
  ];
  for (const [input, output] of cases) {
    it(input, () => assert.equal(expand(input), output));
  }

  it('every documented macro has a signature and a description', () => {
    const names = MACROS.map((m) => m.name).sort();
    assert.deepEqual(names, [
      '$__dateBin',
      '$__dateBinAlias',
      '$__interval',
      '$__interval_ms',
      '$__timeFilter',
      '$__timeFrom',
      '$__timeGroup',
      '$__timeGroupAlias',
      '$__timeInterval',
      '$__timeRange',
      '$__timeRangeFrom',
      '$__timeRangeTo',
      '$__timeTo',
    ]);
    for (const m of MACROS) {
      assert.ok(m.signature.startsWith(m.name), m.name);
      assert.ok(m.description.length > 10, m.name);
      // Every documented signature expands without error.
      const sig = m.signature.replace('(column, unit)', '(time, hour)').replace('(column)', '(time)');
      assert.doesNotThrow(() => expand(sig), m.name);
    }
  });
});

describe('macros: precision and interval edge cases', () => {
  it('keeps milliseconds of sub-second bounds (whole seconds render like upstream)', () => {
    const c = { ...ctx, from: new Date('2023-01-01T00:00:00.250Z'), to: new Date('2023-01-01T00:10:00.999Z') };
    assert.equal(
      expand('$__timeFilter(time)', c),
      `time >= '2023-01-01T00:00:00.250Z' AND time <= '2023-01-01T00:10:00.999Z'`
    );
  });
  it('truncates the interval to whole seconds like upstream, and uses ms below one second', () => {
    assert.equal(expand('$__interval', { ...ctx, intervalMs: 1500 }), `interval '1 second'`);
    assert.equal(expand('$__interval', { ...ctx, intervalMs: 200 }), `interval '200 millisecond'`);
    assert.equal(expand('$__interval_ms', { ...ctx, intervalMs: 200 }), '200');
  });
  it('derives aliases from qualified and quoted columns', () => {
    assert.match(expand('$__dateBinAlias(l.time)'), / as time_binned$/);
    assert.match(expand('$__dateBinAlias("Time")'), / as "Time_binned"$/);
    assert.throws(() => expand('$__dateBinAlias(cast(x as timestamp))'), /\$__dateBinAlias needs a column name/);
  });
});

describe('macros: parsing', () => {
  it('handles nested parentheses and strings with commas in arguments', () => {
    assert.equal(
      expand(`$__timeFilter(coalesce(a, cast('x,)' as timestamp)))`),
      `coalesce(a, cast('x,)' as timestamp)) >= '2023-01-01T00:00:00Z' AND coalesce(a, cast('x,)' as timestamp)) <= '2023-01-01T00:10:00Z'`
    );
    assert.deepEqual(parseArgs(`(a, f(b, c), 'd,e', "f,g")`, 0)?.args, ['a', 'f(b, c)', `'d,e'`, '"f,g"']);
    assert.deepEqual(parseArgs('()', 0)?.args, []);
    assert.equal(parseArgs('(a, (b)', 0), undefined);
  });
  it('leaves macro-like text in strings, quoted identifiers and comments alone', () => {
    const sql = `select '$__timeFilter(time)' as s, "$__interval" as i -- $__timeTo\n/* $__dateBin(x) */ from t where $__timeRangeTo(time)`;
    assert.equal(
      expand(sql),
      `select '$__timeFilter(time)' as s, "$__interval" as i -- $__timeTo\n/* $__dateBin(x) */ from t where time <= '2023-01-01T00:10:00Z'`
    );
    assert.equal(expand(`select 'it''s $__interval'`), `select 'it''s $__interval'`);
    assert.equal(expand(`select E'\\' $__interval'`), `select E'\\' $__interval'`);
  });
  it('expands macros nested in macro arguments', () => {
    assert.equal(
      expand('$__timeFilter(date_bin($__interval, time))'),
      `date_bin(interval '10 second', time) >= '2023-01-01T00:00:00Z' AND date_bin(interval '10 second', time) <= '2023-01-01T00:10:00Z'`
    );
  });
  it('segments reassemble the input', () => {
    const sql = `a 'b' "c" -- d\n/* e */ f`;
    assert.equal(
      segments(sql)
        .map((s) => s.text)
        .join(''),
      sql
    );
    assert.deepEqual(
      segments(sql).map((s) => s.kind),
      ['code', 'string', 'code', 'identifier', 'code', 'comment', 'code', 'comment', 'code']
    );
  });
});

describe('macros: malformed calls name the macro and the problem', () => {
  const bad: Array<[string, RegExp]> = [
    [
      '$__timeGroup(time)',
      /^\$__timeGroup expects \(column, unit\) with unit one of minute\|hour\|day\|month\|year; got \(time\)$/,
    ],
    ['$__timeGroup(time, week)', /^\$__timeGroup expects \(column, unit\) .*; got unit week$/],
    ['$__timeFilter()', /^\$__timeFilter expects \(column\); got no arguments$/],
    ['$__timeFilter(a, b)', /^\$__timeFilter expects \(column\); got \(a, b\)$/],
    ['$__timeFilter', /^\$__timeFilter expects an argument list: \$__timeFilter\(column\)$/],
    ['$__dateBin(time', /^\$__dateBin: missing closing parenthesis/],
    ['$__timeFilterz(time)', /^unknown macro \$__timeFilterz; known macros: /],
  ];
  for (const [sql, re] of bad) {
    it(sql, () => {
      assert.throws(
        () => expand(sql),
        (e: unknown) => e instanceof MacroError && re.test(e.message)
      );
    });
  }
  it('a range macro without a time range says so', () => {
    assert.throws(
      () => expand('$__timeFilter(time)', { from: new Date(NaN), to: new Date(NaN), intervalMs: 1000 }),
      (e: unknown) =>
        e instanceof MacroError &&
        /^\$__timeFilter needs the panel time range, but the request carries none$/.test(e.message)
    );
  });
  it('accepts quoted units', () => {
    assert.equal(expand(`$__timeGroup(time, 'year')`), `datepart('year', time)`);
  });
});

describe('macros: $__interval already replaced by the Grafana frontend', () => {
  const cases: Array<[string, string]> = [
    [`date_bin(INTERVAL '30s', time)`, `date_bin(INTERVAL '30 second', time)`],
    [`date_bin(INTERVAL '1m', time)`, `date_bin(INTERVAL '1 minute', time)`],
    [`interval '1h30m'`, `interval '1 hour 30 minute'`],
    [`INTERVAL  '100ms'`, `INTERVAL  '100 millisecond'`],
    [`interval '1M'`, `interval '1 month'`],
    [`interval '2d'`, `interval '2 day'`],
    // Un-replaced (alerting / API): the backend fills in the panel interval.
    [`INTERVAL '$__interval'`, `INTERVAL '10 second'`],
    [`INTERVAL '\${__interval}'`, `INTERVAL '10 second'`],
    [`INTERVAL '[[__interval]]'`, `INTERVAL '10 second'`],
    [`INTERVAL '\${__interval:text}'`, `INTERVAL '10 second'`],
    [`INTERVAL '$__interval_ms milliseconds'`, `INTERVAL '10000 milliseconds'`],
    // Our frontend leaves the braced forms to the backend, in code too.
    ['date_bin(${__interval}, time)', `date_bin(interval '10 second', time)`],
    ['select ${__interval_ms}, [[__interval_ms]]', 'select 10000, 10000'],
    ['select [[__interval]]', `select interval '10 second'`],
    // Already valid or not a duration: untouched.
    [`INTERVAL '5 minutes'`, `INTERVAL '5 minutes'`],
    [`select '30s'`, `select '30s'`],
    [`select myinterval '30s'`, `select myinterval '30s'`],
  ];
  for (const [input, output] of cases) {
    it(input, () => assert.equal(expand(input), output));
  }
  it('parses Grafana durations', () => {
    assert.equal(grafanaDurationToInterval('15s'), '15 second');
    assert.equal(grafanaDurationToInterval('abc'), undefined);
    assert.equal(grafanaDurationToMs('1h30m'), 5_400_000);
  });
});
