// `npm run package -- --arch all` writes Grafana's usual set: one zip per platform holding
// only that platform's executable, and one any-platform zip holding every executable, since
// Grafana runs the file named for its own os/arch. Every file that must run keeps its run
// bit; the any-platform zip's Linux executable completes the handshake here. (Each platform's
// own run: tests/ship/empty-root.test.ts for linux amd64/arm64, windows.test.ts under Wine,
// darwin.test.ts for the Mach-O structure and its signature.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import AdmZip from 'adm-zip';

import { startDevServer } from '../harness/devserver';
import { GrafanaHost, pluginContext, REPO_ROOT } from '../harness/grafana-host';

const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
  info?: { version?: string };
};
const PLATFORMS = ['linux_amd64', 'linux_arm64', 'windows_amd64', 'darwin_amd64'];
const exe = (p: string) => `${pluginJson.executable}_${p}${p.startsWith('windows_') ? '.exe' : ''}`;
/** The files of a platform that are executed (the launcher, the SEA, the glibc loader). */
function runnables(p: string): string[] {
  if (!p.startsWith('linux_')) {
    return [exe(p)];
  }
  const loader = p === 'linux_amd64' ? 'ld-linux-x86-64.so.2' : 'ld-linux-aarch64.so.1';
  return [exe(p), `lib/${p}/${pluginJson.executable}`, `lib/${p}/${loader}`];
}

describe(
  'package --arch all',
  {
    skip: existsSync(path.join(REPO_ROOT, 'dist', 'module.js'))
      ? false
      : 'dist/module.js is not built: run `npm run build` (npm test does)',
  },
  () => {
    const work = mkdtempSync(path.join(tmpdir(), 'package-all-'));
    const zips = new Map<string, AdmZip>();
    before(() => {
      // Cached downloads; rebuilt only when pkg/ changed since the last build.
      const build = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'scripts', 'build-backend.mjs'), '--arch', 'all', '--if-stale'],
        { encoding: 'utf8' }
      );
      assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
      const res = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--no-build', '--arch', 'all', '--out', work],
        { encoding: 'utf8' }
      );
      assert.equal(res.status, 0, res.stderr);
      for (const m of res.stdout.matchAll(/wrote \S*?([^/\s]+\.zip)/g)) {
        zips.set(m[1], new AdmZip(path.join(work, m[1])));
      }
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    const version = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
    const base = `${pluginJson.id}-${version}`;

    test('one zip per platform plus the any-platform zip', () => {
      assert.deepEqual([...zips.keys()].sort(), [...PLATFORMS.map((p) => `${base}.${p}.zip`), `${base}.zip`].sort());
    });

    for (const p of PLATFORMS) {
      test(`${p}: only its own executable, with its run bits`, () => {
        const entries = zips.get(`${base}.${p}.zip`)!.getEntries();
        const names = entries.map((e) => e.entryName.slice(pluginJson.id.length + 1));
        const platformFiles = names.filter((n) => n.startsWith(`${pluginJson.executable}_`) || n.startsWith('lib/'));
        assert.ok(
          platformFiles.every((n) => n === exe(p) || n.startsWith(`lib/${p}/`)),
          platformFiles.join(', ')
        );
        for (const f of runnables(p)) {
          const entry = entries.find((e) => e.entryName === `${pluginJson.id}/${f}`);
          assert.ok(entry, `${f} in the zip`);
          assert.equal((entry.attr >>> 16) & 0o777, 0o755, `${f} is 0755`);
        }
      });
    }

    test('the any-platform zip holds every executable; unpacked, the Linux one serves Grafana', async () => {
      const zip = zips.get(`${base}.zip`)!;
      const names = zip.getEntries().map((e) => e.entryName.slice(pluginJson.id.length + 1));
      for (const p of PLATFORMS) {
        for (const f of runnables(p)) {
          assert.ok(names.includes(f), `${f} in the any-platform zip`);
        }
      }
      zip.extractAllTo(path.join(work, 'plugins'), true, true);
      const folder = path.join(work, 'plugins', pluginJson.id);
      for (const f of PLATFORMS.flatMap(runnables)) {
        assert.equal(statSync(path.join(folder, f)).mode & 0o111, 0o111, `${f} executable by everyone`);
      }
      if (process.platform !== 'linux' || process.arch !== 'x64') {
        return;
      }
      const server = await startDevServer({ scale: 0.01 });
      const host = await GrafanaHost.start({ executable: path.join(folder, exe('linux_amd64')) }).catch(
        async (e: unknown) => {
          await server.stop();
          throw e;
        }
      );
      try {
        const health = await host.checkHealth(pluginContext({ jsonData: { url: server.uri } }));
        assert.equal(health.status, 'OK', health.message);
      } finally {
        await host.shutdown().catch(() => host.kill());
        await server.stop();
      }
    });
  }
);
