// SQL editor autocomplete in Chromium: Monaco (from node_modules, through @grafana/ui) with
// the plugin's completion provider fed by the backend's tables/columns resources.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startBrowserEnv, type BrowserEnv } from './env';
import { setSql } from './panel-helpers';

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
    if (expected.test(text)) return text;
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
  for (let i = 0; i < ' FROM log_entries'.length; i++) await page.keyboard.press('ArrowLeft');
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
