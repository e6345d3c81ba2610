// Launches the real dev server process (pkg/devserver/main.ts) for tests and stops it.
//   const server = await startDevServer({ scale: 0.05 });
//   ... connect to server.uri ...
//   await server.stop();
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DevServerOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Sample data density; tests default to a small one. */
  scale?: number;
  /** RFC 3339 anchor of the sample data (its last instant). */
  now?: string;
  /** Hours of sample data before `now` (default 24). */
  hours?: number;
  seed?: number;
  apiKeys?: Array<{ name: string; key: string }>;
  /** Keys of admin principals (`--admin-keys`). */
  adminKeys?: Array<{ name: string; key: string }>;
  tls?: { certPem: string; keyPem: string; caPem?: string; requireClientCert?: boolean };
  env?: Record<string, string>;
}

export interface DevServer {
  uri: string;
  port: number;
  stop(): Promise<void>;
  /** Everything the server wrote to stderr so far (its log). */
  stderr(): string;
}

// tsx runs this file as CommonJS (the package has no "type": "module"); esbuild bundles may not.
const HERE = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const STARTUP_TIMEOUT_MS = 60_000;
const READY = /^devserver listening on (grpcs?(?:\+tls)?:\/\/[^\s:]+:(\d+))$/m;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) {
    child.kill('SIGKILL');
  }
});

export function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const args = [
    '--import',
    'tsx',
    path.join(ROOT, 'pkg', 'devserver', 'main.ts'),
    '--port',
    String(options.port ?? 0),
    '--scale',
    String(options.scale ?? 0.05),
  ];
  if (options.now) {
    args.push('--now', options.now);
  }
  if (options.hours !== undefined) {
    args.push('--hours', String(options.hours));
  }
  if (options.seed !== undefined) {
    args.push('--seed', String(options.seed));
  }
  if (options.adminKeys) {
    args.push('--admin-keys', JSON.stringify(options.adminKeys));
  }
  if (options.apiKeys) {
    args.push('--api-keys', JSON.stringify(options.apiKeys));
  }
  let tlsDir: string | undefined;
  if (options.tls) {
    tlsDir = mkdtempSync(path.join(tmpdir(), 'devserver-tls-'));
    const file = (name: string, content: string): string => {
      const p = path.join(tlsDir!, name);
      writeFileSync(p, content, { mode: 0o600 });
      return p;
    };
    args.push('--tls-cert', file('cert.pem', options.tls.certPem), '--tls-key', file('key.pem', options.tls.keyPem));
    if (options.tls.caPem) {
      args.push('--tls-ca', file('ca.pem', options.tls.caPem));
    }
    if (options.tls.requireClientCert) {
      args.push('--tls-require-client-cert');
    }
  }
  const env = { ...process.env, ...options.env };
  if (!options.env?.MICROMEGAS_API_KEYS) {
    delete env.MICROMEGAS_API_KEYS;
  }
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = (): void => {
    live.delete(child);
    if (tlsDir) {
      rmSync(tlsDir, { recursive: true, force: true });
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
  };

  return new Promise<DevServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`dev server did not start within ${STARTUP_TIMEOUT_MS} ms; stderr:\n${stderr}`));
    }, STARTUP_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const m = READY.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ uri: m[1]!, port: Number(m[2]), stop, stderr: () => stderr });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      cleanup();
      reject(new Error(`dev server exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
    });
  });
}
