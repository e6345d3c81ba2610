// Panel editor actions shared by the browser tests.
import type { Page, Response } from 'playwright-core';

/** Replaces the SQL in the plugin's Monaco editor (inserted as one edit, like a paste). */
export async function setSql(page: Page, sql: string): Promise<void> {
  await page.locator('[data-testid="micromegas-sql-editor"] .monaco-editor').first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (sql) {
    await page.keyboard.insertText(sql);
  }
}

export async function chooseFormat(page: Page, format: 'Table' | 'Time series' | 'Logs'): Promise<void> {
  await page.getByRole('radio', { name: format }).click();
}

/** Clicks the toolbar's Run and waits for /api/ds/query to answer and the panel to settle. */
export async function runQuery(page: Page): Promise<Response> {
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/ds/query', { timeout: 60_000 });
  await page.getByTestId('sandbox-run').click();
  const res = await response;
  await page.waitForSelector('[data-testid="sandbox-results"]:not([data-state="Loading"])', {
    state: 'attached',
    timeout: 60_000,
  });
  return res;
}
