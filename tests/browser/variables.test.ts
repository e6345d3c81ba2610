// Variables in Chromium: the plugin's variable query editor and the values Grafana would
// offer, from the real backend over the dev server's sample processes.
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

test('a variable query lists distinct values', async () => {
  const { page } = env;
  await env.open('/variables');
  await setSql(page, 'SELECT DISTINCT exe FROM processes ORDER BY exe');
  await page.getByTestId('sandbox-variable-run').click();
  const values = page.getByTestId('sandbox-variable-values');
  await values.waitFor({ timeout: 60_000 });
  const listed = await Promise.all(
    (await page.getByTestId('sandbox-variable-value').all()).map((l) => l.getAttribute('data-value'))
  );
  await env.screenshot('variables-values');
  assert.ok(listed.length > 1, `expected several executables, got ${JSON.stringify(listed)}`);
  assert.equal(new Set(listed).size, listed.length, 'values are distinct');
  assert.deepEqual([...listed].sort(), listed, 'values keep the ORDER BY of the query');

  // A broken variable query shows the server's message instead of values.
  await setSql(page, 'SELECT nope FROM processes');
  await page.getByTestId('sandbox-variable-run').click();
  const error = page.getByTestId('sandbox-variable-error');
  await error.waitFor({ timeout: 60_000 });
  assert.match(await error.innerText(), /nope/);
  env.assertClean();
});

/**
 * Lines each option label of the variable editor's rows takes, and its width: measured in
 * the page from the label's text node (one client rect per rendered line).
 */
async function optionLabels(): Promise<Array<{ text: string; lines: number; width: number }>> {
  return env.page.evaluate(`[...document.querySelectorAll('[data-testid="micromegas-variable-editor"] label')]
    .filter((label) => label.textContent.trim() !== '')
    .map((label) => {
      const text = [...label.childNodes].find((n) => n.nodeType === 3 && n.textContent.trim() !== '') ?? label;
      const range = document.createRange();
      range.selectNodeContents(text);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      return { text: label.textContent.trim(), lines: tops.size, width: Math.round(label.getBoundingClientRect().width) };
    })`);
}

test('the variable editor’s option labels stay on one line and line up', async () => {
  await env.open('/variables');
  await env.page.getByTestId('micromegas-variable-editor').waitFor({ timeout: 30_000 });
  const labels = await optionLabels();
  await env.screenshot('variables-editor-layout');
  assert.deepEqual(
    labels.map((l) => l.text),
    ['Value column', 'Text column', 'Bind to dashboard time range']
  );
  for (const l of labels) {
    assert.equal(l.lines, 1, `"${l.text}" wraps onto ${l.lines} lines`);
  }
  assert.equal(new Set(labels.map((l) => l.width)).size, 1, `labels have one width: ${JSON.stringify(labels)}`);
  env.assertClean();
});
