// The built executable as Grafana runs it: handshake, stdout discipline, port range,
// go-plugin services, invalid settings, metrics, streams, logging and shutdown.
// These need no Micromegas server: the settings point to a closed port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { BACKEND_EXECUTABLE, dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';

const TOKEN = 'mm-test-token-9f8e7d6c5b4a';

describe('backend executable: process and protocol', () => {
  let host: GrafanaHost;
  const hosts: GrafanaHost[] = [];

  before(async () => {
    ensureBackendBuilt();
    host = await GrafanaHost.start({ minPort: 21100, maxPort: 21199, env: { GF_PLUGIN_LOG_LEVEL: 'debug' } });
    hosts.push(host);
  });
  after(async () => {
    await Promise.all(hosts.map((h) => h.kill()));
  });

  it('run by hand (no magic cookie): explains itself on stderr and exits non-zero', () => {
    const res = spawnSync(BACKEND_EXECUTABLE, [], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 20000,
    });
    assert.notEqual(res.status, 0);
    assert.equal(res.stdout, '');
    assert.match(res.stderr, /Grafana data source plugin.*not a program to run by hand/);
  });

  it('prints exactly one handshake line on stdout, on 127.0.0.1 within the port range', async () => {
    assert.match(host.handshake, /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc$/);
    assert.ok(host.port >= 21100 && host.port <= 21199, `port ${host.port} within range`);
    // Exercise every service, then check stdout still holds the handshake alone.
    const ctx = pluginContext({ jsonData: { url: 'grpc://127.0.0.1:1' } });
    await host.checkHealth(ctx);
    await host.collectMetrics();
    assert.equal(host.stdout, host.handshake + '\n');
  });

  it('respects a one-port range', async () => {
    const probe = await GrafanaHost.start({ minPort: 21250, maxPort: 21250 });
    hosts.push(probe);
    assert.equal(probe.port, 21250);
    // The port is taken now: a second plugin with the same range cannot start and says why.
    await assert.rejects(
      GrafanaHost.start({ minPort: 21250, maxPort: 21250 }),
      /no free port between PLUGIN_MIN_PORT=21250 and PLUGIN_MAX_PORT=21250|exited before the handshake/
    );
    await probe.kill();
  });

  it('answers go-plugin health pings with SERVING', async () => {
    assert.equal(await host.ping(), 'SERVING');
  });

  it('invalid settings: every query and the health check answer with the validation message', async () => {
    const ctx = pluginContext({
      uid: 'bad-settings',
      jsonData: { host: 'micromegas', selectedAuthType: 'username/password' },
    });
    const health = await host.checkHealth(ctx);
    assert.equal(health.status, 'ERROR');
    assert.match(health.message, /Invalid data source settings: Host "micromegas" has no port/);
    const responses = await host.queryData(ctx, [
      dataQuery('A', { query: 'SELECT 1' }),
      dataQuery('B', { query: 'SELECT 2' }),
    ]);
    for (const refId of ['A', 'B']) {
      assert.match(responses[refId].error, /Invalid data source settings/);
      assert.equal(responses[refId].status, 400);
      assert.equal(responses[refId].errorSource, 'plugin');
      assert.equal(responses[refId].frames.length, 0);
    }
    const resource = await host.callResource(ctx, { path: 'tables' });
    assert.equal(resource.code, 400);
    assert.match((resource.json as { error: string }).error, /Invalid data source settings/);
    const unparsable = pluginContext({ uid: 'not-json', jsonDataBytes: Buffer.from('{nope') });
    assert.match((await host.checkHealth(unparsable)).message, /jsonData is not valid JSON/);
    assert.equal(await host.ping(), 'SERVING');
  });

  it('unreachable server: the health check fails with an actionable message', async () => {
    const ctx = pluginContext({
      uid: 'unreachable',
      jsonData: { url: 'grpc://127.0.0.1:1' },
      decryptedSecureJsonData: { token: TOKEN },
    });
    const health = await host.checkHealth(ctx);
    assert.equal(health.status, 'ERROR');
    assert.match(health.message, /127\.0\.0\.1:1/);
    assert.match(health.message, /UNAVAILABLE|unavailable|connect|refused|reach/i);
    assert.ok(!health.message.includes(TOKEN));
  });

  it('OAuth2 with an unreachable issuer: the health check names the discovery URL, never the secret', async () => {
    const ctx = pluginContext({
      uid: 'oauth-unreachable',
      jsonData: {
        url: 'grpc://127.0.0.1:1',
        authType: 'oauth2',
        oauthIssuer: 'http://127.0.0.1:1/realms/grafana',
        oauthClientId: 'grafana',
      },
      decryptedSecureJsonData: { oauthClientSecret: 'oauth-client-secret-42' },
    });
    const health = await host.checkHealth(ctx);
    assert.equal(health.status, 'ERROR');
    assert.match(health.message, /127\.0\.0\.1:1\/realms\/grafana\/\.well-known\/openid-configuration/);
    assert.ok(!JSON.stringify(health).includes('oauth-client-secret-42'));
    assert.ok(!host.stderrText().includes('oauth-client-secret-42'));
  });

  it('CollectMetrics returns Prometheus text with process and query metrics', async () => {
    const text = await host.collectMetrics();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_uptime_seconds',
      'micromegas_plugin_queries_total',
      'micromegas_plugin_queries_failed_total',
      'micromegas_plugin_query_duration_seconds_bucket{le="+Inf"}',
    ]) {
      assert.ok(text.includes(name), `metrics contain ${name}`);
    }
    // The invalid-settings test above counted two queries, both failed.
    const failed = Number(/^micromegas_plugin_queries_failed_total (\d+)$/m.exec(text)?.[1]);
    assert.ok(failed >= 2, `failed queries counted (${failed})`);
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
    assert.ok(rss > 10 * 1024 * 1024, 'resident memory is the real process figure');
  });

  it('streams: an unknown path is NOT_FOUND (subscribe and run), publishing is PERMISSION_DENIED', async () => {
    // Live tail channels are tail/<key> (tests/stream/ covers them); anything else is refused cleanly.
    const ctx = pluginContext({ jsonData: { url: 'grpc://127.0.0.1:1' } });
    assert.equal((await host.subscribeStream(ctx, 'live/anything')).status, 'NOT_FOUND');
    assert.equal((await host.publishStream(ctx, 'live/anything', { x: 1 })).status, 'PERMISSION_DENIED');
    await assert.rejects(
      host.runStream(ctx, 'live/anything', { deadlineMs: 5000 }),
      (e: { code?: number; details?: string }) => e.code === 5 && /refused/.test(e.details ?? '')
    );
    assert.equal(await host.ping(), 'SERVING');
  });

  it('logs JSON lines go-plugin understands, at the configured level, without secrets', async () => {
    const ctx = pluginContext({
      uid: 'secret-check',
      jsonData: { url: 'grpc://127.0.0.1:1', httpHeaderName1: 'x-api-key' },
      decryptedSecureJsonData: { token: TOKEN, httpHeaderValue1: 'header-secret-123' },
    });
    await host.checkHealth(ctx);
    await host.queryData(ctx, [dataQuery('A', { query: `SELECT '${TOKEN}'` })]);
    await host.waitForLog((l) => l['@message'] === 'data source client created' && l.datasource === 'secret-check');
    assert.equal(host.rawStderr.length, 0, `non-JSON stderr lines: ${host.rawStderr.join('\n')}`);
    assert.ok(host.logs.length > 0);
    for (const line of host.logs) {
      assert.ok(['trace', 'debug', 'info', 'warn', 'error'].includes(line['@level']), `level ${line['@level']}`);
      assert.equal(typeof line['@message'], 'string');
      // The Go layout go-plugin parses with: 2006-01-02T15:04:05.000000Z07:00.
      assert.match(line['@timestamp'], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/);
      assert.ok(!Number.isNaN(Date.parse(line['@timestamp'])));
    }
    assert.ok(
      host.logs.some((l) => l['@level'] === 'debug'),
      'debug lines appear at GF_PLUGIN_LOG_LEVEL=debug'
    );
    const all = host.stderrText();
    assert.ok(!all.includes(TOKEN), 'the token never reaches the logs');
    assert.ok(!all.includes('header-secret-123'), 'secret header values never reach the logs');
  });

  it('default log level is info (no debug lines)', async () => {
    const quiet = await GrafanaHost.start({ minPort: 21300, maxPort: 21399 });
    hosts.push(quiet);
    await quiet.checkHealth(pluginContext({ jsonData: { url: 'grpc://127.0.0.1:1' } }));
    await quiet.shutdown();
    assert.ok(quiet.logs.some((l) => l['@level'] === 'info'));
    assert.ok(!quiet.logs.some((l) => l['@level'] === 'debug' || l['@level'] === 'trace'));
  });

  it('Shutdown exits promptly with status 0', async () => {
    const victim = await GrafanaHost.start({ minPort: 21400, maxPort: 21499 });
    hosts.push(victim);
    const res = await victim.shutdown();
    assert.equal(res.code, 0);
    assert.ok(victim.logs.some((l) => /shutting down/.test(l['@message'])));
  });
});

