// `npm run package` produces the zip Grafana's plugin installer expects; the unpacked
// executable still starts the way Grafana starts it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import AdmZip from 'adm-zip';

import { startDevServer, type DevServer } from '../harness/devserver';
import { GrafanaHost, pluginContext, REPO_ROOT } from '../harness/grafana-host';

const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
};
const built =
  existsSync(path.join(REPO_ROOT, 'dist', 'module.js')) &&
  existsSync(path.join(REPO_ROOT, 'dist', `${pluginJson.executable}_linux_amd64`)) &&
  existsSync(path.join(REPO_ROOT, 'dist', 'lib', 'linux_amd64', pluginJson.executable));

describe(
  'release zip',
  { skip: built ? false : 'dist/ is not built: run `npm run build && npm run build:backend` (npm test does)' },
  () => {
    const work = mkdtempSync(path.join(tmpdir(), 'package-test-'));
    let zip: AdmZip;
    let zipPath: string;
    before(() => {
      const res = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, 'scripts', 'package.mjs'), '--no-build', '--out', work],
        { encoding: 'utf8' }
      );
      assert.equal(res.status, 0, res.stderr);
      zipPath = path.join(work, (res.stdout.match(/wrote \S*?([^/\s]+\.zip)/) ?? [])[1] ?? '');
      assert.ok(existsSync(zipPath), `zip written: ${res.stdout}`);
      zip = new AdmZip(zipPath);
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    test('is named after the plugin id and version, with everything in one folder named after the id', () => {
      assert.match(path.basename(zipPath), new RegExp(`^${pluginJson.id}-\\d+\\.\\d+\\.\\d+.*\\.zip$`));
      for (const entry of zip.getEntries()) {
        assert.ok(entry.entryName.startsWith(`${pluginJson.id}/`), entry.entryName);
      }
    });

    test('holds plugin.json, module.js, the executable, README, CHANGELOG, LICENSE and the logo; no source maps', () => {
      const names = new Set(zip.getEntries().map((e) => e.entryName.slice(pluginJson.id.length + 1)));
      for (const f of [
        'plugin.json',
        'module.js',
        `${pluginJson.executable}_linux_amd64`,
        'README.md',
        'CHANGELOG.md',
        'LICENSE',
        'img/logo.svg',
        // The Linux executable is a launcher; the SEA and its glibc are in lib/linux_amd64/.
        `lib/linux_amd64/${pluginJson.executable}`,
        'lib/linux_amd64/ld-linux-x86-64.so.2',
        'lib/linux_amd64/libc.so.6',
      ]) {
        assert.ok(names.has(f), `${f} in the zip`);
      }
      assert.ok(![...names].some((n) => n.endsWith('.map')), 'no source maps');
      // dist/ may also hold other platforms' executables (`build:backend -- --arch all`): they have their own zips.
      assert.deepEqual(
        [...names].filter((n) => n.startsWith(`${pluginJson.executable}_`)),
        [`${pluginJson.executable}_linux_amd64`]
      );
      assert.deepEqual(
        [...new Set([...names].filter((n) => n.startsWith('lib/')).map((n) => n.split('/')[1]))],
        ['linux_amd64']
      );
      const inner = JSON.parse(zip.readAsText(`${pluginJson.id}/plugin.json`));
      assert.equal(inner.id, pluginJson.id);
      assert.equal(inner.backend, true);
      assert.doesNotMatch(inner.info.version, /%VERSION%/);
    });

    test('the executable keeps its run bit when unpacked and completes the handshake', async () => {
      const dest = path.join(work, 'plugins');
      zip.extractAllTo(dest, true, true);
      const exe = path.join(dest, pluginJson.id, `${pluginJson.executable}_linux_amd64`);
      assert.equal(statSync(exe).mode & 0o111, 0o111, 'executable by everyone');
      let server: DevServer | undefined;
      let host: GrafanaHost | undefined;
      try {
        server = await startDevServer({ scale: 0.02 });
        host = await GrafanaHost.start({ executable: exe });
        const health = await host.checkHealth(pluginContext({ jsonData: { url: server.uri } }));
        assert.equal(health.status, 'OK', health.message);
      } finally {
        await host?.shutdown().catch(() => host?.kill());
        await server?.stop();
      }
    });
  }
);
