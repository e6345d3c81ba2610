// SQL editor autocomplete in Chromium: Monaco (from node_modules, through @grafana/ui) with
// the plugin's completion provider fed by the backend's tables/columns resources.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startBrowserEnv, type BrowserEnv } from './env';
import { runQuery, setSql } from './panel-helpers';

let env: BrowserEnv;

before(async () => {
  env = await startBrowserEnv();
});

after(async () => {
  await env?.close();
});

/**
 * Opens Monaco's suggestions (Ctrl+Space) until they include `expected` or ten attempts fail;
 * the first opening may show keyword-only results while the schema resources are loading.
 */
async function suggestionsIncluding(expected: RegExp): Promise<string> {
  const { page } = env;
  const widget = page.locator('.suggest-widget.visible');
  let text = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    await page.keyboard.press('Control+Space');
    await widget.waitFor({ timeout: 15_000 });
    await page.locator('.suggest-widget.visible .monaco-list-row').first().waitFor({ timeout: 15_000 });
    text = await widget.innerText();
    if (expected.test(text)) {
      return text;
    }
    await page.keyboard.press('Escape');
    await page.waitForTimeout(3000);
  }
  return text;
}

test('autocomplete offers tables after FROM and the columns of the table in the statement', async () => {
  const { page } = env;
  await env.open('/panel');
  await setSql(page, 'SELECT * FROM log_');
  const tables = await suggestionsIncluding(/log_entries/);
  await env.screenshot('editor-autocomplete-tables');
  assert.match(tables, /log_entries/, `tables offered: ${tables}`);
  await page.keyboard.press('Escape');

  // Columns of the statement's table, in the select list and after WHERE.
  await setSql(page, 'SELECT  FROM log_entries');
  for (let i = 0; i < ' FROM log_entries'.length; i++) {
    await page.keyboard.press('ArrowLeft');
  }
  const selectList = await suggestionsIncluding(/\bmsg\b/);
  assert.match(selectList, /\bmsg\b/, `columns offered in the select list: ${selectList}`);
  assert.match(selectList, /\blevel\b/, `columns offered in the select list: ${selectList}`);
  await page.keyboard.press('Escape');
  await setSql(page, 'SELECT * FROM log_entries WHERE ');
  const columns = await suggestionsIncluding(/\bmsg\b/);
  await env.screenshot('editor-autocomplete-columns');
  assert.match(columns, /\bmsg\b/, `columns offered: ${columns}`);

  const resourceCalls = env.queryPosts.length; // no query was run by completing
  assert.equal(resourceCalls, 0);
  env.assertClean();
});

/** Puts `before + after` in the editor with the cursor between the two. */
async function setSqlWithCursor(before: string, after: string): Promise<void> {
  const { page } = env;
  await setSql(page, before + after);
  for (let i = 0; i < after.length; i++) {
    await page.keyboard.press('ArrowLeft');
  }
}

/** A process id of the dev server's sample data, from the backend's `values` resource. */
async function someProcessId(): Promise<string> {
  const res = await fetch(`${env.sandbox.url}/api/datasources/uid/micromegas-sandbox/resources/values`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ table: 'processes', column: 'process_id', limit: 1 }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { values } = (await res.json()) as { values: string[] };
  assert.ok(values.length > 0, 'the dev server has processes');
  return values[0];
}

test('a column name being typed in the select list is completed from the statement’s tables, with its type', async () => {
  const { page } = env;
  await env.open('/panel');

  // `SELECT ms| FROM log_entries`: the word before the cursor is a column prefix.
  await setSqlWithCursor('SELECT ms', ' FROM log_entries');
  const afterSelect = await suggestionsIncluding(/\bmsg\b/);
  await env.screenshot('editor-autocomplete-column-prefix');
  assert.match(afterSelect, /\bmsg\b/, `columns offered for "SELECT ms|": ${afterSelect}`);
  assert.match(afterSelect, /Utf8/, `the column's type is shown: ${afterSelect}`);
  // Accepting replaces the typed prefix instead of appending to it.
  await page.locator('.suggest-widget.visible .monaco-list-row', { hasText: /^msg/ }).first().click();
  assert.equal(await editorText(), 'SELECT msg FROM log_entries');

  // After a comma in the select list.
  await setSqlWithCursor('SELECT time, le', ' FROM log_entries');
  const afterComma = await suggestionsIncluding(/\blevel\b/);
  assert.match(afterComma, /\blevel\b/, `columns offered for "SELECT time, le|": ${afterComma}`);
  await page.keyboard.press('Escape');

  // A view set instance as the source.
  const pid = await someProcessId();
  await setSqlWithCursor('SELECT ms', ` FROM view_instance('log_entries', '${pid}')`);
  const viewInstance = await suggestionsIncluding(/\bmsg\b/);
  await env.screenshot('editor-autocomplete-view-instance');
  assert.match(viewInstance, /\bmsg\b/, `columns offered for a view_instance source: ${viewInstance}`);
  await page.keyboard.press('Escape');
  env.assertClean();
});

/** The editor's text as Monaco renders it (non-breaking spaces normalised). */
async function editorText(): Promise<string> {
  const text = await env.page.locator('[data-testid="micromegas-sql-editor"] .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ').trim();
}

test('after a run, the editor shows the time range the backend sent to Micromegas', async () => {
  const { page } = env;
  await env.open('/panel');
  const hint = page.getByTestId('micromegas-sent-range');
  await setSql(page, 'SELECT time, msg FROM log_entries ORDER BY time DESC LIMIT 5');
  assert.equal(await hint.count(), 0, 'no hint before a run');
  await runQuery(page);
  await hint.waitFor({ timeout: 30_000 });
  await env.screenshot('editor-sent-range');
  const text = await hint.innerText();
  const m = /^Sent to Micromegas: (\S+) → (\S+)$/.exec(text.trim());
  assert.ok(m, `hint text: ${text}`);
  // The range the page posted to /api/ds/query, as the backend passed it on.
  const posted = env.queryPosts[env.queryPosts.length - 1].body;
  assert.equal(Date.parse(m[1]), Number(posted.from), `begin ${m[1]} vs posted ${posted.from}`);
  assert.equal(Date.parse(m[2]), Number(posted.to), `end ${m[2]} vs posted ${posted.to}`);

  // Without time binding nothing is sent, and the hint goes away after the next run.
  await page.getByLabel('Bind to dashboard time range').click({ force: true });
  await runQuery(page);
  await hint.waitFor({ state: 'detached', timeout: 30_000 });
  env.assertClean();
});
