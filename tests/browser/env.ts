// Browser test environment: the dev server (sample telemetry), the sandbox (built
// dist/module.js + the real backend executable behind Grafana's routes) and Debian's
// Chromium driven by playwright-core. Collects page errors, console errors and failed
// static requests so that tests can fail on them, and saves screenshots into
// test-results/screenshots/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { chromium, type Browser, type Page, type Request } from 'playwright-core';

import { startSandbox, type Sandbox, type SandboxOptions } from '../../dev/sandbox/server';
import { startDevServer, type DevServer, type DevServerOptions } from '../harness/devserver';
import { REPO_ROOT } from '../harness/grafana-host';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface EnvOptions {
  /** Dev server options; false = none (the data source then points at `jsonData.url`). */
  devserver?: DevServerOptions | false;
  /** jsonData of the data source; `url` defaults to the dev server's. */
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  sandbox?: Omit<SandboxOptions, 'jsonData' | 'secureJsonData'>;
}

export interface QueryPost {
  url: string;
  body: { queries: Array<Record<string, unknown>>; from: string; to: string };
}

export interface BrowserEnv {
  devserver?: DevServer;
  sandbox: Sandbox;
  browser: Browser;
  page: Page;
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  /** console.error messages (network failures are tracked in failedRequests instead). */
  consoleErrors: string[];
  /** Non-API requests (scripts, styles, icons, chunks) that failed or answered ≥ 400. */
  failedRequests: string[];
  /** Bodies of the page's POST /api/ds/query requests, in order. */
  queryPosts: QueryPost[];
  /** Opens a sandbox page (/config, /panel, /variables) and waits until the plugin is loaded. */
  open(page: '/config' | '/panel' | '/variables' | '/dashboard', search?: string): Promise<void>;
  screenshot(name: string): Promise<string>;
  /** Throws when the page reported errors (allow: patterns of expected console errors). */
  assertClean(allow?: RegExp[]): void;
  close(): Promise<void>;
}

export async function startBrowserEnv(options: EnvOptions = {}): Promise<BrowserEnv> {
  let devserver: DevServer | undefined;
  let sandbox: Sandbox | undefined;
  let browser: Browser | undefined;
  try {
    if (options.devserver !== false) {
      devserver = await startDevServer({ scale: 0.05, ...(options.devserver ?? {}) });
    }
    sandbox = await startSandbox({
      ...options.sandbox,
      jsonData: { url: devserver?.uri ?? 'grpc://127.0.0.1:1', authType: 'none', ...options.jsonData },
      secureJsonData: options.secureJsonData,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  } catch (err) {
    await browser?.close().catch(() => {});
    await sandbox?.stop().catch(() => {});
    await devserver?.stop().catch(() => {});
    throw err;
  }
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  const queryPosts: QueryPost[] = [];
  const isApi = (url: string) => new URL(url).pathname.startsWith('/api/');

  page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  page.on('console', (msg) => {
    // "Failed to load resource" duplicates the network events checked below.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      consoleErrors.push(msg.text());
    }
  });
  page.on('requestfailed', (req: Request) => {
    if (!isApi(req.url()) && !/ERR_ABORTED/.test(req.failure()?.errorText ?? '')) {
      failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !isApi(res.url())) {
      failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
    }
  });
  page.on('request', (req) => {
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/ds/query') {
      queryPosts.push({ url: req.url(), body: req.postDataJSON() as QueryPost['body'] });
    }
  });

  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const sb = sandbox;
  const br = browser;
  return {
    devserver,
    sandbox: sb,
    browser: br,
    page,
    pageErrors,
    consoleErrors,
    failedRequests,
    queryPosts,
    async open(p, search = '') {
      await page.goto(`${sb.url}${p}${search}`);
      // The callback runs in the page (no DOM types in this Node program).
      const state = await page.waitForFunction('document.body.dataset.sandboxReady', null, { timeout: 60_000 });
      if ((await state.jsonValue()) !== 'true') {
        const text = await page
          .locator('[data-testid="sandbox-load-error"]')
          .innerText()
          .catch(() => '');
        throw new Error(`the plugin did not load in the sandbox: ${text}`);
      }
    },
    async screenshot(name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    assertClean(allow = []) {
      const unexpected = consoleErrors.filter((m) => !allow.some((re) => re.test(m)));
      const problems = [
        ...pageErrors.map((e) => `page error: ${e}`),
        ...unexpected.map((e) => `console error: ${e}`),
        ...failedRequests.map((e) => `failed request: ${e}`),
      ];
      if (problems.length) {
        throw new Error(`the page reported problems:\n${problems.join('\n')}`);
      }
    },
    async close() {
      await br.close().catch(() => {});
      await sb.stop().catch(() => {});
      await devserver?.stop().catch(() => {});
    },
  };
}
