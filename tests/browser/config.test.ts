// Data source settings in the browser: the plugin's ConfigEditor, "Save & test" through the
// sandbox's Grafana routes to the real backend, against a dev server that requires an API key.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startBrowserEnv, type BrowserEnv } from './env';

const GOOD_KEY = 'sandbox-good-key-6f1c';
const BAD_KEY = 'sandbox-wrong-key-93aa';

let env: BrowserEnv;

before(async () => {
  env = await startBrowserEnv({ devserver: { apiKeys: [{ name: 'browser-tests', key: GOOD_KEY }] } });
});

after(async () => {
  await env?.close();
});

async function saveAndTest(): Promise<{ status: string | null; text: string }> {
  const { page } = env;
  await page.getByTestId('sandbox-save-test').click();
  const status = page.getByTestId('sandbox-test-status');
  await status.waitFor({ timeout: 60_000 });
  return { status: await status.getAttribute('data-status'), text: await status.innerText() };
}

test('a wrong token gives a clear error, the right one a working data source; secrets stay write-only', async () => {
  const { page } = env;
  await env.open('/config');
  await page.getByLabel('URL', { exact: true }).fill(env.devserver!.uri);
  await page.getByRole('radio', { name: 'Bearer token' }).click();
  await page.getByLabel('Token', { exact: true }).fill(BAD_KEY);

  const bad = await saveAndTest();
  await env.screenshot('config-wrong-token');
  assert.equal(bad.status, 'error', `expected an error for a wrong token, got: ${bad.text}`);
  assert.match(
    bad.text,
    /token|unauthenticated|api key/i,
    `the message should say the credentials were rejected: ${bad.text}`
  );
  assert.ok(!bad.text.includes(BAD_KEY), 'the token must not be echoed in the error');

  // After saving, the secret shows as configured; reset it and enter the right one.
  await page.getByRole('button', { name: 'Reset' }).click();
  await page.getByLabel('Token', { exact: true }).fill(GOOD_KEY);
  const good = await saveAndTest();
  await env.screenshot('config-save-test-ok');
  assert.equal(good.status, 'success', `expected success, got: ${good.text}`);
  assert.ok(good.text.trim().length > 0, 'the backend health message is shown');

  // Grafana never returns secret values: only secureJsonFields.
  const res = await fetch(`${env.sandbox.url}/api/datasources/uid/micromegas-sandbox`);
  const text = await res.text();
  assert.ok(!text.includes(GOOD_KEY) && !text.includes(BAD_KEY), 'settings answer leaks a secret');
  assert.equal(JSON.parse(text).secureJsonFields.token, true);
  assert.ok(!(await page.content()).includes(GOOD_KEY), 'the page still shows the saved secret');

  // The token never reached the backend's logs.
  const backend = await env.sandbox.backend();
  assert.ok(
    !backend.stderrText().includes(GOOD_KEY) && !backend.stderrText().includes(BAD_KEY),
    'backend logs contain the token'
  );
  env.assertClean();
});
