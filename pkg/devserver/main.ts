// `npm run devserver` — a Micromegas-compatible FlightSQL server with sample telemetry.
// Prints exactly one stdout line once listening: `devserver listening on <uri>`.
import { readFileSync } from 'node:fs';

import type { ApiKey } from './flight';
import type { DevServerConfig } from './server';

const USAGE = `usage: npm run devserver -- [--host 127.0.0.1] [--port 50051] [--scale 1] [--now RFC3339] [--hours 24] [--seed 42]
       [--api-keys '[{"name":"n","key":"k"}]'] [--admin-keys '[{"name":"n","key":"k"}]'] [--tls-cert F --tls-key F [--tls-ca F] [--tls-require-client-cert]]`;

function fail(message: string): never {
  process.stderr.write(`devserver: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseApiKeys(text: string, source: string): ApiKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    fail(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  if (
    !Array.isArray(parsed) ||
    !parsed.every((k) => k && typeof k.name === 'string' && typeof k.key === 'string' && k.key !== '')
  ) {
    fail(`${source} must be a JSON array of {"name": string, "key": non-empty string}`);
  }
  return parsed as ApiKey[];
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): DevServerConfig {
  const flags = new Map<string, string>();
  const booleans = new Set(['--tls-require-client-cert']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) {
      fail(`unexpected argument '${arg}'`);
    }
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (booleans.has(name)) {
      flags.set(name, inline ?? 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      fail(`${name} needs a value`);
    }
    flags.set(name, value);
  }
  const known = [
    '--host',
    '--port',
    '--scale',
    '--now',
    '--hours',
    '--seed',
    '--api-keys',
    '--admin-keys',
    '--tls-cert',
    '--tls-key',
    '--tls-ca',
    '--tls-require-client-cert',
  ];
  for (const name of flags.keys()) {
    if (!known.includes(name)) {
      fail(`unknown flag ${name}`);
    }
  }
  const num = (name: string, def: number, check: (n: number) => boolean, what: string): number => {
    const raw = flags.get(name);
    if (raw === undefined) {
      return def;
    }
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
      fail(`${name} must be ${what}, got '${raw}'`);
    }
    return n;
  };
  const port = num('--port', 50051, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'an integer port 0–65535');
  const scale = num('--scale', 1, (n) => n > 0 && n <= 1000, 'a number in (0, 1000]');
  const hours = num(
    '--hours',
    24,
    (n) => Number.isInteger(n) && n >= 1 && n <= 24 * 90,
    'an integer number of hours (1–2160)'
  );
  const seed = num('--seed', 42, (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'an integer in [0, 2^32)');
  let nowMs = Date.now();
  const rawNow = flags.get('--now');
  if (rawNow !== undefined) {
    nowMs = Date.parse(rawNow);
    if (Number.isNaN(nowMs)) {
      fail(`--now must be an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, got '${rawNow}'`);
    }
  }
  const keysText = flags.get('--api-keys') ?? env.MICROMEGAS_API_KEYS;
  const apiKeys = keysText
    ? parseApiKeys(keysText, flags.has('--api-keys') ? '--api-keys' : 'MICROMEGAS_API_KEYS')
    : [];
  const adminText = flags.get('--admin-keys') ?? env.MICROMEGAS_ADMIN_KEYS;
  const adminKeys = adminText
    ? parseApiKeys(adminText, flags.has('--admin-keys') ? '--admin-keys' : 'MICROMEGAS_ADMIN_KEYS')
    : [];
  const certFile = flags.get('--tls-cert');
  const keyFile = flags.get('--tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    fail('--tls-cert and --tls-key go together');
  }
  const read = (file: string, flag: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      fail(`${flag}: cannot read ${file}: ${(err as Error).message}`);
    }
  };
  const tls =
    certFile && keyFile
      ? {
          certPem: read(certFile, '--tls-cert'),
          keyPem: read(keyFile, '--tls-key'),
          caPem: flags.get('--tls-ca') ? read(flags.get('--tls-ca')!, '--tls-ca') : undefined,
          requireClientCert: flags.get('--tls-require-client-cert') === 'true',
        }
      : undefined;
  if (!tls && (flags.has('--tls-ca') || flags.has('--tls-require-client-cert'))) {
    fail('--tls-ca / --tls-require-client-cert need --tls-cert and --tls-key');
  }
  if (tls?.requireClientCert && !tls.caPem) {
    fail('--tls-require-client-cert needs --tls-ca to verify client certificates');
  }
  return {
    host: flags.get('--host') ?? '127.0.0.1',
    port,
    scale,
    nowMs,
    hours,
    seed,
    apiKeys,
    adminKeys,
    tls,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  };
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2), process.env);
  const started = Date.now();
  // Loaded after the flags are validated, so bad flags fail fast (no DuckDB load).
  const { startServer } = await import('./server');
  const server = await startServer(config);
  config.log(
    `sample data: ${config.hours} h up to ${new Date(config.nowMs).toISOString()}, scale ${config.scale}, seed ${config.seed}, ${server.lake.processes.length} processes, ready in ${Date.now() - started} ms${config.apiKeys.length + (config.adminKeys?.length ?? 0) ? `, ${config.apiKeys.length} API key(s), ${config.adminKeys?.length ?? 0} admin key(s)` : ', auth disabled'}`
  );
  process.stdout.write(`devserver listening on ${server.uri}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    void server.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  // A bug in one request must not take the server down: log and keep serving.
  process.on('uncaughtException', (err) =>
    config.log(`uncaught exception (server keeps running): ${err.stack ?? err.message}`)
  );
  process.on('unhandledRejection', (err) =>
    config.log(
      `unhandled rejection (server keeps running): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`
    )
  );
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`devserver: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
