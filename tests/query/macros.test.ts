import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { grafanaDurationToInterval, grafanaDurationToMs } from '../../pkg/query/duration';
import { expandMacros, MACROS, MacroError, type MacroContext } from '../../pkg/query/macros';
import { parseArgs, segments } from '../../src/shared/sql';

// The upstream plugin's own macro tests use this range: 10 minutes, 10 s interval.
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
      '$__adhocFilters',
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
    ['$__timeFilterz(time)', /^unknown macro or variable \$__timeFilterz; known macros: /],
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

// Grafana's documented example instant (global variables page): 1594671549254 ms.
const docCtx: MacroContext = {
  from: new Date(1594671549254),
  to: new Date(1594671549254 + 6 * 3_600_000),
  intervalMs: 10_000,
};

describe('macros: Grafana global time variables (alert rules have no frontend)', () => {
  const cases: Array<[string, string]> = [
    // Grafana's documentation table, row by row.
    ['select ${__from}', 'select 1594671549254'],
    ['select ${__from:date}', 'select 2020-07-13T20:19:09.254Z'],
    ['select ${__from:date:iso}', 'select 2020-07-13T20:19:09.254Z'],
    ['select ${__from:date:seconds}', 'select 1594671549'],
    ['select ${__from:date:YYYY-MM}', 'select 2020-07'],
    // The same for $__to (6 h later) and the other syntaxes.
    ['select $__from, $__to', 'select 1594671549254, 1594693149254'],
    ['select ${__to}, ${__to:date}', 'select 1594693149254, 2020-07-14T02:19:09.254Z'],
    ['select ${__to:date:iso}, ${__to:date:seconds}', 'select 2020-07-14T02:19:09.254Z, 1594693149'],
    ['select ${__from:date:ms}, ${__from:raw}', 'select 1594671549254, 1594671549254'],
    ['select [[__from]], [[__to:date]]', 'select 1594671549254, 2020-07-14T02:19:09.254Z'],
    // Custom formats may contain ':' (rendered in UTC: the backend has no browser time zone).
    [`select '\${__from:date:YYYY-MM-DD HH:mm:ss}'`, `select '2020-07-13 20:19:09'`],
    // Range: exact ms, rounded seconds, and `<seconds>s` (Grafana's rendering, e.g. 21600s for 6 h).
    ['select $__range_ms, $__range_s, $__range', 'select 21600000, 21600, 21600s'],
    ['select ${__range_ms}, ${__range_s}, ${__range}', 'select 21600000, 21600, 21600s'],
    // Inside quotes the frontend replaces them too, so does the backend.
    [
      `where time >= '\${__from:date:iso}' and time < '\${__to:date:iso}'`,
      `where time >= '2020-07-13T20:19:09.254Z' and time < '2020-07-14T02:19:09.254Z'`,
    ],
    [`select to_timestamp_millis($__from), '$__to'`, `select to_timestamp_millis(1594671549254), '1594693149254'`],
    [`select "col_$__range_s"`, `select "col_21600"`],
    // A duration inside INTERVAL '…' becomes DataFusion interval text, as for $__interval.
    [`select INTERVAL '$__range'`, `select INTERVAL '21600 second'`],
    [`select INTERVAL '\${__range_s} seconds'`, `select INTERVAL '21600 seconds'`],
    // Comments: the frontend's replacement is textual, so the executed SQL matches a dashboard's.
    ['select 1 -- from $__from\n', 'select 1 -- from 1594671549254\n'],
    ['select /* ${__to:date:seconds} */ 1', 'select /* 1594693149 */ 1'],
    // Macros next to them keep their rules: untouched in strings and comments, expanded in code.
    [
      `select '$__timeFilter(time) \${__from:date:iso}' -- $__dateBin(x) $__to\nfrom t where $__timeRangeFrom(time)`,
      `select '$__timeFilter(time) 2020-07-13T20:19:09.254Z' -- $__dateBin(x) 1594693149254\nfrom t where time >= '2020-07-13T20:19:09.254Z'`,
    ],
    // Dashboard variables are not ours: left as written (code, strings, comments).
    [
      `select $host, \${host}, \${host:csv}, [[host]] from t where exe = '$exe'`,
      `select $host, \${host}, \${host:csv}, [[host]] from t where exe = '$exe'`,
    ],
    // Unknown __ names inside strings and comments stay too (only the known time variables are replaced).
    [`select '\${__dashboard} $__fromage' -- $__user`, `select '\${__dashboard} $__fromage' -- $__user`],
    // `[[__x]]` in code may be a nested array literal: left alone.
    ['select [[__x]]', 'select [[__x]]'],
  ];
  for (const [input, output] of cases) {
    it(input, () => assert.equal(expand(input, docCtx), output));
  }

  it('rounds seconds like the frontend (Math.round, not truncation)', () => {
    const c = { ...ctx, from: new Date('2023-01-01T00:00:00.500Z'), to: new Date('2023-01-01T00:10:00.499Z') };
    assert.equal(expand('${__from:date:seconds} ${__to:date:seconds}', c), '1672531201 1672531800');
    // 599.999 s → 600 s; the ms form stays exact.
    assert.equal(expand('$__range_s $__range $__range_ms', c), '600 600s 599999');
  });

  it('renders whole-second bounds with milliseconds in :date:iso (unlike $__timeFilter)', () => {
    assert.equal(
      expand(`'\${__from:date:iso}' $__timeFrom`),
      `'2023-01-01T00:00:00.000Z' cast('2023-01-01T00:00:00Z' as timestamp)`
    );
  });

  it('agrees with the macros on the same range', () => {
    // $__from in ms and $__timeFrom describe the same instant.
    const ms = Number(expand('$__from'));
    assert.equal(new Date(ms).toISOString().replace('.000Z', 'Z'), /'(.*)'/.exec(expand('$__timeFrom'))![1]);
    assert.equal(Number(expand('$__range_ms')), ctx.to.getTime() - ctx.from.getTime());
  });
});

