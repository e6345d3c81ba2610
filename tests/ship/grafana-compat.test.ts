// Which Grafana versions can load the plugin's frontend:
// - Grafana's own API compatibility checker, @grafana/levitate (npm), compares the @grafana/*
//   exports src/module.ts imports (as built against the root package.json versions) with the
//   published packages of the lowest version src/plugin.json claims, the newest 12.x and the
//   newest 13.x (the version the sandbox's React 19 host runs, dev/sandbox/hosts/grafana-13).
// - Grafana 13 shares React 19 with plugins (Grafana's "Migrate plugins from Grafana 12.x to
//   13.x" guide): the built module.js must not bundle a JSX runtime (React 19 rejects elements
//   made by React 18's) nor call APIs React 19 removed, also inside bundled dependencies, and
//   may only import modules Grafana shares (public/app/features/plugins/loader/sharedDependencies.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT } from '../harness/grafana-host';

const MODULE_JS = path.join(REPO_ROOT, 'dist', 'module.js');
const PLUGIN_JSON = path.join(REPO_ROOT, 'src', 'plugin.json');
const NEWEST_12 = '12.4.10';
const hostVersion = (host: string) =>
  (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'dev', 'sandbox', 'hosts', host, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies['@grafana/data'];

/** The lower bound of plugin.json's grafanaDependency (">=11.6.0" → "11.6.0"). */
export function lowestGrafana(): string {
  const dep = (JSON.parse(readFileSync(PLUGIN_JSON, 'utf8')) as { dependencies: { grafanaDependency: string } })
    .dependencies.grafanaDependency;
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(dep.trim());
  assert.ok(m, `grafanaDependency "${dep}" is not of the form ">=X.Y.Z"`);
  return m[1];
}

/** One levitate run (its own TMPDIR: levitate unpacks tarballs into os.tmpdir()/<name@version>). */
function levitate(version: string): Promise<{ code: number | null; output: string }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), `levitate-${version}-`));
  const target = ['data', 'ui', 'runtime'].map((p) => `@grafana/${p}@${version}`).join(',');
  const bin = path.join(REPO_ROOT, 'node_modules', '@grafana', 'levitate', 'dist', 'bin.js');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'is-compatible', '--path', 'src/module.ts', '--target', target], {
      cwd: REPO_ROOT,
      env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      rmSync(tmp, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

test('levitate: src/module.ts is compatible with the lowest supported Grafana, the newest 12.x and 13.x', async () => {
  const versions = [lowestGrafana(), NEWEST_12, hostVersion('grafana-13')];
  // Two at a time: each run type-checks two versions of @grafana/ui.
  const results: Array<{ version: string; code: number | null; output: string }> = [];
  for (let i = 0; i < versions.length; i += 2) {
    results.push(
      ...(await Promise.all(versions.slice(i, i + 2).map(async (v) => ({ version: v, ...(await levitate(v)) }))))
    );
  }
  for (const r of results) {
    assert.equal(r.code, 0, `levitate against Grafana ${r.version} failed:\n${r.output}`);
    assert.match(r.output, /appears to be compatible with/, `levitate against ${r.version}:\n${r.output}`);
  }
});

/** Modules Grafana shares with plugins in every supported version (sharedDependencies.ts). */
const SHARED = new Set([
  'module',
  '@emotion/css',
  '@emotion/react',
  '@grafana/data',
  '@grafana/runtime',
  '@grafana/ui',
  'react',
  'react-dom',
  'rxjs',
  'lodash',
  'moment',
  'jquery',
  'i18next',
]);

test('module.js fits React 19 and React 18 hosts: no bundled JSX runtime, no removed React API, only shared imports', (t) => {
  if (!existsSync(MODULE_JS)) {
    assert.fail('dist/module.js is missing: run npm run build');
  }
  const js = readFileSync(MODULE_JS, 'utf8');
  // After create-plugin's banner comments, the file is one AMD define([...deps], factory).
  const define = /^(?:\s*\/\*.*?\*\/)*\s*define\((\[[^\]]*\])/s.exec(js);
  assert.ok(define, 'module.js is an AMD define([...deps], factory)');
  const deps = JSON.parse(define[1]) as string[];
  const unshared = deps.filter((d) => !SHARED.has(d));
  assert.deepEqual(unshared, [], `module.js imports modules Grafana does not share with every version: ${unshared}`);
  // A bundled jsx-runtime creates elements tagged with its own React's symbol.
  assert.doesNotMatch(js, /Symbol\.for\("react\.(transitional\.)?element"\)/, 'module.js bundles a JSX runtime');
  assert.doesNotMatch(js, /__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED/, 'module.js reads React 18 internals');
  for (const [api, re] of [
    ['ReactDOM.render / unmountComponentAtNode', /\.(render|hydrate|unmountComponentAtNode)\(\s*[^,()]+,\s*document/],
    ['findDOMNode', /findDOMNode/],
    ['createFactory', /createFactory/],
    ['legacy context (contextTypes / childContextTypes)', /childContextTypes|contextTypes\s*[=:]/],
    ['string refs', /\bref:\s*"[A-Za-z]/],
    ['defaultProps', /\.defaultProps\s*=/],
    ['propTypes', /\.propTypes\s*=/],
  ] as const) {
    assert.doesNotMatch(js, re, `module.js uses ${api}, removed in React 19`);
  }
  t.diagnostic(`module.js imports: ${deps.join(', ')}`);
});
