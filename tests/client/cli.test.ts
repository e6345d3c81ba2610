// The micromegas-query CLI, built with scripts/build-cli.mjs and run as a child process
// against the dev server.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DevServer, startDevServer } from '../harness/devserver';
import { OidcStandIn, startOidcStandIn } from './oidc-standin';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist-node', 'micromegas-query.cjs');
const KEY = 'mmk_cli_test_key_42';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string | undefined>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const clean = { ...process.env };
    for (const k of Object.keys(clean)) {
      if (k.startsWith('MICROMEGAS_')) {
        delete clean[k];
      }
    }
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...clean, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      }
    );
    if (stdin !== undefined) {
      child.stdin!.end(stdin);
    }
  });
}

describe('micromegas-query CLI', () => {
  let server: DevServer;
  let idp: OidcStandIn;
  let env: Record<string, string>;
  before(async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, stdio: 'pipe' });
    server = await startDevServer({ scale: 0.02, apiKeys: [{ name: 'cli', key: KEY }] });
    idp = await startOidcStandIn({ tokens: [KEY] });
    env = { MICROMEGAS_ANALYTICS_URI: server.uri, MICROMEGAS_TOKEN: KEY };
  });
  after(async () => {
    await server?.stop();
    await idp?.stop();
  });

  it('reads connection profiles from ~/.micromegas/config.json like the Python CLI', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'mm-home-'));
    try {
      mkdirSync(path.join(home, '.micromegas'));
      writeFileSync(
        path.join(home, '.micromegas', 'config.json'),
        JSON.stringify({
          default_profile: 'broken',
          profiles: { dev: { uri: server.uri }, broken: { uri: 'grpc://127.0.0.1:1' } },
        })
      );
      const profileEnv = { HOME: home, MICROMEGAS_TOKEN: KEY };
      const ok = await run(['SELECT 7 AS seven', '--all', '--format', 'csv', '--profile', 'dev'], profileEnv);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'seven\n7\n');
      const viaEnv = await run(['SELECT 7 AS seven', '--all', '--format', 'csv'], {
        ...profileEnv,
        MICROMEGAS_PROFILE: 'dev',
      });
      assert.equal(viaEnv.code, 0, viaEnv.stderr);
      const unknown = await run(['SELECT 1', '--all', '--profile', 'nope'], profileEnv);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /unknown profile 'nope' \(available: broken, dev\)/);
      const unsafe = await run(['SELECT 1', '--all', '--profile', '..'], profileEnv);
      assert.match(unsafe.stderr, /invalid profile name/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('prints CSV and JSON with --all', async () => {
    const csv = await run(['SELECT 1 AS a, \'x,"y"\' AS b', '--all', '--format', 'csv'], env);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, 'a,b\n1,"x,""y"""\n');
    const json = await run(
      ["SELECT 1 AS a, 'z' AS b, TIMESTAMP '2024-01-02 03:04:05.123456' AS t", '--all', '--format=json'],
      env
    );
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), [{ a: 1, b: 'z', t: '2024-01-02T03:04:05.123456Z' }]);
  });

  it('prints an aligned table over a relative range, and "no data" for zero rows', async () => {
    const t = await run(['SELECT count(*) AS n FROM log_entries', '--begin', '1h'], env);
    assert.equal(t.code, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^\s*n$/);
    assert.match(lines[1], /^-+$/);
    assert.match(lines[2], /^\s*\d+$/);
    const none = await run(
      ['SELECT msg FROM log_entries WHERE false', '--begin', '2024-01-01T00:00:00Z', '--end', '2024-01-02T00:00:00'],
      env
    );
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'no data\n');
  });

  it('reads SQL from stdin and truncates wide cells', async () => {
    const r = await run(['--file', '-', '--all', '--max-colwidth', '8'], env, "SELECT 'abcdefghijklmnop' AS s\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^abcde\.\.\.$/m);
  });

  it('authenticates with OAuth client credentials from MICROMEGAS_OIDC_*', async () => {
    const r = await run(['SELECT 7 AS seven', '--all', '--format', 'csv'], {
      MICROMEGAS_ANALYTICS_URI: server.uri,
      MICROMEGAS_OIDC_ISSUER: idp.issuer,
      MICROMEGAS_OIDC_CLIENT_ID: idp.clientId,
      MICROMEGAS_OIDC_CLIENT_SECRET: idp.clientSecret,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'seven\n7\n');
  });

  it('reports errors on one line with the right exit code', async () => {
    const bad = await run(['SELECT * FROM nope', '--all'], env);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr.trimEnd().split('\n').length, 1);
    assert.match(bad.stderr, /^micromegas-query: error: INVALID_ARGUMENT: .*nope.*query_id=/);
    const unauth = await run(['SELECT 1', '--all'], {
      MICROMEGAS_ANALYTICS_URI: server.uri,
      MICROMEGAS_TOKEN: 'not-the-key-123',
    });
    assert.equal(unauth.code, 1);
    assert.match(unauth.stderr, /^micromegas-query: error: UNAUTHENTICATED: invalid token/);
    assert.doesNotMatch(unauth.stderr, /not-the-key-123/);
    const down = await run(['SELECT 1', '--all', '--uri', 'grpc://127.0.0.1:9'], env);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^micromegas-query: error: UNAVAILABLE: could not reach Micromegas at 127\.0\.0\.1:9/);
    assert.equal(down.stderr.trimEnd().split('\n').length, 1);
    const scheme = await run(['SELECT 1', '--all', '--uri', 'ftp://x'], env);
    assert.equal(scheme.code, 1);
    assert.match(scheme.stderr, /URL scheme "ftp" is not supported/);
    const usage = await run(['SELECT 1'], env);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--begin is required \(or use --all/);
    for (const [argv, message] of [
      [['SELECT 1', '--all', '--bogus'], /Unknown option '--bogus'/],
      [['SELECT 1', '--all', '--uri'], /Option '--uri <value>' argument missing/],
      [['SELECT 1', '--all', '--format', 'xml'], /--format must be table, csv or json \(got 'xml'\)/],
      [['SELECT 1', '--all', '--timeout', '0'], /--timeout must be a positive number of seconds/],
    ] as const) {
      const r = await run([...argv], env);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    const badBegin = await run(['SELECT 1', '--begin', 'yesterday'], env);
    assert.equal(badBegin.code, 2);
    assert.match(badBegin.stderr, /invalid --begin timestamp 'yesterday'/);
    const help = await run(['--help'], {});
    assert.equal(help.code, 0);
    assert.match(help.stdout, /MICROMEGAS_ANALYTICS_URI/);
    const pkgVersion = (
      JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    ).version;
    for (const flag of ['--version', '-V']) {
      const v = await run([flag], {});
      assert.equal(v.code, 0);
      assert.equal(v.stdout, `micromegas-query ${pkgVersion}\n`);
    }
  });
});