describe('backend executable: orphaned by its host', () => {
  it('exits on its own when the process that launched it dies', async () => {
    ensureBackendBuilt();
    // A stand-in host process launches the plugin, prints its pid, then is killed.
    const script = `
      const { spawn } = require('node:child_process');
      const child = spawn(${JSON.stringify(BACKEND_EXECUTABLE)}, [], {
        env: { PATH: process.env.PATH, grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2', PLUGIN_MIN_PORT: '21500', PLUGIN_MAX_PORT: '21599' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      child.stdout.once('data', () => { console.log(child.pid); });
      setInterval(() => {}, 1000);
    `;
    const { spawn } = await import('node:child_process');
    const launcher = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pluginPid = await new Promise<number>((resolve, reject) => {
      launcher.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      launcher.once('exit', () => reject(new Error('launcher exited early')));
    });
    // An exited plugin whose new parent has not reaped it yet is a zombie: it has exited.
    const state = (pid: number): string | undefined => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
      } catch {
        return undefined;
      }
    };
    const alive = (pid: number) => {
      const s = state(pid);
      return s !== undefined && s !== 'Z';
    };
    assert.ok(alive(pluginPid));
    launcher.kill('SIGKILL');
    const deadline = Date.now() + 15000;
    while (alive(pluginPid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const finalState = state(pluginPid);
    const stillAlive = alive(pluginPid);
    if (stillAlive) {
      process.kill(pluginPid, 'SIGKILL');
    }
    assert.equal(stillAlive, false, `the orphaned plugin exited (process state ${finalState ?? 'gone'})`);
  });
});