describe('macros: variables the backend cannot expand say why', () => {
  const bad: Array<[string, RegExp]> = [
    // Grafana globals only the frontend knows: an alert-rule user error, explained.
    [
      'select $__dashboard',
      /^unknown macro or variable \$__dashboard; known macros: .*\$__timeFilter.*Grafana time variables: \$__from, \$__to.*alert rules and API calls never pass through it/,
    ],
    ['select ${__user.login}', /^unknown macro or variable \$\{__user\.login\}; .*dashboard variables such as \$host/],
    ['select $__fromage', /^unknown macro or variable \$__fromage;/],
    // Known variables with a format the backend does not render.
    [
      'select ${__from:text}',
      /^\$\{__from:text\}: format "text" is not available for __from; the backend renders \$\{__from\}, \$\{__from:date\}/,
    ],
    ['select ${__to:sqlstring}', /^\$\{__to:sqlstring\}: format "sqlstring" is not available for __to/],
    [
      'select ${__range:date}',
      /^\$\{__range:date\}: format "date" is not available for __range; the backend renders \$\{__range\}$/,
    ],
    ['select ${__from.x}', /^\$\{__from\.x\}: __from has no field "x"/],
    // Inside a string too: a known variable with a bad format must not pass silently.
    [`select '\${__from:text}'`, /^\$\{__from:text\}: format "text"/],
  ];
  for (const [sql, re] of bad) {
    it(sql, () => {
      assert.throws(
        () => expand(sql, docCtx),
        (e: unknown) => e instanceof MacroError && re.test(e.message)
      );
    });
  }
  it('a time variable without a time range says so', () => {
    for (const sql of ['$__from', `'\${__to:date:iso}'`, '$__range']) {
      assert.throws(
        () => expand(sql, { from: new Date(NaN), to: new Date(NaN), intervalMs: 1000 }),
        (e: unknown) =>
          e instanceof MacroError && /needs the panel time range, but the request carries none$/.test(e.message),
        sql
      );
    }
  });
});
