#!/usr/bin/env node
// Runs every test suite of the project and ends with one line `N passed, N failed, N skipped`.
//   node scripts/run-tests.mjs [--no-build] [--only static|node|jest|browser] [files...]
// Suites: Node tests (tests/**/*.test.ts, node:test through tsx), component tests
// (src/**/*.test.ts[x], jest), and browser tests (tests/browser/**/*.test.ts, node:test,
// one file at a time). The built artefacts (dist/) are produced first so that tests
// exercise exactly what Grafana would load. Counts come from node:test's own events
// (scripts/test-events-reporter.mjs) and jest's JSON, never from parsing text; every skip
// is listed with its reason. Under CI=true the pieces from outside the repository (golden
// frames in ../shared, the Go host, Chromium) are required: a test skipped for lack of one
// (tests/harness/required.ts) fails the run; elsewhere it skips saying what to install.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

import { buildGoHost } from './build-go-host.mjs';
import { ensureApt } from './ensure-apt.mjs';
import { ensureChromium } from './ensure-chromium.mjs';
import { REQUIRED_SKIP_PREFIX } from './required-pieces.mjs';

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
    stdio: 'inherit',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...opts.env },
  });
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const problems = [];
const skips = [];
// Under CI every required piece must be present: a required skip is a failure there.
const ci = process.env.CI === 'true' || process.env.CI === '1';

/** A required piece is missing: fails under CI, else counts as a skip naming what to install. */
function missingPiece(what, reason) {
  if (ci) {
    problems.push(`${what}: ${reason} (required under CI)`);
    totals.failed += 1;
  } else {
    skips.push(`${what}: ${reason}`);
    totals.skipped += 1;
  }
}

/**
 * Counts node:test's own events (scripts/test-events-reporter.mjs wrote one JSON line per
 * finished test or suite). Tests count as passed/failed/skipped; a suite counts only when it
 * was skipped (its tests never ran: one skip, named) or failed for its own reason (a hook, or
 * an error while loading its file), never for failing subtests, which are counted themselves.
 */
function countEvents(eventsFile, label, status) {
  const lines = existsSync(eventsFile) ? readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean) : [];
  let failedHere = 0;
  for (const line of lines) {
    const e = JSON.parse(line);
    const where = `${e.file ? path.relative(root, e.file) : label}: ${e.name}`;
    const skipReason = e.skip ?? e.todo;
    if (e.result === 'fail') {
      // Counted elsewhere: the failing subtests themselves, or the suite whose hook failed.
      if (e.failureType === 'subtestsFailed' || e.failureType === 'cancelledByParent') {
        continue;
      }
      totals.failed += 1;
      failedHere += 1;
      if (e.kind === 'suite' || e.failureType !== 'testCodeFailure') {
        problems.push(`${where} (${e.kind}) failed: ${e.failureType ?? 'error'}`);
      }
    } else if (skipReason !== undefined) {
      const required = skipReason.startsWith(REQUIRED_SKIP_PREFIX);
      if (ci && required) {
        totals.failed += 1;
        failedHere += 1;
        problems.push(`${where} (${e.kind}) skipped under CI: ${skipReason}`);
      } else {
        totals.skipped += 1;
        skips.push(`${where} (${e.kind}${e.todo !== undefined ? ', todo' : ''})${skipReason ? `: ${skipReason}` : ''}`);
      }
    } else if (e.kind === 'test') {
      totals.passed += 1;
    }
  }
  if (lines.length === 0) {
    problems.push(`${label}: node:test reported no test (exit ${status})`);
    totals.failed += 1;
  } else if (status !== 0 && failedHere === 0) {
    problems.push(`${label}: exited ${status} with no failing test`);
    totals.failed += 1;
  }
}

function runNodeTests(files, label, extra = [], env = {}) {
  if (files.length === 0) {
    return;
  }
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  const eventsFile = path.join(root, 'test-results', `${label.replace(/\W+/g, '-')}.events.jsonl`);
  rmSync(eventsFile, { force: true });
  const reporters = [
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts', 'test-events-reporter.mjs')}`,
    `--test-reporter-destination=${eventsFile}`,
  ];
  const res = run(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...extra, ...files], { env });
  countEvents(eventsFile, label, res.status);
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
      if (ci) {
        problems.push(`Go host unavailable (required under CI): ${goHost.reason}`);
        totals.failed += 1;
      }
    } else if (!goHost.ok) {
      problems.push(goHost.reason);
      totals.failed += 1;
    }
  }
  // The release tests' Debian packages, once up front (tests/ship asks again and skips, or fails under CI, if missing).
  if (nodeFiles.some((f) => f.includes(`${path.sep}ship${path.sep}`)) && process.platform === 'linux') {
    const apt = ensureApt('busybox', 'qemu', 'cross-arm64', ...(process.arch === 'x64' ? ['wine'] : []));
    if (!apt.ok) {
      console.log(`release tests: ${apt.reason}`);
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
    missingPiece(`browser tests (${browserFiles.length} files) not run`, chromium.reason);
  }
}

for (const s of skips) {
  console.log(`skipped: ${s}`);
}
for (const p of problems) {
  console.log(`problem: ${p}`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
