// The release zips run where there is no glibc at all: each Linux zip is unpacked into an
// empty root (tests/ship/empty-root.ts: busybox's sh, /etc/hosts, the plugin folder; no
// /lib, no /usr) and its executable, started like Grafana ≥ 12.4 starts it (absolute path,
// no PATH), completes the go-plugin handshake, a health check and a query against the dev
// server addressed by host name (`localhost`, resolved by the bundled glibc through
// /etc/hosts with no /etc/nsswitch.conf, as on Alpine; and a name only the DNS server named
// in /etc/resolv.conf knows, as in a container), in plain text and over TLS (custom
// CA; OpenSSL is inside node, no /etc/ssl). The same root stands for any glibc distribution:
// the host's C library is never loaded. linux_arm64 runs the same way through qemu-user.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ensureApt } from '../../scripts/ensure-apt.mjs';
import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, frameTable, GrafanaHost, pluginContext, REPO_ROOT } from '../harness/grafana-host';
import { hasOpenssl, makeTestPki, type TestPki } from '../harness/pki';
import { makeEmptyRoot, namespacesUsable, PLUGINS_DIR, rootLauncher, startStubDns } from './empty-root';

const pluginJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as {
  id: string;
  executable: string;
};
const CI = process.env.CI === 'true';
const BUILD = path.join(REPO_ROOT, 'scripts', 'build-backend.mjs');
const PACKAGE = path.join(REPO_ROOT, 'scripts', 'package.mjs');

/** Why this machine cannot run the test, or undefined; under CI=true a missing piece fails instead. */
function prerequisites(arch: 'amd64' | 'arm64'): string | undefined {
  if (process.platform !== 'linux') {
    return 'needs Linux (user and mount namespaces, chroot)';
  }
  const apt = ensureApt('busybox', ...(arch === 'arm64' && process.arch !== 'arm64' ? ['qemu'] : []));
  if (!apt.ok) {
    return apt.reason;
  }
  if (!hasOpenssl) {
    return 'needs the openssl command for the TLS certificates: apt-get install openssl';
  }
  return namespacesUsable(arch === 'arm64' && process.arch !== 'arm64');
}

function packageZip(arch: 'amd64' | 'arm64', out: string): string {
  const build = spawnSync(process.execPath, [BUILD, '--arch', arch, '--if-stale'], { encoding: 'utf8' });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  const res = spawnSync(process.execPath, [PACKAGE, '--no-build', '--arch', arch, '--out', out], {
    encoding: 'utf8',
  });
  assert.equal(res.status, 0, res.stderr);
  const zip = (res.stdout.match(/wrote \S*?([^/\s]+\.zip)/) ?? [])[1] ?? '';
  assert.match(zip, new RegExp(`\\.linux_${arch}\\.zip$`));
  return path.join(out, zip);
}

const built = statSync(path.join(REPO_ROOT, 'dist', 'module.js'), { throwIfNoEntry: false });

