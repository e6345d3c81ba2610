#!/usr/bin/env node
// Builds the backend executables Grafana launches: dist/gpx_micromegas_<os>_<arch>.
//   node scripts/build-backend.mjs [--arch native|amd64|arm64|all] [--if-stale]
// Steps: esbuild bundles pkg/main.ts (and every dependency) into one CommonJS file,
// Node turns it into a single-executable-application blob, postject injects the
// blob into a copy of a node binary.
// - native (default): this machine's node binary, blob with V8 code cache (faster start).
// - another Linux arch (e.g. --arch arm64 on amd64): the official node binary of the SAME
//   version for that arch, fetched once from the npm registry (package node-linux-<arch>)
//   into node_modules/.cache/node-binaries. The blob is made without code cache: code
//   cache is V8 machine state of the building node; without it (and without a snapshot)
//   the blob is only JavaScript plus flags, valid for any build of this Node version.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'node_modules', '.cache', 'gpx-build');
// Official node binaries for other architectures; GPX_NODE_CACHE_DIR moves it (CI caches, tests).
const nodeCache = process.env.GPX_NODE_CACHE_DIR
  ? path.resolve(process.env.GPX_NODE_CACHE_DIR)
  : path.join(root, 'node_modules', '.cache', 'node-binaries');
// Per-process intermediates: test files may call this script concurrently.
const bundle = path.join(work, `gpx_micromegas.${process.pid}.cjs`);
const lock = path.join(work, 'build.lock');
const LOCK_STALE_MS = 180_000;
// Fixed by Node: the fuse postject flips to mark the binary as a SEA.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

// Grafana's arch names → Node's arch names, npm packages of official binaries, ELF e_machine.
const ARCHES = {
  amd64: { nodeArch: 'x64', elfMachine: 62, elfName: 'x86-64' },
  arm64: { nodeArch: 'arm64', elfMachine: 183, elfName: 'aarch64' },
};
const hostArch = Object.keys(ARCHES).find((a) => ARCHES[a].nodeArch === process.arch) ?? process.arch;

function fail(message) {
  console.error(`build-backend: ${message}`);
  process.exit(1);
}

// ---- arguments ----
const argv = process.argv.slice(2);
const ifStale = argv.includes('--if-stale');
let archArg = 'native';
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--arch') {
    archArg = argv[++i];
  } else if (argv[i].startsWith('--arch=')) {
    archArg = argv[i].slice('--arch='.length);
  } else if (argv[i] !== '--if-stale') {
    fail(`unknown argument ${argv[i]}; usage: build-backend.mjs [--arch native|amd64|arm64|all] [--if-stale]`);
  }
}
const archChoices = ['native', 'all', ...Object.keys(ARCHES)];
if (!archChoices.includes(archArg)) {
  fail(`--arch must be one of ${archChoices.join(', ')} (got ${archArg ?? 'nothing'})`);
}

/** One executable to build: its output and which node binary / blob flavour it takes. */
function targetFor(arch) {
  const native = arch === 'native' || (process.platform === 'linux' && arch === hostArch);
  const os = native ? process.platform : 'linux';
  const name = native ? hostArch : arch;
  return { os, arch: name, native, output: path.join(root, 'dist', `gpx_micromegas_${os}_${name}`) };
}
const targets = (archArg === 'all' ? Object.keys(ARCHES) : [archArg]).map(targetFor);

const nativeTarget = targets.find((t) => t.native);
if (nativeTarget && (nativeTarget.os !== 'linux' || !(nativeTarget.arch in ARCHES))) {
  console.error(
    `warning: building for ${nativeTarget.os}_${nativeTarget.arch}; Grafana's published images expect linux_amd64 or linux_arm64`
  );
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) {
    return newest;
  }
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) {
      continue;
    }
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

function upToDate(target) {
  if (!existsSync(target.output)) {
    return false;
  }
  const sources = Math.max(
    newestMtime(path.join(root, 'pkg')),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(path.join(root, 'package-lock.json')).mtimeMs
  );
  return statSync(target.output).mtimeMs > sources;
}

