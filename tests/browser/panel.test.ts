// The panel editor in Chromium: the plugin's QueryEditor, queries run through the sandbox's
// /api/ds/query to the real backend and dev server, results drawn by @grafana/ui.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startBrowserEnv, type BrowserEnv } from './env';
import { chooseFormat, runQuery, setSql } from './panel-helpers';

let env: BrowserEnv;

before(async () => {
  env = await startBrowserEnv();
});

after(async () => {
  await env?.close();
});

test('a time series query draws a chart and a table', async () => {
  const { page } = env;
  await env.open('/panel');
  await chooseFormat(page, 'Time series');
  const sql =
    "SELECT date_bin(INTERVAL '1 minute', time) AS time, name, avg(value) AS value FROM measures WHERE name = 'cpu_usage' GROUP BY 1, 2 ORDER BY 1";
  await setSql(page, sql);
  const res = await runQuery(page);
  assert.equal(res.status(), 200, await res.text());
  const post = env.queryPosts.at(-1)!;
  assert.equal(post.body.queries[0].query, sql);
  assert.equal(post.body.queries[0].format, 'time_series');

  const results = page.getByTestId('sandbox-results');
  assert.equal(await results.getAttribute('data-state'), 'Done');
  assert.ok(Number(await results.getAttribute('data-rows')) > 0, 'the query returned rows');
  // uPlot draws into a canvas inside the chart container; its legend names the series.
  await page.locator('[data-testid="sandbox-timeseries"] canvas').first().waitFor();
  assert.match(await page.getByTestId('sandbox-timeseries').innerText(), /cpu_usage/);
  assert.equal(await page.getByTestId('sandbox-executed-query').first().innerText(), sql);
  await env.screenshot('panel-timeseries');
  env.assertClean();
});

test('a logs query shows log lines', async () => {
  const { page } = env;
  await env.open('/panel');
  await chooseFormat(page, 'Logs');
  await setSql(page, 'SELECT time, level, target, msg FROM log_entries ORDER BY time DESC LIMIT 20');
  const res = await runQuery(page);
  assert.equal(res.status(), 200, await res.text());
  const logs = page.getByTestId('sandbox-logs');
  await logs.waitFor();
  const rows = Number(await logs.getAttribute('data-rows'));
  assert.ok(rows > 0 && rows <= 20, `expected 1..20 log rows, got ${rows}`);
  const first = await page.getByTestId('sandbox-log-row').first().innerText();
  assert.match(first, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/, `a log row starts with its time: ${first}`);
  await env.screenshot('panel-logs');
  env.assertClean();
});

test('changing the time range changes the request and the range sent to Micromegas', async () => {
  const { page } = env;
  await env.open('/panel');
  await setSql(page, 'SELECT count(*) AS n FROM log_entries');
  await runQuery(page);
  const before = env.queryPosts.at(-1)!.body;
  assert.ok(Math.abs(Number(before.to) - Number(before.from) - 3600_000) < 2000, 'default range is the last hour');

  // Pick "Last 6 hours" in @grafana/ui's TimeRangePicker.
  await page.locator('[data-testid="sandbox-panel-page"] button[aria-label*="Time range"]').first().click();
  await page.getByText('Last 6 hours', { exact: true }).click();
  await runQuery(page);
  const body = env.queryPosts.at(-1)!.body;
  const span = Number(body.to) - Number(body.from);
  assert.ok(Math.abs(span - 6 * 3600_000) < 2000, `expected a 6 h range, got ${span} ms`);

  // The backend reports the range it bound to the query (frame meta.custom.queryRange),
  // which the query editor shows under its options.
  const hint = page.getByTestId('micromegas-sent-range');
  await hint.waitFor({ timeout: 30_000 });
  const iso = (ms: string) => new Date(Number(ms)).toISOString();
  await hint.filter({ hasText: iso(body.from) }).waitFor({ timeout: 30_000 });
  const sent = await hint.innerText();
  assert.ok(
    sent.includes(iso(body.from)) && sent.includes(iso(body.to)),
    `the executed range should be ${iso(body.from)} – ${iso(body.to)}:\n${sent}`
  );
  await env.screenshot('panel-time-range');
  env.assertClean();
});

test("an invalid query shows the server's error with line and column; the editor stays usable", async () => {
  const { page } = env;
  await env.open('/panel');
  await setSql(page, 'SELECT time, msg\nFROM log_entries\nWHERE nope = 1');
  const res = await runQuery(page);
  assert.equal(res.status(), 400);
  const error = page.getByTestId('sandbox-query-error');
  await error.waitFor();
  const text = await error.innerText();
  assert.match(text, /nope/, text);
  assert.match(text, /line 3, column 7/, text);
  await env.screenshot('panel-invalid-query');

  // Fix the query in the same editor and run again.
  await setSql(page, 'SELECT time, msg FROM log_entries LIMIT 3');
  const ok = await runQuery(page);
  assert.equal(ok.status(), 200, await ok.text());
  assert.equal(await page.getByTestId('sandbox-query-error').count(), 0, 'the old error is gone');
  env.assertClean();
});

test('an empty SQL is not sent and says why', async () => {
  const { page } = env;
  await env.open('/panel');
  const posted = env.queryPosts.length;
  await setSql(page, '');
  await page.getByTestId('sandbox-run').click();
  await page.getByTestId('sandbox-no-data').waitFor();
  assert.equal(env.queryPosts.length, posted, 'an empty query must not reach /api/ds/query');
  assert.match(
    await page.getByTestId('sandbox-query-editor').innerText(),
    /empty/i,
    'the editor explains that empty queries are not run'
  );
  env.assertClean();
});

test('a Micromegas server that is down gives a clear message; the editor stays usable', async () => {
  const { page } = env;
  await env.devserver!.stop();
  await env.open('/panel');
  await setSql(page, 'SELECT time, msg FROM log_entries LIMIT 3');
  const res = await runQuery(page);
  assert.ok(res.status() >= 400, `expected an error status, got ${res.status()}`);
  const text = await page.getByTestId('sandbox-query-error').innerText();
  assert.match(text, /reach|unavailable|connect/i, text);
  assert.match(text, /127\.0\.0\.1:\d+/, `the message names the address: ${text}`);
  await env.screenshot('panel-backend-down');
  // Still editable: typing changes the query that would be sent.
  await setSql(page, 'SELECT 1 AS one');
  await runQuery(page);
  assert.equal(env.queryPosts.at(-1)!.body.queries[0].query, 'SELECT 1 AS one');
  env.assertClean();
});