for (const arch of ['amd64', 'arm64'] as const) {
  const emulated = arch === 'arm64' && process.arch !== 'arm64';
  const why = !built ? 'dist/module.js is not built: run `npm run build` (npm test does)' : prerequisites(arch);
  if (why && CI) {
    test(`linux_${arch} in an empty root: prerequisites`, () => assert.fail(`${why} (CI=true must not skip)`));
    continue;
  }
  describe(`linux_${arch} release zip in an empty root (no glibc)`, { skip: why ?? false }, () => {
    const work = mkdtempSync(path.join(tmpdir(), `empty-root-${arch}-`));
    const root = path.join(work, 'root');
    let launcher = '';
    let server: DevServer;
    let tlsServer: DevServer;
    let pki: TestPki;
    let host: GrafanaHost | undefined;
    let dns: Awaited<ReturnType<typeof startStubDns>> | undefined;
    let dnsSkip: string | false = false;
    // A loopback address of its own per arch: both suites may run at once.
    // (Not 127.0.0.53: systemd-resolved's.)
    const DNS_ADDRESS = arch === 'amd64' ? '127.0.0.153' : '127.0.0.154';

    before(async () => {
      const folder = makeEmptyRoot(root, packageZip(arch, work), pluginJson.id);
      // Like a container's resolver: names not in /etc/hosts go to this DNS server.
      writeFileSync(path.join(root, 'etc', 'resolv.conf'), `nameserver ${DNS_ADDRESS}\n`);
      dns = await startStubDns(DNS_ADDRESS, { 'micromegas.test': '127.0.0.1' }).catch((e: Error) => {
        dnsSkip = `cannot serve DNS on ${DNS_ADDRESS}:53 (${e.message}); needs root`;
        return undefined;
      });
      const exe = `${pluginJson.executable}_linux_${arch}`;
      assert.equal(statSync(path.join(folder, exe)).mode & 0o111, 0o111, 'the launcher keeps its run bit');
      pki = makeTestPki(work);
      [server, tlsServer] = await Promise.all([
        startDevServer({ scale: 0.02 }),
        startDevServer({ scale: 0.01, tls: { certPem: pki.serverCert, keyPem: pki.serverKey } }),
      ]);
      launcher = rootLauncher(work, root, `${PLUGINS_DIR}/${pluginJson.id}/${exe}`, emulated);
      host = await GrafanaHost.start({
        executable: launcher,
        // V8 under emulation starts slowly: a generous handshake wait (not a timed assertion).
        startTimeoutMs: emulated ? 180_000 : 30_000,
      });
    });
    after(async () => {
      await host?.shutdown().catch(() => host?.kill());
      await Promise.all([server?.stop(), tlsServer?.stop(), dns?.close()]);
      rmSync(work, { recursive: true, force: true });
    });

    test('the root holds no C library outside the plugin folder', () => {
      const res = spawnSync('find', [root, '-name', 'libc.so*', '-o', '-name', 'ld-*'], { encoding: 'utf8' });
      const outside = res.stdout
        .split('\n')
        .filter(Boolean)
        .filter((f) => !f.startsWith(path.join(root, PLUGINS_DIR, pluginJson.id, 'lib', `linux_${arch}`) + '/'));
      assert.deepEqual(outside, []);
    });

    test('answers the go-plugin handshake on loopback TCP, stdout holding that line only', () => {
      assert.match(host!.handshake, /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
      assert.equal(host!.stdout, `${host!.handshake}\n`);
      assert.ok(
        host!.logs.find((l) => l['@message'] === 'plugin started'),
        'a JSON "plugin started" log line on stderr'
      );
    });

    test('health and a query against the dev server addressed as localhost', async () => {
      const ctx = pluginContext({ uid: `plain-${arch}`, jsonData: { url: `grpc://localhost:${server.port}` } });
      const health = await host!.checkHealth(ctx);
      assert.equal(health.status, 'OK', health.message);
      const res = await host!.queryData(ctx, [dataQuery('A', { query: 'SELECT 42 AS answer', format: 'table' })]);
      assert.equal(res.A.error, '');
      assert.deepEqual(Array.from(frameTable(res.A.frames[0]).getChild('answer')?.toArray() ?? [], Number), [42]);
    });

    test('a name only DNS knows resolves through /etc/resolv.conf (the bundled glibc asks the server)', async (t) => {
      if (dnsSkip) {
        if (CI) {
          assert.fail(`${dnsSkip} (CI=true must not skip)`);
        }
        t.skip(dnsSkip);
        return;
      }
      const ctx = pluginContext({ uid: `dns-${arch}`, jsonData: { url: `grpc://micromegas.test:${server.port}` } });
      const health = await host!.checkHealth(ctx);
      assert.equal(health.status, 'OK', health.message);
      assert.ok(dns!.queries.includes('micromegas.test/1'), `asked for its A record: ${dns!.queries.join(', ')}`);
      // localhost's address never came from DNS: /etc/hosts answered (grpc-js's own TXT lookup
      // for a service config, type 16, goes through c-ares, which reads resolv.conf too).
      assert.ok(!dns!.queries.some((q) => /^localhost\/(1|28)$/.test(q)), dns!.queries.join(', '));
    });

    test('over TLS to localhost with a custom CA; an untrusted certificate is refused', async () => {
      const url = `grpc+tls://localhost:${tlsServer.port}`;
      const ctx = pluginContext({
        uid: `tls-${arch}`,
        jsonData: { url, tlsAuthWithCACert: true },
        decryptedSecureJsonData: { tlsCACert: pki.caPem },
      });
      const health = await host!.checkHealth(ctx);
      assert.equal(health.status, 'OK', health.message);
      const res = await host!.queryData(ctx, [dataQuery('A', { query: 'SELECT 7 AS seven', format: 'table' })]);
      assert.equal(res.A.error, '');
      assert.deepEqual(Array.from(frameTable(res.A.frames[0]).getChild('seven')?.toArray() ?? [], Number), [7]);
      // Verification really happens inside the root (node's own OpenSSL and CA store).
      const untrusted = await host!.checkHealth(pluginContext({ uid: `tls-bad-${arch}`, jsonData: { url } }));
      assert.equal(untrusted.status, 'ERROR');
    });
  });
}