const rel = (p) => path.relative(root, p);
let pending = ifStale ? targets.filter((t) => !upToDate(t)) : targets;
for (const t of targets) {
  if (!pending.includes(t)) {
    console.log(`${rel(t.output)} is up to date`);
  }
}
if (pending.length === 0) {
  process.exit(0);
}

mkdirSync(work, { recursive: true });
mkdirSync(path.join(root, 'dist'), { recursive: true });

// One build at a time; a second caller waits, then rebuilds only if still needed.
async function acquireLock() {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (e) {
      if (e.code !== 'EEXIST') {
        throw e;
      }
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) {
          rmSync(lock, { recursive: true, force: true });
        }
      } catch {
        // The holder just released it.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
await acquireLock();
const temporaries = new Set([bundle]);
process.on('exit', () => {
  for (const f of temporaries) {
    rmSync(f, { recursive: true, force: true });
  }
  rmSync(lock, { recursive: true, force: true });
});
if (ifStale) {
  pending = pending.filter((t) => {
    if (!upToDate(t)) {
      return true;
    }
    console.log(`${rel(t.output)} is up to date (built by a concurrent caller)`);
    return false;
  });
  if (pending.length === 0) {
    process.exit(0);
  }
}

// ---- node binaries for other architectures ----

/** Reads the ELF header; returns why the file is not a 64-bit little-endian ELF for `arch`, or ''. */
function elfMismatch(file, arch) {
  const header = Buffer.alloc(20);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) {
    return 'it is not an ELF file';
  }
  if (header[4] !== 2 || header[5] !== 1) {
    return 'it is not a 64-bit little-endian ELF file';
  }
  const machine = header.readUInt16LE(18);
  const { elfMachine, elfName } = ARCHES[arch];
  return machine === elfMachine ? '' : `its ELF machine is ${machine}, not ${elfMachine} (${elfName})`;
}

function npmRegistry() {
  const res = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : 'the configured npm registry';
}

/** The official node binary of this Node version for linux/<arch>, downloaded once with `npm pack`. */
function nodeBinaryFor(arch) {
  const version = process.versions.node;
  const pkg = `node-linux-${ARCHES[arch].nodeArch}`;
  const dir = path.join(nodeCache, `${pkg}-${version}`);
  const binary = path.join(dir, 'node');
  if (existsSync(binary)) {
    const why = elfMismatch(binary, arch);
    if (!why) {
      return binary;
    }
    console.error(`build-backend: discarding cached ${binary}: ${why}`);
    rmSync(dir, { recursive: true, force: true });
  }
  const download = path.join(nodeCache, `download-${process.pid}`);
  temporaries.add(download);
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  const spec = `${pkg}@${version}`;
  console.log(
    `build-backend: fetching ${spec} (the official linux ${ARCHES[arch].nodeArch} node v${version}) from the npm registry`
  );
  // npm pack checks the tarball against the registry's integrity hash. One retry unless the
  // caller's npm_config_* environment says otherwise.
  const res = spawnSync('npm', ['pack', spec, '--pack-destination', download, '--json', '--silent'], {
    encoding: 'utf8',
    cwd: download,
    maxBuffer: 16 << 20,
    env: {
      ...process.env,
      npm_config_fetch_retries: process.env.npm_config_fetch_retries ?? '1',
      npm_config_fetch_timeout: process.env.npm_config_fetch_timeout ?? '60000',
    },
  });
  if (res.status !== 0 || res.error) {
    // With --json, npm reports failures as {"error": {"code", "summary", "detail"}} on stdout.
    let npmError = {};
    try {
      npmError = JSON.parse(res.stdout).error ?? {};
    } catch {
      npmError = { summary: `${res.stderr ?? ''} ${res.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ') };
    }
    const code = npmError.code ?? res.error?.code ?? `exit ${res.status}`;
    const reason =
      res.error?.code === 'ENOENT'
        ? 'npm is not on PATH'
        : code === 'E404' || code === 'ETARGET'
          ? `the registry has no ${spec} (is this an official Node release? process.version is ${process.version})`
          : `cannot reach ${npmRegistry()} (${code})`;
    fail(
      `building linux_${arch} needs ${spec} from the npm registry, but ${reason}.\n` +
        `  Check the network / npm registry and proxy settings, or place the official linux-${ARCHES[arch].nodeArch} node binary of v${version} at ${binary}.\n` +
        `  npm said: ${npmError.summary || res.error?.message || '(nothing)'}`
    );
  }
  let tarball;
  try {
    tarball = path.join(download, JSON.parse(res.stdout)[0].filename);
  } catch {
    tarball = path.join(download, readdirSync(download).find((f) => f.endsWith('.tgz')) ?? '');
  }
  if (!existsSync(tarball)) {
    fail(`npm pack ${spec} did not leave a tarball in ${download}`);
  }
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', download, 'package/bin/node'], { encoding: 'utf8' });
  if (tar.status !== 0) {
    fail(`cannot extract package/bin/node from ${tarball}: ${tar.stderr || tar.error?.message}`);
  }
  const extracted = path.join(download, 'package', 'bin', 'node');
  const why = elfMismatch(extracted, arch);
  if (why) {
    fail(`${spec}'s bin/node is not a linux ${ARCHES[arch].elfName} executable: ${why}`);
  }
  chmodSync(extracted, 0o755);
  mkdirSync(dir, { recursive: true });
  renameSync(extracted, binary);
  rmSync(download, { recursive: true, force: true });
  temporaries.delete(download);
  return binary;
}

// Downloads first: a missing binary fails the build before any work.
const nodeBinaries = new Map(pending.map((t) => [t, t.native ? process.execPath : nodeBinaryFor(t.arch)]));

// ---- bundle ----

// An output's mtime is set to this instant, so a source edited during the build counts as newer.
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
    fail(`the backend bundle pulls in ${input}; product code must not import the dev server`);
  }
}

