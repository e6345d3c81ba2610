// The query builder in Chromium (sandbox panel editor, real backend and dev server): every
// mode builds SQL from the server's pickers and runs; SQL mode keeps the builder's SQL; an
// edit the builder cannot represent keeps the SQL editor with the reason.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { Page } from 'playwright-core';

import { startBrowserEnv, type BrowserEnv } from './env';
import { runQuery, setSql } from './panel-helpers';

let env: BrowserEnv;

before(async () => {
  env = await startBrowserEnv();
});

after(async () => {
  await env?.close();
});

async function values(body: Record<string, unknown>): Promise<string[]> {
  const res = await fetch(`${env.sandbox.url}/api/datasources/uid/micromegas-sandbox/resources/values`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { values: string[] }).values;
}

/** The builder's mode radios come after the Format radios (Logs and Table exist in both). */
async function chooseMode(page: Page, mode: string): Promise<void> {
  await page.getByRole('radio', { name: mode, exact: true }).last().click();
}

/** Types into a builder picker and clicks the value once the server's list (values resource) offers it. */
async function pick(page: Page, label: string, value: string): Promise<void> {
  const box = page.getByRole('combobox', { name: label, exact: true });
  await box.click();
  await box.fill(value);
  await page.getByRole('option', { name: value }).first().click({ timeout: 30_000 });
}

async function generatedSql(page: Page): Promise<string> {
  return (await page.getByTestId('micromegas-builder-sql').innerText()).trim();
}

/** Waits until the live SQL contains `text`; the timeout message shows the SQL instead. */
async function sqlContains(page: Page, text: string): Promise<void> {
  const shown = page.getByTestId('micromegas-builder-sql');
  try {
    await shown.filter({ hasText: text }).waitFor({ timeout: 15_000 });
  } catch {
    assert.fail(`the generated SQL does not contain ${text}:\n${await shown.innerText()}`);
  }
}

async function runAndCountRows(page: Page): Promise<number> {
  await runQuery(page);
  const results = page.getByTestId('sandbox-results');
  assert.equal(await results.getAttribute('data-state'), 'Done', await results.innerText());
  return Number(await results.getAttribute('data-rows'));
}

test('every builder mode builds SQL from the pickers and runs', async () => {
  const { page } = env;
  await env.open('/panel');
  await page.getByRole('radio', { name: 'Builder', exact: true }).click();

  // Logs (the default mode).
  await page.getByTestId('micromegas-builder-sql').waitFor();
  assert.match(await generatedSql(page), /FROM log_entries\nWHERE \$__timeFilter\(time\)/);
  assert.ok((await runAndCountRows(page)) > 0, 'logs rows');
  await env.screenshot('builder-logs');

  // Metrics: a measure from the values resource.
  await chooseMode(page, 'Metrics');
  await pick(page, 'Measure', 'cpu_usage');
  await sqlContains(page, "name = 'cpu_usage'");
  assert.ok((await runAndCountRows(page)) > 0, 'metrics rows');
  await env.screenshot('builder-metrics');

  // Spans: a process and one of its thread streams.
  const [pid] = await values({ table: 'processes', column: 'process_id', limit: 1000 });
  const streams = await values({
    table: 'streams',
    column: 'stream_id',
    filters: [{ key: 'process_id', operator: '=', value: pid }],
  });
  await chooseMode(page, 'Spans');
  await pick(page, 'Process', pid);
  let rows = 0;
  for (const sid of streams) {
    await pick(page, 'Thread', sid);
    await sqlContains(page, `view_instance('thread_spans', '${sid}')`);
    rows = await runAndCountRows(page);
    if (rows > 0) {
      break; // a cpu stream (the others are log/metrics streams without spans)
    }
  }
  assert.ok(rows > 0, 'spans rows');
  await env.screenshot('builder-spans');

  // Processes.
  await chooseMode(page, 'Processes');
  assert.match(await generatedSql(page), /FROM processes/);
  assert.ok((await runAndCountRows(page)) > 0, 'process rows');
  await env.screenshot('builder-processes');

  // Table.
  await chooseMode(page, 'Table');
  await pick(page, 'Table', 'log_entries');
  await sqlContains(page, 'FROM log_entries');
  assert.ok((await runAndCountRows(page)) > 0, 'table rows');
  await env.screenshot('builder-table');
  env.assertClean();
});

test('SQL mode keeps the builder SQL; an edit it cannot represent stays in SQL with the reason', async () => {
  const { page } = env;
  await env.open('/panel');
  await page.getByRole('radio', { name: 'Builder', exact: true }).click();
  await chooseMode(page, 'Processes');
  const built = await generatedSql(page);

  await page.getByRole('radio', { name: 'SQL', exact: true }).click();
  const lines = '[data-testid="micromegas-sql-editor"] .view-lines';
  const editor = page.locator(lines).first();
  await editor.waitFor();
  const normalized = (s: string) =>
    s
      .replace(/\u00a0/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  // Monaco lays its lines out over several frames: wait until the view shows the statement
  // (or time out), then compare, so a mismatch is reported with both texts.
  await page
    .waitForFunction(
      `(() => {
        const el = document.querySelector(${JSON.stringify(lines)});
        return el !== null && el.innerText.replace(/\\u00a0/g, ' ').replace(/\\s+/g, ' ').trim() === ${JSON.stringify(normalized(built))};
      })()`,
      null,
      { timeout: 15_000 }
    )
    .catch(() => undefined);
  assert.equal(normalized(await editor.innerText()), normalized(built));

  // Unchanged: back to the builder.
  await page.getByRole('radio', { name: 'Builder', exact: true }).click();
  await page.getByTestId('micromegas-builder-sql').waitFor();

  // Edited: the builder refuses and the SQL stays.
  await page.getByRole('radio', { name: 'SQL', exact: true }).click();
  const edited = built.replace('LIMIT 100', 'LIMIT 3');
  await setSql(page, edited);
  await page.getByRole('radio', { name: 'Builder', exact: true }).click();
  await page.getByText('The builder cannot show this SQL').waitFor();
  await env.screenshot('builder-not-representable');
  assert.equal(await page.getByTestId('micromegas-builder-sql').count(), 0);
  assert.equal(await runAndCountRows(page), 3);
  env.assertClean();
});
