import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { attributionAllowed, attributionHeaders } from '../../pkg/query/attribution';
import { mapError, redactMessage } from '../../pkg/query/errors';
import { planLimits, truncationNotice } from '../../pkg/query/limits';
import { DEFAULT_ROW_LIMIT } from '../../src/shared/query';
import { parseQueryModel, QueryModelError } from '../../pkg/query/model';
import { resolveIntervalMs, resolveTimeRange } from '../../pkg/query/timerange';

const modelError = (re: RegExp) => (e: unknown) => e instanceof QueryModelError && re.test(e.message);

describe('query model', () => {
  it('upstream v1 (queryText, no format, no version) → time_series, same SQL', () => {
    const m = parseQueryModel(JSON.stringify({ refId: 'A', queryText: 'SELECT time, value FROM measures' }));
    assert.equal(m.sql, 'SELECT time, value FROM measures');
    assert.equal(m.format, 'time_series');
    assert.equal(m.formatDefaulted, true);
    assert.equal(m.upstreamShaped, true);
    // Missing keys: upstream's backend read Go's zero value, false (no range, no row cap).
    assert.equal(m.timeFilter, false);
    assert.equal(m.autoLimit, false);
  });
  it('a missing timeFilter/autoLimit keeps the upstream backend meaning for upstream-shaped queries only', () => {
    const upstream = parseQueryModel({ refId: 'A', query: 'SELECT time, value FROM measures', version: 2 });
    assert.deepEqual([upstream.timeFilter, upstream.autoLimit], [false, false]);
    const explicit = parseQueryModel({ query: 'SELECT 1', version: 2, timeFilter: true, autoLimit: true });
    assert.deepEqual([explicit.timeFilter, explicit.autoLimit], [true, true]);
    const ours = parseQueryModel({ query: 'SELECT 1', version: 3 });
    assert.deepEqual([ours.timeFilter, ours.autoLimit], [true, true]);
  });
  it('upstream v2 with builder fields → the SQL in query is authoritative', () => {
    const json = {
      refId: 'A',
      query: 'SELECT exe FROM processes',
      format: 'table',
      rawEditor: false,
      table: 'processes',
      columns: [{ value: 'exe' }],
      wheres: [],
      timeFilter: false,
      autoLimit: false,
      version: 2,
    };
    const m = parseQueryModel(Buffer.from(JSON.stringify(json)));
    assert.deepEqual(
      {
        sql: m.sql,
        format: m.format,
        timeFilter: m.timeFilter,
        autoLimit: m.autoLimit,
        upstreamShaped: m.upstreamShaped,
      },
      { sql: 'SELECT exe FROM processes', format: 'table', timeFilter: false, autoLimit: false, upstreamShaped: true }
    );
  });
  it('upstream unknown format falls back to time_series; ours rejects it', () => {
    assert.equal(parseQueryModel({ query: 'SELECT 1', format: 'graph' }).format, 'time_series');
    assert.throws(
      () => parseQueryModel({ query: 'SELECT 1', format: 'graph', version: 3 }),
      modelError(/"format" must be one of table, time_series, logs/)
    );
  });
  it('ours (version 3): explicit formats, missing format = table, rowLimit', () => {
    const m = parseQueryModel({ query: 'SELECT 1', format: 'logs', version: 3, rowLimit: 500, intervalMs: 2000 });
    assert.equal(m.format, 'logs');
    assert.equal(m.upstreamShaped, false);
    assert.equal(m.rowLimit, 500);
    assert.equal(m.intervalMs, 2000);
    assert.equal(parseQueryModel({ query: 'SELECT 1', version: 3 }).format, 'table');
  });
  it('query wins over queryText; a bare string is SQL', () => {
    assert.equal(parseQueryModel({ query: 'SELECT 2', queryText: 'SELECT 1' }).sql, 'SELECT 2');
    assert.equal(parseQueryModel({ query: '', queryText: 'SELECT 1' }).sql, 'SELECT 1');
    assert.equal(parseQueryModel(JSON.stringify('SELECT 3')).sql, 'SELECT 3');
  });
  it('rejects bad input with clear messages', () => {
    assert.throws(() => parseQueryModel({ query: '  ' }), modelError(/the query is empty: write an SQL statement/));
    assert.throws(() => parseQueryModel({}), modelError(/the query is empty/));
    assert.throws(() => parseQueryModel('{"query": '), modelError(/not valid JSON/));
    assert.throws(() => parseQueryModel('[1]'), modelError(/must be an object/));
    assert.throws(() => parseQueryModel({ query: 42 }), modelError(/"query" must be a string/));
    assert.throws(
      () => parseQueryModel({ query: 'SELECT 1', rowLimit: -3 }),
      modelError(/"rowLimit" must be a positive integer/)
    );
    assert.throws(
      () => parseQueryModel({ query: 'SELECT 1', timeFilter: 'yes' }),
      modelError(/"timeFilter" must be true or false/)
    );
  });
});