/** Makes the SEA blob; code cache only when the blob runs on the node that makes it. */
function makeBlob(useCodeCache) {
  const flavour = useCodeCache ? 'codecache' : 'portable';
  const blob = path.join(work, `sea-prep.${process.pid}.${flavour}.blob`);
  const seaConfig = path.join(work, `sea-config.${process.pid}.${flavour}.json`);
  temporaries.add(blob);
  temporaries.add(seaConfig);
  writeFileSync(
    seaConfig,
    JSON.stringify(
      { main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache, useSnapshot: false },
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
    fail(`node --experimental-sea-config failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  return blob;
}

const blobs = new Map();
for (const target of pending) {
  const t0 = Date.now();
  if (!blobs.has(target.native)) {
    blobs.set(target.native, makeBlob(target.native));
  }
  // Write to a temporary name and rename, so a running test never sees a half-written file.
  const tmp = `${target.output}.tmp-${process.pid}`;
  temporaries.add(tmp);
  copyFileSync(nodeBinaries.get(target), tmp);
  chmodSync(tmp, 0o755);
  try {
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
        tmp,
        'NODE_SEA_BLOB',
        blobs.get(target.native),
        '--sentinel-fuse',
        SEA_FUSE,
      ],
      // postject warns about unrelated ELF notes on every run; show its output only on failure.
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
    );
  } catch (e) {
    fail(`postject failed for ${rel(target.output)}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  renameSync(tmp, target.output);
  temporaries.delete(tmp);
  utimesSync(target.output, started / 1000, started / 1000);
  const size = statSync(target.output).size;
  console.log(
    `built ${rel(target.output)} (${(size / 1e6).toFixed(1)} MB, bundle ${(statSync(bundle).size / 1e6).toFixed(2)} MB, ` +
      `${target.native ? 'native, code cache' : `node v${process.versions.node} ${target.os}-${ARCHES[target.arch].nodeArch}, no code cache`}) ` +
      `in ${((Date.now() - (target === pending[0] ? started : t0)) / 1000).toFixed(1)} s`
  );
}
