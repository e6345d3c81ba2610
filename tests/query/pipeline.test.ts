// The pipeline end to end through the real Micromegas client against the real dev server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { joinChunks } from '../../pkg/frames';
import { FlightSQLClient } from '../../pkg/micromegas';
import {
  checkHealth,
  handleResource,
  runQuery,
  type DataQueryInput,
  type QueryEnv,
  type QueryResult,
} from '../../pkg/query';
import { frameToJson } from '../harness/frame-json';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { startDevServer, type DevServer } from '../harness/devserver';

import { countingClient, testEnv, TEST_USER } from './env';

const HOUR = 3_600_000;

interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

function logger(lines: LogLine[]) {
  const push = (level: string) => (msg: string, fields?: Record<string, unknown>) => lines.push({ level, msg, fields });
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

let server: DevServer;
let client: FlightSQLClient;
let now: number;
const logs: LogLine[] = [];

function env(overrides: Partial<QueryEnv> = {}): QueryEnv {
  // A non-ASCII name: attribution headers must carry it intact.
  return testEnv(client, {
    enableUserAttribution: true,
    user: { ...TEST_USER, name: 'Ådmin' },
    logger: logger(logs),
    ...overrides,
  });
}

function query(json: Record<string, unknown>, extra: Partial<DataQueryInput> = {}): DataQueryInput {
  return {
    refId: 'A',
    maxDataPoints: 0,
    intervalMS: 60_000,
    timeRange: { fromEpochMS: now - HOUR, toEpochMS: now },
    json,
    ...extra,
  };
}

function ok(r: QueryResult) {
  assert.equal(r.error, undefined, `unexpected error: ${r.error}`);
  assert.equal(r.frames.length, 1);
  const bytes = joinChunks(r.frames[0]);
  const v = assertGrafanaFrame(bytes);
  return { ...v, json: frameToJson(bytes) };
}

function notices(meta: Record<string, unknown> | undefined): Array<{ severity: string; text: string }> {
  return (meta?.notices as Array<{ severity: string; text: string }>) ?? [];
}

before(async () => {
  now = Math.floor(Date.now() / 1000) * 1000;
  server = await startDevServer({ now: new Date(now).toISOString() });
  client = new FlightSQLClient(server.uri);
});

after(async () => {
  client?.close();
  await server?.stop();
});

describe('runQuery through the real client and dev server', () => {
  it('time_series: macros expanded, range bound, wide frame with labels', async () => {
    const sql =
      'SELECT $__dateBin(time) AS time, exe, count(*) AS n FROM log_entries WHERE $__timeFilter(time) GROUP BY 1, 2 ORDER BY 1';
    const r = ok(await runQuery(env(), query({ query: sql, format: 'time_series', version: 3 })));
    assert.equal(r.meta?.type, 'timeseries-wide');
    const executed = String(r.meta?.executedQueryString);
    assert.match(
      executed,
      /^SELECT date_bin\(interval '60 second', time, timestamp '1970-01-01T00:00:00Z'\) AS time, exe/
    );
    assert.ok(executed.includes(`time >= '${new Date(now - HOUR).toISOString().replace('.000Z', 'Z')}'`));
    const fields = r.json.schema.fields;
    assert.equal(fields[0].type, 'time');
    assert.ok(fields.length > 1);
    assert.ok(fields.slice(1).every((f) => f.type === 'number' && f.labels && typeof f.labels.exe === 'string'));
    // The range sent is reported in meta.custom (query inspector), not as a panel notice.
    assert.deepEqual((r.meta?.custom as { queryRange?: unknown } | undefined)?.queryRange, {
      begin: new Date(now - HOUR).toISOString(),
      end: new Date(now).toISOString(),
    });
    assert.equal((r.meta?.custom as { limit?: unknown }).limit, 1_000_001);
    assert.ok(!notices(r.meta).some((n) => n.severity === 'info' && /time range/i.test(n.text)));
  });

  it('request metadata as the server logged it: range, limit + 1, attribution rules', async () => {
    // The server logs a call once it has finished it, which may be just after we saw the end.
    const logLine = async (marker: string): Promise<string> => {
      for (let i = 0; i < 100; i++) {
        const line = server
          .stderr()
          .split('\n')
          .find((l) => l.includes(marker));
        if (line) {
          return line;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`no server log line for ${marker}`);
    };
    const r = await runQuery(
      env(),
      query({ query: 'SELECT 1 AS marker_token_attrib', format: 'table', version: 3 }, { maxDataPoints: 50 })
    );
    assert.equal(r.error, undefined);
    const line = await logLine('marker_token_attrib');
    assert.match(line, /x-user-id="admin"/);
    assert.match(line, /x-user-email="admin%40example.com"/);
    assert.match(line, /x-user-name="%C3%85dmin"/);
    assert.match(line, /x-client-type="grafana"/);
    assert.match(line, / limit=51\b/);
    const logged = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    assert.ok(line.includes(`range=[${logged(now - HOUR)}`) && line.includes(logged(now)), line);

    // OAuth client credentials do not delegate: no x-user-*; timeFilter off: no range.
    const oauth = env({ settings: { ...env().settings, authKind: 'oauth2' } });
    assert.equal(
      (
        await runQuery(
          oauth,
          query({ query: 'SELECT 1 AS marker_token_oauth', format: 'table', version: 3, timeFilter: false })
        )
      ).error,
      undefined
    );
    const oauthLine = await logLine('marker_token_oauth');
    assert.doesNotMatch(oauthLine, /x-user-/);
    assert.doesNotMatch(oauthLine, /range=/);
  });

  it('the panel range filters rows server-side (timeFilter on vs off)', async () => {
    const count = async (timeFilter: boolean) => {
      const r = ok(
        await runQuery(
          env(),
          query(
            { query: 'SELECT count(*) AS n FROM log_entries', format: 'table', timeFilter, version: 3 },
            { timeRange: { fromEpochMS: now - HOUR / 4, toEpochMS: now } }
          )
        )
      );
      // Only a bound query reports a range in meta.custom.
      assert.equal((r.meta?.custom as { queryRange?: unknown } | undefined)?.queryRange !== undefined, timeFilter);
      return Number(r.json.data.values[0][0]);
    };
    const bound = await count(true);
    const all = await count(false);
    assert.ok(bound > 0 && bound < all, `range-bound ${bound} should be below unbounded ${all}`);
  });

  it('logs: log-lines frame, auto limit truncates with a notice', async () => {
    const sql = 'SELECT time, level, target, msg, exe FROM log_entries ORDER BY time DESC';
    const r = ok(await runQuery(env(), query({ query: sql, format: 'logs', version: 3 }, { maxDataPoints: 50 })));
    assert.equal(r.meta?.type, 'log-lines');
    assert.equal(r.table.numRows, 50);
    const names = r.json.schema.fields.map((f) => f.name);
    assert.deepEqual(names.slice(0, 2), ['timestamp', 'body']);
    assert.ok(
      notices(r.meta).some((n) => n.severity === 'warning' && /truncated to 50 rows by Auto Limit/.test(n.text))
    );
  });

  it('auto limit keeps a correctly binned multi-series time series whole; an unbinned one is cut with a notice', async () => {
    // 6 series over 6 hours, binned at the 20 s interval Grafana sends for maxDataPoints 1000
    // (6 h / 1000 = 21.6 s, rounded to 20 s): 1081 points per series, 6486 rows.
    const to = Date.UTC(2026, 0, 1, 6);
    const from = to - 6 * HOUR;
    const points = (stepSeconds: number, n: number) =>
      `SELECT CAST('2026-01-01T00:00:00Z' AS TIMESTAMP) + CAST(i * ${stepSeconds} AS INTEGER) * INTERVAL '1 second' AS time, ` +
      `'s' || CAST(j AS VARCHAR) AS series, CAST(i + j AS DOUBLE) AS value ` +
      `FROM range(${n}) t(i) CROSS JOIN range(6) u(j) ORDER BY time, series`;
    const run = (sql: string) =>
      runQuery(
        env(),
        query(
          { query: sql, format: 'time_series', version: 3, timeFilter: false },
          { maxDataPoints: 1000, intervalMS: 20_000, timeRange: { fromEpochMS: from, toEpochMS: to } }
        )
      );
    const binned = ok(await run(points(20, 1081)));
    assert.equal(binned.json.schema.fields.length, 7, 'time and 6 series');
    assert.equal(binned.table.numRows, 1081, 'every point of every series');
    assert.deepEqual(notices(binned.meta), []);
    // Raw points every second: far more points than the panel can draw, cut with a notice.
    const raw = ok(await run(points(1, 21_601)));
    assert.equal(raw.json.schema.fields.length, 7);
    assert.ok(raw.table.numRows < 21_601 && raw.table.numRows >= 1000, `${raw.table.numRows} points`);
    assert.ok(notices(raw.meta).some((n) => n.severity === 'warning' && /Auto Limit/.test(n.text)));
  });

  it('row limit: truncation notice when more rows exist, none when the result fits exactly', async () => {
    const all = ok(
      await runQuery(
        env(),
        query({ query: 'SELECT process_id FROM processes', format: 'table', version: 3, timeFilter: false })
      )
    );
    const n = all.table.numRows;
    assert.ok(n >= 3);
    const fits = ok(
      await runQuery(
        env({ ...env(), settings: { ...env().settings, rowLimit: n } }),
        query({ query: 'SELECT process_id FROM processes', format: 'table', version: 3, timeFilter: false })
      )
    );
    assert.equal(fits.table.numRows, n);
    assert.ok(!notices(fits.meta).some((x) => /truncated/.test(x.text)));
    const cut = ok(
      await runQuery(
        env({ ...env(), settings: { ...env().settings, rowLimit: n - 1 } }),
        query({ query: 'SELECT process_id FROM processes', format: 'table', version: 3, timeFilter: false })
      )
    );
    assert.equal(cut.table.numRows, n - 1);
    assert.ok(notices(cut.meta).some((x) => x.severity === 'warning' && x.text.includes(`row limit of ${n - 1} rows`)));
    // Per-query rowLimit lowers it; over many small batches the stream is cut mid-way.
    const perQuery = ok(
      await runQuery(
        env(),
        query({
          query: '/* devserver:batch_rows=7 */ SELECT time, msg FROM log_entries',
          format: 'table',
          version: 3,
          rowLimit: 30,
        })
      )
    );
    assert.equal(perQuery.table.numRows, 30);
    assert.ok(notices(perQuery.meta).some((x) => x.text.includes('row limit of 30 rows')));
  });

  it('table: every global view and view instance converts to valid frames', async () => {
    for (const view of ['log_entries', 'measures', 'processes', 'streams', 'blocks', 'log_stats']) {
      const r = ok(
        await runQuery(
          env(),
          query(
            { query: `SELECT * FROM ${view} LIMIT 20`, format: 'table', version: 3 },
            { timeRange: { fromEpochMS: now - 24 * HOUR, toEpochMS: now } }
          )
        )
      );
      assert.ok(r.json.schema.fields.length > 3, view);
    }
    const streams = ok(
      await runQuery(
        env(),
        query({
          query: "SELECT stream_id, process_id FROM streams WHERE array_has(tags, 'cpu') LIMIT 1",
          format: 'table',
          version: 3,
          timeFilter: false,
        })
      )
    );
    const [streamId] = streams.json.data.values[0] as string[];
    const processId = (streams.json.data.values[1] as string[])[0];
    const spans = ok(
      await runQuery(
        env(),
        query({
          query: `SELECT * FROM view_instance('thread_spans', '${streamId}') LIMIT 20`,
          format: 'table',
          version: 3,
        })
      )
    );
    assert.ok(spans.json.schema.fields.some((f) => f.name === 'duration'));
    const perProcess = ok(
      await runQuery(
        env(),
        query({
          query: `SELECT * FROM view_instance('log_entries', '${processId}') LIMIT 5`,
          format: 'table',
          version: 3,
        })
      )
    );
    assert.ok(perProcess.table.numRows > 0);
    for (const viewSet of ['measures', 'async_events']) {
      const r = await runQuery(
        env(),
        query({
          query: `SELECT * FROM view_instance('${viewSet}', '${processId}') LIMIT 5`,
          format: 'table',
          version: 3,
        })
      );
      ok(r);
    }
  });

  it('upstream saved queries run unchanged: v1 queryText and v2 without format', async () => {
    const v1 = await runQuery(
      env(),
      query({ refId: 'A', queryText: 'SELECT exe, username FROM processes ORDER BY exe' })
    );
    const f1 = ok(v1);
    // Upstream default time_series, no time column → table with a warning, not a failure.
    assert.ok(
      notices(f1.meta).some((n) => n.severity === 'warning' && /no time column, so it is shown as a table/.test(n.text))
    );
    assert.equal(f1.meta?.executedQueryString, 'SELECT exe, username FROM processes ORDER BY exe');
    const v2 = ok(
      await runQuery(
        env(),
        query({
          refId: 'A',
          query: 'SELECT time_bin AS time, sum(count) AS logs FROM log_stats GROUP BY 1 ORDER BY 1',
          rawEditor: true,
          timeFilter: true,
          autoLimit: true,
          version: 2,
        })
      )
    );
    assert.equal(v2.meta?.type, 'timeseries-wide');
  });

  it('time_series over measures: unit becomes each series unit, not a label', async () => {
    const sql =
      'SELECT $__dateBin(time) AS time, name, unit, avg(value) AS value FROM measures WHERE $__timeFilter(time) GROUP BY 1, 2, 3 ORDER BY 1';
    const r = ok(await runQuery(env(), query({ query: sql, format: 'time_series', version: 3 })));
    const series = r.json.schema.fields.slice(1);
    assert.ok(series.length > 1);
    assert.ok(
      series.every((f) => f.labels && Object.keys(f.labels).join() === 'name'),
      'labels are the name only'
    );
    // The server's own unit per name, mapped.
    const units = ok(
      await runQuery(env(), query({ query: 'SELECT DISTINCT name, unit FROM measures', format: 'table', version: 3 }))
    );
    const [names, raw] = units.json.data.values as [string[], string[]];
    const expected: Record<string, string> = {
      percent: 'percent',
      bytes: 'bytes',
      ms: 'ms',
      count: 'short',
      'requests/s': 'reqps',
    };
    for (const f of series) {
      const unit = raw[names.indexOf(f.labels!.name)];
      assert.equal(f.config?.unit, expected[unit] ?? `suffix:${unit}`, `unit of ${f.labels!.name}`);
    }
  });

  it('our time_series query without a time column is a plugin error naming the columns', async () => {
    const r = await runQuery(env(), query({ query: 'SELECT exe FROM processes', format: 'time_series', version: 3 }));
    assert.equal(r.errorSource, 'plugin');
    assert.equal(r.status, 400);
    assert.match(r.error ?? '', /exe/);
  });

  it('a mid-stream failure is an error, never a short result', async () => {
    const sql = '/* devserver:batch_rows=10 */ /* devserver:fail_after_batches=2 */ SELECT time, msg FROM log_entries';
    const r = await runQuery(env(), query({ query: sql, format: 'table', version: 3 }));
    assert.deepEqual(r.frames, []);
    assert.equal(r.errorSource, 'downstream');
    assert.equal(r.status, 500);
    assert.match(r.error ?? '', /^INTERNAL: error building data stream: .*injected failure.*query_id=[0-9a-f-]{36}/);
  });

  it('server planning errors keep the server text and map to 400 downstream', async () => {
    const r = await runQuery(env(), query({ query: 'SELECT * FROM no_such_table', format: 'table', version: 3 }));
    assert.equal(r.status, 400);
    assert.equal(r.errorSource, 'downstream');
    assert.match(r.error ?? '', /^INVALID_ARGUMENT: .*no_such_table.*\(query_id=/);
  });

  it('our errors are plugin 400 and never reach the server', async () => {
    const empty = await runQuery(env(), query({ query: '   ', format: 'table', version: 3 }));
    assert.deepEqual([empty.status, empty.errorSource], [400, 'plugin']);
    assert.match(empty.error ?? '', /the query is empty/);
    const macro = await runQuery(
      env(),
      query({ query: 'SELECT $__timeGroup(time) FROM log_entries', format: 'table', version: 3 })
    );
    assert.deepEqual([macro.status, macro.errorSource], [400, 'plugin']);
    assert.match(macro.error ?? '', /^\$__timeGroup expects \(column, unit\)/);
    const badJson = await runQuery(env(), query({}, { json: '{"query":' }));
    assert.match(badJson.error ?? '', /not valid JSON/);
  });

  it('Grafana cancellation aborts the call; the query timeout answers 504', async () => {
    const controller = new AbortController();
    // Grafana cancels once the statement is on its way to the server.
    const sending = countingClient(client, [], () => setImmediate(() => controller.abort()));
    const pending = runQuery(
      env({ signal: controller.signal, client: sending }),
      query({ query: '/* devserver:delay_ms=5000 */ SELECT 1', format: 'table', version: 3 })
    );
    const cancelled = await pending;
    assert.equal(cancelled.status, 499);
    assert.match(cancelled.error ?? '', /cancelled/);

    const slow = await runQuery(
      env({ settings: { ...env().settings, queryTimeoutMs: 200 } }),
      query({ query: '/* devserver:delay_ms=5000 */ SELECT 1', format: 'table', version: 3 })
    );
    assert.equal(slow.status, 504);
    assert.equal(slow.errorSource, 'downstream');
    assert.match(slow.error ?? '', /query timeout/);
  });
});

describe('checkHealth', () => {
  it('OK against the dev server, with server name, latency and auth mode', async () => {
    const h = await checkHealth(env());
    assert.equal(h.status, 'OK', h.message);
    assert.match(h.message, /^Connected to .+ in [\d.]+ ms; authentication: none$/);
    assert.equal(typeof h.details.latencyMs, 'number');
    assert.equal(typeof h.details.serverName, 'string');
  });
  it('ERROR with an actionable message when the server is unreachable', async () => {
    const dead = new FlightSQLClient('grpc://127.0.0.1:1');
    try {
      const h = await checkHealth(env({ client: dead }));
      assert.equal(h.status, 'ERROR');
      assert.match(h.message, /^Cannot reach Micromegas: check the URL/);
    } finally {
      dead.close();
    }
  });
});

describe('handleResource', () => {
  const call = async (path: string, method = 'GET', body?: unknown) => {
    const r = await handleResource(env(), {
      path: path.split('?')[0],
      url: path,
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: JSON.parse(Buffer.from(r.body).toString('utf8')) };
  };
  it('tables: global views, view sets and table functions with descriptions', async () => {
    const r = await call('tables');
    assert.equal(r.status, 200);
    const byName = new Map(r.body.tables.map((t: { name: string; kind: string }) => [t.name, t]));
    assert.equal((byName.get('log_entries') as { kind: string }).kind, 'view');
    assert.equal((byName.get('thread_spans') as { kind: string }).kind, 'view_set');
    assert.equal((byName.get('view_instance') as { kind: string }).kind, 'function');
    assert.ok(r.body.tables.every((t: { description: string }) => t.description.length > 0));
  });
  it('columns: from GetTables schemas and from prepared statements', async () => {
    const r = await call('columns?table=log_entries');
    assert.equal(r.status, 200);
    const time = r.body.columns.find((c: { name: string }) => c.name === 'time');
    assert.ok(time && /Timestamp/.test(time.type) && time.nullable === false);
    const fn = await call(`columns?table=${encodeURIComponent("view_instance('log_entries', 'x')")}`);
    assert.equal(fn.status, 200, JSON.stringify(fn.body));
    assert.ok(fn.body.columns.some((c: { name: string }) => c.name === 'msg'));
    assert.equal((await call('columns')).status, 400);
    assert.equal((await call('columns?table=thread_spans')).status, 404);
  });
  it('functions: UDFs, table functions and macros', async () => {
    const r = await call('functions');
    assert.ok(r.body.functions.some((f: { name: string }) => f.name === 'property_get'));
    assert.ok(r.body.macros.some((m: { name: string }) => m.name === '$__timeFilter'));
  });
  it('schema: prepared statement columns, macros expanded', async () => {
    const r = await call('schema', 'POST', {
      sql: 'SELECT $__dateBin(time) AS t, count(*) AS n FROM log_entries GROUP BY 1',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.columns.map((c: { name: string }) => c.name),
      ['t', 'n']
    );
    assert.equal((await call('schema', 'POST', {})).status, 400);
  });
  it('values: distinct values over the range, identifiers quoted, bad input rejected', async () => {
    const r = await call('values', 'POST', {
      table: 'processes',
      column: 'exe',
      from: new Date(now - 24 * HOUR).toISOString(),
      to: new Date(now).toISOString(),
      limit: 100,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.values.length > 0);
    assert.deepEqual([...r.body.values].sort(), r.body.values);
    assert.equal((await call('values', 'POST', { table: 'processes; DROP', column: 'exe' })).status, 400);
    assert.equal(
      (
        await call('values', 'POST', {
          table: 'processes',
          column: 'exe',
          from: '2024-01-01T00:00:00',
          to: '2024-01-02T00:00:00Z',
        })
      ).status,
      400
    );
    const missing = await call('values', 'POST', { table: 'processes', column: 'no"such' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error, /no"such|no""such/);
  });
  it('answers are cached per client: a repeated call does not reach the server', async () => {
    const body = { table: 'processes', column: 'computer', limit: 7 };
    const seen = () =>
      server
        .stderr()
        .split('\n')
        .filter((l) => l.includes('CAST(\\"computer\\" AS VARCHAR)')).length;
    const first = await call('values', 'POST', body);
    assert.equal(first.status, 200);
    // Wait until the server has logged the first call, then repeat it.
    for (let i = 0; i < 100 && seen() === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(seen(), 1);
    const second = await call('values', 'POST', body);
    assert.deepEqual(second.body, first.body);
    const fresh = new FlightSQLClient(server.uri);
    try {
      const r = await handleResource(env({ client: fresh }), {
        path: 'values',
        method: 'POST',
        body: JSON.stringify(body),
      });
      assert.equal(r.status, 200);
      for (let i = 0; i < 100 && seen() < 2; i++) {
        await new Promise((r2) => setTimeout(r2, 50));
      }
      // Only the new client (a new data source version) went to the server again.
      assert.equal(seen(), 2);
    } finally {
      fresh.close();
    }
  });

  it('unknown paths and wrong methods', async () => {
    assert.equal((await call('nope')).status, 404);
    assert.equal((await call('tables', 'POST', {})).status, 405);
  });
});

describe('checkHealth against a server requiring API keys', () => {
  const key = 'mmk_pipeline_test_key_5f2c9a';
  let secured: DevServer;
  before(async () => {
    secured = await startDevServer({ now: new Date(now).toISOString(), apiKeys: [{ name: 'grafana-svc', key }] });
  });
  after(async () => {
    await secured?.stop();
  });

  it('OK with the right token; reports the auth mode', async () => {
    const c = new FlightSQLClient(secured.uri, { token: key });
    try {
      const h = await checkHealth(
        env({ client: c, settings: { ...env().settings, authKind: 'token', secrets: [key] } })
      );
      assert.equal(h.status, 'OK', h.message);
      assert.match(h.message, /authentication: token$/);
    } finally {
      c.close();
    }
  });

  it('ERROR "Authentication failed" with a wrong token, never echoing it', async () => {
    const wrong = 'mmk_wrong_token_value_77';
    const c = new FlightSQLClient(secured.uri, { token: wrong });
    try {
      const h = await checkHealth(
        env({ client: c, settings: { ...env().settings, authKind: 'token', secrets: [wrong] } })
      );
      assert.equal(h.status, 'ERROR');
      assert.match(h.message, /^Authentication failed: /);
      assert.ok(!JSON.stringify(h).includes(wrong));
      const q = await runQuery(
        env({ client: c, settings: { ...env().settings, authKind: 'token', secrets: [wrong] } }),
        query({ query: 'SELECT 1', format: 'table', version: 3 })
      );
      assert.deepEqual([q.status, q.errorSource], [401, 'downstream']);
      assert.ok(!(q.error ?? '').includes(wrong));
    } finally {
      c.close();
    }
  });

  it('ERROR naming TLS when the scheme does not match the server', async () => {
    const c = new FlightSQLClient(secured.uri.replace('grpc://', 'grpc+tls://'), { token: key });
    try {
      const h = await checkHealth(env({ client: c }));
      assert.equal(h.status, 'ERROR');
      assert.match(h.message, /^TLS problem: use grpc:\/\/ for a plain server/);
    } finally {
      c.close();
    }
  });
});