describe('time range and interval', () => {
  it('converts epoch ms, treats 0/0 as no range, rejects inverted ranges', () => {
    const r = resolveTimeRange({ fromEpochMS: 1672531200000, toEpochMS: 1672531800000 });
    assert.equal(r?.from.toISOString(), '2023-01-01T00:00:00.000Z');
    assert.equal(resolveTimeRange({ fromEpochMS: 0, toEpochMS: 0 }), undefined);
    assert.equal(resolveTimeRange(undefined), undefined);
    assert.throws(() => resolveTimeRange({ fromEpochMS: 2, toEpochMS: 1 }), modelError(/from .* is after to/));
  });
  it('interval: protocol, then JSON, then range / maxDataPoints', () => {
    const range = { from: new Date(0), to: new Date(600_000) };
    assert.equal(resolveIntervalMs(5000, 2000, range, 100), 5000);
    assert.equal(resolveIntervalMs(0, 2000, range, 100), 2000);
    assert.equal(resolveIntervalMs(undefined, undefined, range, 100), 6000);
    assert.equal(resolveIntervalMs(undefined, undefined, undefined, undefined), 1000);
  });
});

describe('limits', () => {
  it('defaults to the data source row limit, asks the server for one more row', () => {
    const p = planLimits({ autoLimit: false });
    assert.equal(p.cap, DEFAULT_ROW_LIMIT);
    assert.equal(p.serverLimit, DEFAULT_ROW_LIMIT + 1);
    assert.equal(p.reason, 'rowLimit');
  });
  it('auto limit = maxDataPoints when below the row limit; 0/absent maxDataPoints = no auto limit', () => {
    assert.deepEqual(planLimits({ autoLimit: true, maxDataPoints: 800, settingsRowLimit: 5000 }), {
      cap: 800,
      reason: 'autoLimit',
      serverLimit: 801,
      notices: [],
    });
    assert.equal(planLimits({ autoLimit: true, maxDataPoints: 0, settingsRowLimit: 5000 }).cap, 5000);
    assert.equal(planLimits({ autoLimit: true, settingsRowLimit: 5000 }).reason, 'rowLimit');
    assert.equal(planLimits({ autoLimit: false, maxDataPoints: 800, settingsRowLimit: 5000 }).cap, 5000);
  });
  it('time series: auto limit bounds points per series (at least the bins of the range at the interval), not rows', () => {
    const p = planLimits({
      autoLimit: true,
      maxDataPoints: 1000,
      settingsRowLimit: 50_000,
      timeSeries: true,
      rangeMs: 6 * 3_600_000,
      intervalMs: 20_000,
    });
    assert.equal(p.timePoints, 1081);
    assert.equal(p.cap, 50_000);
    assert.equal(p.serverLimit, 50_001);
    assert.equal(planLimits({ autoLimit: true, maxDataPoints: 1000, timeSeries: true }).timePoints, 1000);
    assert.equal(planLimits({ autoLimit: false, maxDataPoints: 1000, timeSeries: true }).timePoints, undefined);
    assert.match(truncationNotice(p, 'timePoints').text, /truncated to 1081 points per series by Auto Limit/);
  });
  it('per-query rowLimit may lower the cap, never raise it (with a notice)', () => {
    assert.equal(planLimits({ autoLimit: false, settingsRowLimit: 5000, queryRowLimit: 10 }).cap, 10);
    const p = planLimits({ autoLimit: false, settingsRowLimit: 5000, queryRowLimit: 9000 });
    assert.equal(p.cap, 5000);
    assert.match(p.notices[0].text, /above the data source's row limit; 5000 rows/);
  });
  it('truncation notices say which limit cut the result', () => {
    assert.match(
      truncationNotice(planLimits({ autoLimit: true, maxDataPoints: 10 })).text,
      /truncated to 10 rows by Auto Limit/
    );
    assert.match(
      truncationNotice(planLimits({ autoLimit: false, settingsRowLimit: 7 })).text,
      /truncated to the row limit of 7 rows/
    );
    assert.equal(truncationNotice(planLimits({ autoLimit: false })).severity, 'warning');
  });
});

describe('attribution headers', () => {
  const user = { login: 'jérôme', email: 'j@example.com', name: 'Jérôme Ö' };
  it('token (API key) and none: x-user-* percent-encoded UTF-8 and x-client-type grafana', () => {
    for (const authKind of ['token', 'none'] as const) {
      assert.deepEqual(attributionHeaders({ authKind }, user), {
        'x-user-id': 'j%C3%A9r%C3%B4me',
        'x-user-email': 'j%40example.com',
        'x-user-name': 'J%C3%A9r%C3%B4me%20%C3%96',
        'x-client-type': 'grafana',
      });
    }
  });
  it('never with OAuth client credentials unless explicitly enabled', () => {
    assert.deepEqual(attributionHeaders({ authKind: 'oauth2' }, user), {});
    assert.equal(attributionAllowed({ authKind: 'oauth2', attributionWithOAuth: true }), true);
    assert.equal(
      attributionHeaders({ authKind: 'oauth2', attributionWithOAuth: true }, user)['x-user-id'],
      'j%C3%A9r%C3%B4me'
    );
  });
  it('not when disabled, nor without a user login', () => {
    assert.deepEqual(attributionHeaders({ authKind: 'token', enableUserAttribution: false }, user), {});
    assert.deepEqual(attributionHeaders({ authKind: 'token' }, undefined), {});
    assert.deepEqual(attributionHeaders({ authKind: 'token' }, { login: '' }), {});
  });
  it('header values are printable ASCII', () => {
    for (const v of Object.values(attributionHeaders({}, { login: 'a\nb', name: '名前', email: 'x y' }))) {
      assert.match(v, /^[\x21-\x7e]+$/);
    }
  });
});

describe('error mapping', () => {
  const settings = { secrets: ['s3cr3t-token'], queryTimeoutMs: 30_000 };
  const grpcError = (code: number, details: string) =>
    Object.assign(new Error(`${code} X: ${details}`), { code, details });
  it('server statuses → downstream with HTTP-like statuses, server text kept', () => {
    const text =
      'error building dataframe: table not found (at line 1, column 15) (query_id=0b6f2a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b)';
    const m = mapError(grpcError(3, text), { settings });
    assert.equal(m.status, 400);
    assert.equal(m.source, 'downstream');
    assert.equal(m.message, `INVALID_ARGUMENT: ${text}`);
    const expected: Array<[number, number]> = [
      [16, 401],
      [7, 403],
      [4, 504],
      [14, 503],
      [13, 500],
      [8, 500],
      [2, 500],
    ];
    for (const [code, status] of expected) {
      const r = mapError(grpcError(code, 'boom'), { settings });
      assert.deepEqual([r.status, r.source], [status, 'downstream'], `code ${code}`);
    }
  });
  it('keeps a MicromegasError-style message as is (no double code name)', () => {
    const e = Object.assign(new Error('UNAVAILABLE: could not reach Micromegas at 127.0.0.1:1'), {
      code: 14,
      name: 'MicromegasError',
    });
    assert.equal(mapError(e, { settings }).message, 'UNAVAILABLE: could not reach Micromegas at 127.0.0.1:1');
  });
  it('impersonation denial gets an actionable hint', () => {
    const m = mapError(
      grpcError(7, "User impersonation not allowed: x-user-id 'bob' does not match authenticated subject 'svc'"),
      { settings }
    );
    assert.match(m.message, /turn off User Attribution/);
  });
  it('our errors → plugin 400; unexpected ones → plugin 500', () => {
    assert.deepEqual(
      [
        mapError(new QueryModelError('bad'), { settings }).status,
        mapError(new QueryModelError('bad'), { settings }).source,
      ],
      [400, 'plugin']
    );
    const fe = Object.assign(new Error('no time column'), { name: 'FrameFormatError' });
    assert.equal(mapError(fe, { settings }).status, 400);
    assert.equal(mapError(new TypeError('x is undefined'), { settings }).status, 500);
    assert.equal(mapError(new TypeError('x is undefined'), { settings }).source, 'plugin');
  });
  it('timeouts and cancellation', () => {
    const t = mapError(new Error('aborted'), { settings, timedOut: true });
    assert.equal(t.status, 504);
    assert.match(t.message, /query timeout \(30 s\)/);
    assert.equal(mapError(new Error('aborted'), { settings, cancelled: true }).status, 499);
  });
  it('secrets never survive', () => {
    const m = mapError(grpcError(16, 'invalid token s3cr3t-token; Authorization: Bearer abc.def'), { settings });
    assert.doesNotMatch(m.message, /s3cr3t-token|abc\.def/);
    assert.equal(redactMessage('Bearer xyz', []), 'Bearer [REDACTED]');
  });
});
