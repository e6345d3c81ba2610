// Dashboards on Grafana's own engine, @grafana/scenes, in Chromium: query variables loading in
// parallel, failing variables, ad hoc filters with a multi-value operator, log context in both
// directions at once, and a multi-series time series over the whole range. The sandbox's
// Grafana host (SANDBOX_GRAFANA, dev/sandbox/hosts/) decides which React and @grafana/* the
// built module.js runs on; scripts/run-tests.mjs runs this file on each host.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { hostedGrafana } from '../../dev/sandbox/hosts';
import { startBrowserEnv, type BrowserEnv } from './env';

let env: BrowserEnv;

before(async () => {
  // Denser measures than the default, so that six binned series outnumber the panel's width.
  env = await startBrowserEnv({ devserver: { scale: 0.2 } });
});

after(async () => {
  await env?.close();
});

interface VariableState {
  name: string;
  loading: boolean;
  error: string | null;
  options: string[];
}

/** The dashboard's variables as Scenes holds them (what VariableValueSelectors draws). */
async function variables(): Promise<VariableState[]> {
  return env.page.evaluate(`window.__sandboxScene.state.$variables.state.variables.map((v) => ({
    name: v.state.name,
    loading: Boolean(v.state.loading),
    error: v.state.error ? String(v.state.error.message ?? v.state.error) : null,
    options: (v.state.options ?? []).map((o) => String(o.value)),
  }))`);
}

async function settledVariables(): Promise<VariableState[]> {
  // Settled: each variable has loaded values or an error (a variable left with neither, as a
  // cancelled query leaves it, fails the wait).
  await env.page
    .waitForFunction(
      `window.__sandboxScene && window.__sandboxScene.state.$variables.state.variables.every(
        (v) => !v.state.loading && ((v.state.options ?? []).length > 0 || v.state.error))`,
      null,
      { timeout: 30_000 }
    )
    .catch(() => {});
  return variables();
}

async function openDashboard(name: string, range = ''): Promise<void> {
  await env.open('/dashboard', `?name=${name}${range}`);
}

/** Request start and end times of the page's /api/ds/query posts whose body matches. */
function trackQueries(match: RegExp): Array<{ start: number; end?: number }> {
  const seen: Array<{ start: number; end?: number }> = [];
  env.page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/ds/query' && match.test(req.postData() ?? '')) {
      const entry: { start: number; end?: number } = { start: Date.now() };
      seen.push(entry);
      void req.response().then(() => (entry.end = Date.now()));
    }
  });
  return seen;
}

test('module.js runs on the host’s React and Grafana packages', async () => {
  const host = hostedGrafana();
  await openDashboard('variables');
  const react = await env.page.evaluate('document.body.dataset.reactVersion');
  const grafana = await env.page.evaluate('document.body.dataset.grafanaVersion');
  assert.equal(react, host.reactVersion, `React of ${host.name}`);
  assert.equal(grafana, host.grafanaVersion, `Grafana version of ${host.name}`);
});

test('two query variables load at once and both get their values', async () => {
  const requests = trackQueries(/SELECT DISTINCT (exe|computer) FROM processes/);
  await openDashboard('variables');
  const vars = await settledVariables();
  await env.screenshot(`dashboard-variables-${process.env.SANDBOX_GRAFANA ?? 'default'}`);
  assert.equal(requests.length, 2, 'one request per variable');
  assert.ok(
    requests[1].start < (requests[0].end ?? Infinity),
    'Scenes sent the second variable query before the first was answered'
  );
  for (const v of vars) {
    assert.equal(v.error, null, `variable ${v.name} failed: ${v.error}`);
    assert.ok(v.options.length > 1, `variable ${v.name} has values: ${JSON.stringify(v.options)}`);
  }
  // The panel runs with both variables' values.
  const panel = env.page.locator('[data-testid="dashboard-panel"][data-state="Done"]');
  await panel.waitFor({ timeout: 60_000 });
  const sql = env.queryPosts.at(-1)!.body.queries[0].query as string;
  assert.match(sql, new RegExp(`exe = '${vars[0].options[0]}' AND computer = '${vars[1].options[0]}'`));
  env.assertClean();
});

test('a failing variable shows its error, whether the SQL fails or the request does', async () => {
  // A proxy in front of Grafana answering 502 without any result, for one variable's query.
  const dsQuery = /\/api\/ds\/query(\?|$)/;
  await env.page.route(dsQuery, (route) =>
    /AS proxied/.test(route.request().postData() ?? '')
      ? route.fulfill({ status: 502, contentType: 'text/html', body: '<html><h1>502 Bad Gateway</h1></html>' })
      : route.fallback()
  );
  try {
    await openDashboard('failing-variables');
    const vars = await settledVariables();
    await env.screenshot(`dashboard-failing-variables-${process.env.SANDBOX_GRAFANA ?? 'default'}`);
    const byName = Object.fromEntries(vars.map((v) => [v.name, v]));
    assert.match(byName.broken.error ?? '', /nope/, `the SQL error is the variable's error: ${byName.broken.error}`);
    assert.match(
      byName.proxied.error ?? '',
      /502|Bad Gateway/,
      `the failed request is the variable's error: ${JSON.stringify(byName.proxied)}`
    );
    // Scenes logs each failed variable with console.error, as in Grafana.
    env.assertClean([/SceneVariableSet updateAndValidate error/, /runRequest/]);
  } finally {
    await env.page.unroute(dsQuery);
    env.consoleErrors.length = 0;
  }
});

