// What runs before the handshake line: Grafana waits for it, so only the listener belongs
// there. gRPC, the service definitions and the Micromegas client (apache-arrow, Flight)
// load after it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';

import { REPO_ROOT } from '../harness/grafana-host';

/** Starts `args` under node with go-plugin's cookie; resolves with the first stderr match of `pattern`. */
async function firstReport(
  args: string[],
  pattern: RegExp,
  env: NodeJS.ProcessEnv = {}
): Promise<{ report: string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const report = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = pattern.exec(stderr);
        if (m) {
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`the plugin exited (${code}) first:\n${stderr}`)));
    });
    return { report, stdout, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

it('afterWarmUp (where the executable turns TurboFan on) runs once the warm-up has ended', async () => {
  const { stderr } = await firstReport(
    ['--import', 'tsx', path.join(REPO_ROOT, 'tests/backend/fixtures/after-warm-up-plugin.ts')],
    /(afterWarmUp called)/,
    { MICROMEGAS_PLUGIN_LOG_LEVEL: 'debug' }
  );
  const warmed = stderr.indexOf('query path warmed up');
  assert.ok(warmed >= 0, `the warm-up ran to its end first:\n${stderr}`);
  assert.ok(warmed < stderr.indexOf('afterWarmUp called'), 'afterWarmUp came after the warm-up');
});

it("the executable's entry point writes the handshake line before loading gRPC, protobuf or Arrow", async () => {
  const { report } = await firstReport(
    [
      '--import',
      'tsx',
      '--import',
      path.join(REPO_ROOT, 'tests/backend/fixtures/handshake-modules.ts'),
      path.join(REPO_ROOT, 'pkg/main.ts'),
    ],
    /loaded before the handshake line: \[(.*)\]/
  );
  assert.equal(report, '', `loaded before the handshake line: ${report}`);
});

it('the client factory is loaded only after the handshake line is written', async () => {
  const { report, stdout } = await firstReport(
    ['--import', 'tsx', path.join(REPO_ROOT, 'tests/backend/fixtures/start-order-plugin.ts')],
    /client factory loader called; handshake already written: (\w+)/
  );
  assert.equal(report, 'true', 'the loader ran before the handshake line was written');
  assert.match(stdout, /^1\|2\|tcp\|127\.0\.0\.1:\d+\|grpc\n$/);
});
