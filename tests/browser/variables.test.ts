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
  const listed = await Promise.all((await page.getByTestId('sandbox-variable-value').all()).map((l) => l.getAttribute('data-value')));
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