test('an ad hoc filter with a multi-value operator filters the panel', async () => {
  await openDashboard('logs', '&from=now-1h&to=now');
  await env.page.locator('[data-testid="dashboard-logs"]').waitFor({ timeout: 60_000 });
  const operators = (await env.page.evaluate(
    `window.__sandboxScene.state.$variables.state.variables.find((v) => v.state.name === 'filters')._getOperators().map((o) => o.value)`
  )) as string[];
  assert.ok(operators.includes('=|'), `the ad hoc filter offers "=|" (one of several values): ${operators}`);
  assert.ok(operators.includes('!=|'), `and "!=|": ${operators}`);

  // Two of the programs the unfiltered lines come from.
  const exeOf = (labels: string[]) => labels.map((l) => (JSON.parse(l) as { exe?: string }).exe ?? '');
  const before = exeOf(
    await env.page
      .locator('[data-testid="dashboard-log-row"]')
      .evaluateAll((rows) =>
        rows.map(
          (r) => (r as unknown as { getAttribute(n: string): string | null }).getAttribute('data-labels') ?? '{}'
        )
      )
  );
  const chosen = [...new Set(before)].filter(Boolean).slice(0, 2);
  assert.equal(chosen.length, 2, `lines from two programs at least: ${JSON.stringify([...new Set(before)])}`);
  const filter = { key: 'exe', operator: '=|', value: chosen[0], values: chosen };

  // The panel query is re-run with the filter (Scenes passes it as request.filters).
  const rerun = env.page.waitForRequest(
    (r) => new URL(r.url()).pathname === '/api/ds/query' && /adhocFilters/.test(r.postData() ?? ''),
    { timeout: 60_000 }
  );
  await env.page.evaluate(
    `window.__sandboxScene.state.$variables.state.variables.find((v) => v.state.name === 'filters').updateFilters([${JSON.stringify(filter)}])`
  );
  const sent = (await rerun).postDataJSON() as { queries: Array<{ adhocFilters?: unknown }> };
  assert.deepEqual(sent.queries[0].adhocFilters, [filter]);
  await env.page.waitForFunction(
    `[...document.querySelectorAll('[data-testid="dashboard-log-row"]')].every((r) => ${JSON.stringify(chosen)}.includes(JSON.parse(r.dataset.labels).exe))`,
    null,
    { timeout: 60_000 }
  );
  const after = exeOf(
    await env.page
      .locator('[data-testid="dashboard-log-row"]')
      .evaluateAll((rows) =>
        rows.map(
          (r) => (r as unknown as { getAttribute(n: string): string | null }).getAttribute('data-labels') ?? '{}'
        )
      )
  );
  await env.screenshot(`dashboard-adhoc-multi-${process.env.SANDBOX_GRAFANA ?? 'default'}`);
  assert.ok(after.length > 0, `some lines come from ${chosen}`);
  env.assertClean();
});

test('log context opens both directions at once, each with its lines', async () => {
  await openDashboard('logs', '&from=now-1h&to=now');
  const rows = env.page.locator('[data-testid="dashboard-log-row"]');
  await rows.first().waitFor({ timeout: 60_000 });
  // A line from the middle of the list has lines before and after it.
  const row = rows.nth(10);
  await row.getByTestId('dashboard-log-show-context').click();
  const context = row.getByTestId('dashboard-log-context');
  await context.waitFor({ timeout: 60_000 });
  await env.screenshot(`dashboard-log-context-${process.env.SANDBOX_GRAFANA ?? 'default'}`);
  const errors = await context.getAttribute('data-errors');
  assert.equal(errors, '', `no side failed: ${errors}`);
  const backward = Number(await context.getAttribute('data-backward'));
  const forward = Number(await context.getAttribute('data-forward'));
  assert.ok(backward > 0, `lines before: ${backward}`);
  assert.ok(forward > 0, `lines after: ${forward}`);
  env.assertClean();
});

test('a time series of 6 series over 6 hours is drawn whole', async () => {
  await openDashboard('metrics', '&from=now-6h&to=now');
  const chart = env.page.getByTestId('dashboard-timeseries');
  await chart.waitFor({ timeout: 60_000 });
  await chart.locator('canvas').first().waitFor();
  await env.screenshot(`dashboard-six-series-${process.env.SANDBOX_GRAFANA ?? 'default'}`);
  const series = JSON.parse((await chart.getAttribute('data-series'))!) as Array<{
    name: string;
    first: number;
    last: number;
    points: number;
  }>;
  const from = Number(await chart.getAttribute('data-from'));
  const to = Number(await chart.getAttribute('data-to'));
  const maxDataPoints = env.queryPosts.at(-1)!.body.queries.find((q) => q.refId === 'A')?.maxDataPoints as number;
  const interval = (to - from) / maxDataPoints;
  assert.equal(series.length, 6, `six series: ${series.map((s) => s.name)}`);
  const slack = Math.max(10 * interval, 15 * 60_000);
  for (const s of series) {
    assert.ok(s.first - from < slack, `${s.name} starts at the range start (${new Date(s.first).toISOString()})`);
    assert.ok(to - s.last < slack, `${s.name} reaches the range end (${new Date(s.last).toISOString()})`);
  }
  const notices = await env.page.locator('[data-testid="dashboard-panel-error"]').count();
  assert.equal(notices, 0, 'no error on the panel');
  assert.ok(Number(await chart.getAttribute('data-annotations')) > 0, 'the error annotations layer returned events');
  env.assertClean();
});
