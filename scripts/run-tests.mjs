#!/usr/bin/env node
// Runs every test suite of the project and ends with one line `N passed, N failed, N skipped`.
//   node scripts/run-tests.mjs [--no-build] [--only static|node|jest|browser] [files...]
// Suites: Node tests (tests/**/*.test.ts, node:test through tsx), component tests
// (src/**/*.test.ts[x], jest), and browser tests (tests/browser/**/*.test.ts, node:test,
// one file at a time). The built artefacts (dist/) are produced first so that tests
// exercise exactly what Grafana would load.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import { buildGoHost } from './build-go-host.mjs';
import { ensureChromium } from './ensure-chromium.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
let only;
const explicitFiles = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') {
    only = args[++i];
  } else if (!args[i].startsWith('--')) {
    explicitFiles.push(args[i]);
  }
}

function walk(dir, out = []) {
  if (!existsSync(dir)) {
    return out;
  }
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) {
      continue;
    }
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) {
      walk(p, out);
    } else {
      out.push(p);
    }
  }
  return out;
}

function run(cmd, cmdArgs, opts = {}) {
  console.log(`\n$ ${cmd} ${cmdArgs.join(' ')}`);
  return spawnSync(cmd, cmdArgs, {
    cwd: root,
    stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...opts.env },
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];

// node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" / "ℹ skipped N" lines.
function countNodeTest(output, label, status) {
  const num = (key) => {
    const m = output.match(new RegExp(`^\\S*\\s*${key} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : undefined;
  };
  const pass = num('pass');
  const fail = num('fail');
  const skipped = (num('skipped') ?? 0) + (num('todo') ?? 0);
  if (pass === undefined || fail === undefined) {
    problems.push(`${label}: no test summary (exit ${status})`);
    totals.failed += 1;
    return;
  }
  totals.passed += pass;
  totals.failed += fail;
  totals.skipped += skipped;
  if (status !== 0 && fail === 0) {
    problems.push(`${label}: exited ${status} with no failing test`);
    totals.failed += 1;
  }
}

function runNodeTests(files, label, extra = [], env = {}) {
  if (files.length === 0) {
    return;
  }
  const res = run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files], {
    capture: true,
    env,
  });
  process.stdout.write(res.stdout ?? '');
  countNodeTest(res.stdout ?? '', label, res.status);
}

if (!noBuild) {
  for (const script of ['build:backend', 'build']) {
    const res = run('npm', ['run', '--silent', script]);
    if (res.status !== 0) {
      problems.push(`npm run ${script} failed`);
      totals.failed += 1;
    }
  }
}

const testsDir = path.join(root, 'tests');
const allNode = walk(testsDir).filter((f) => f.endsWith('.test.ts'));
const pick = (files) =>
  explicitFiles.length ? files.filter((f) => explicitFiles.some((e) => f.endsWith(e) || f.includes(e))) : files;
const browserFiles = pick(allNode.filter((f) => f.includes(`${path.sep}browser${path.sep}`)));
const nodeFiles = pick(allNode.filter((f) => !f.includes(`${path.sep}browser${path.sep}`)));

// Static checks count as one test each: types and lint must hold for CI to pass.
if (!only || only === 'static') {
  for (const script of ['typecheck', 'lint']) {
    const res = run('npm', ['run', '--silent', script]);
    if (res.status === 0) {
      totals.passed += 1;
    } else {
      problems.push(`npm run ${script} failed`);
      totals.failed += 1;
    }
  }
}

if (!only || only === 'node') {
  // The go-plugin host test runs Grafana's real plugin client: build it up front (apt-installing
  // Go and Debian's go-plugin/grpc sources when root); when unavailable the test skips saying why.
  if (nodeFiles.some((f) => f.includes('go-plugin-host'))) {
    const goHost = buildGoHost();
    if (!goHost.ok && goHost.unavailable) {
      console.log(`go-plugin host tests will be skipped: ${goHost.reason}`);
    } else if (!goHost.ok) {
      problems.push(goHost.reason);
      totals.failed += 1;
    }
  }
  runNodeTests(nodeFiles, 'node tests', ['--test-concurrency=2']);
}

if (!only || only === 'jest') {
  const hasJest = walk(path.join(root, 'src')).some((f) => /\.test\.tsx?$/.test(f));
  if (hasJest) {
    mkdirSync(path.join(root, 'test-results'), { recursive: true });
    const out = path.join(root, 'test-results', 'jest.json');
    const res = run(
      process.execPath,
      [
        path.join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--ci',
        '--maxWorkers=2',
        '--json',
        `--outputFile=${out}`,
      ],
      { env: { TZ: 'UTC' } }
    );
    if (existsSync(out)) {
      const r = JSON.parse(readFileSync(out, 'utf8'));
      totals.passed += r.numPassedTests;
      totals.failed += r.numFailedTests;
      totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      if (r.numFailedTestSuites > 0 && r.numFailedTests === 0) {
        problems.push(`jest: ${r.numFailedTestSuites} suite(s) failed to run`);
        totals.failed += r.numFailedTestSuites;
      }
    } else {
      problems.push(`jest: no results (exit ${res.status})`);
      totals.failed += 1;
    }
  }
}

if ((!only || only === 'browser') && browserFiles.length > 0) {
  const chromium = ensureChromium();
  if (chromium.ok) {
    // Once per Grafana host of the sandbox (dev/sandbox/hosts/hosts.json): module.js on React 19
    // with the newest @grafana/* 13.x, and on React 18 with the oldest supported 12.x.
    const hosts = JSON.parse(readFileSync(path.join(root, 'dev', 'sandbox', 'hosts', 'hosts.json'), 'utf8'));
    for (const host of hosts.browserTests) {
      runNodeTests(browserFiles, `browser tests on ${host}`, ['--test-concurrency=1'], { SANDBOX_GRAFANA: host });
    }
  } else {
    problems.push(`browser tests not run: ${chromium.reason}`);
    totals.failed += 1;
  }
}

for (const p of problems) {
  console.log(`problem: ${p}`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
