#!/usr/bin/env node
// Builds the backend executable Grafana launches: dist/gpx_micromegas_linux_amd64.
//   node scripts/build-backend.mjs [--if-stale]
// Steps: esbuild bundles pkg/main.ts (and every dependency) into one CommonJS file,
// Node turns it into a single-executable-application blob, postject injects the
// blob into a copy of this machine's node binary. Only linux_amd64 can be built
// here: a SEA is made from the running node binary, so other platforms need that
// platform's node binary (and a build on that platform).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arch = { x64: 'amd64', arm64: 'arm64' }[process.arch] ?? process.arch;
const target = `${process.platform}_${arch}`;
const output = path.join(root, 'dist', `gpx_micromegas_${target}`);
const work = path.join(root, 'node_modules', '.cache', 'gpx-build');
// Per-process intermediates: test files may call this script concurrently.
const bundle = path.join(work, `gpx_micromegas.${process.pid}.cjs`);
const blob = path.join(work, `sea-prep.${process.pid}.blob`);
const seaConfig = path.join(work, `sea-config.${process.pid}.json`);
const lock = path.join(work, 'build.lock');
const LOCK_STALE_MS = 180_000;
// Fixed by Node: the fuse postject flips to mark the binary as a SEA.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

if (target !== 'linux_amd64') {
  console.error(
    `warning: building for ${target}; Grafana's published images expect linux_amd64 (dist/gpx_micromegas_linux_amd64)`
  );
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) {return newest;}
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) {continue;}
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

const ifStale = process.argv.includes('--if-stale');

function upToDate() {
  if (!existsSync(output)) {return false;}
  const sources = Math.max(
    newestMtime(path.join(root, 'pkg')),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(path.join(root, 'package-lock.json')).mtimeMs
  );
  return statSync(output).mtimeMs > sources;
}

if (ifStale && upToDate()) {
  console.log(`${path.relative(root, output)} is up to date`);
  process.exit(0);
}

mkdirSync(work, { recursive: true });
mkdirSync(path.dirname(output), { recursive: true });

// One build at a time; a second caller waits, then rebuilds only if still needed.
async function acquireLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') {throw e;}
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) {rmSync(lock, { recursive: true, force: true });}
      } catch {
        // The holder just released it.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
await acquireLock();
const releaseLock = () => rmSync(lock, { recursive: true, force: true });
const cleanup = () => {
  for (const f of [bundle, blob, seaConfig]) {rmSync(f, { force: true });}
  releaseLock();
};
process.on('exit', cleanup);
if (ifStale && upToDate()) {
  console.log(`${path.relative(root, output)} is up to date (built by a concurrent caller)`);
  process.exit(0);
}

// The output's mtime is set to this instant, so a source edited during the build counts as newer.
const started = Date.now();
const esbuild = await import('esbuild');
const result = await esbuild.build({
  entryPoints: [path.join(root, 'pkg', 'main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  // Names stay readable in stack traces that reach the logs.
  keepNames: true,
  sourcemap: false,
  legalComments: 'none',
  // The dev server (DuckDB, a native module) never belongs in the product.
  external: ['@duckdb/*'],
  logLevel: 'warning',
  metafile: true,
});
for (const input of Object.keys(result.metafile.inputs)) {
  if (input.includes('pkg/devserver/') || input.includes('@duckdb')) {
    console.error(`error: the backend bundle pulls in ${input}; product code must not import the dev server`);
    process.exit(1);
  }
}

writeFileSync(
  seaConfig,
  JSON.stringify(
    { main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, useSnapshot: false },
    null,
    2
  )
);
try {
  execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
} catch (e) {
  console.error(`node --experimental-sea-config failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}

// Write to a temporary name and rename, so a running test never sees a half-written file.
const tmp = `${output}.tmp-${process.pid}`;
copyFileSync(process.execPath, tmp);
chmodSync(tmp, 0o755);
try {
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
      tmp,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      SEA_FUSE,
    ],
    // postject warns about unrelated ELF notes on every run; show its output only on failure.
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
  );
} catch (e) {
  rmSync(tmp, { force: true });
  console.error(`postject failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  process.exit(1);
}
rmSync(output, { force: true });
renameSync(tmp, output);
utimesSync(output, started / 1000, started / 1000);
const size = statSync(output).size;
const bundleSize = statSync(bundle).size;
console.log(
  `built ${path.relative(root, output)} (${(size / 1e6).toFixed(1)} MB, bundle ${(bundleSize / 1e6).toFixed(2)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`
);
