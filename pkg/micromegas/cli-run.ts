// micromegas-query: run one SQL query against Micromegas from a shell, like the
// Python CLI. Configuration from the environment; every error is one line.
import { readFileSync } from 'node:fs';
import { parseArgs as parseCommandLine } from 'node:util';

import { RecordBatch } from 'apache-arrow';

import type { AuthProvider } from './auth';
import { connect, DEFAULT_URI } from './client';
import { MicromegasError } from './errors';
import { OidcClientCredentialsProvider } from './oidc';
import { csvHeader, csvRows, jsonRecords, OutputFormat, renderTable } from './output';
import { resolveConnection, type ConnectionConfig } from './profiles';
import { parseDatetime, parseTimeDelta } from './time';
import { version as CLI_VERSION } from '../../package.json';

export const USAGE = `usage: micromegas-query [options] SQL
       micromegas-query [options] --file FILE   (FILE '-' reads stdin)

Run a SQL query on the Micromegas analytics service.

options:
  --begin T          range start: RFC 3339 (e.g. 2024-01-01T00:00:00Z; no zone = UTC)
                     or relative to now (30s, 30m, 1h, 7d, 2w)
  --end T            range end (same forms, default now)
  --all              no time range (query everything)
  --format F         table (default), csv or json
  --max-colwidth N   table cell width cap (default 50, 0 = unlimited)
  --uri URI          server (default $MICROMEGAS_ANALYTICS_URI, the profile's uri, or ${DEFAULT_URI})
  --profile NAME     connection profile of ~/.micromegas/config.json (default $MICROMEGAS_PROFILE,
                     then the file's default_profile), as the Python CLI
  --timeout SECONDS  deadline for the query
  -V, --version      print the version and exit
  -h, --help         show this help

environment:
  MICROMEGAS_ANALYTICS_URI       grpc://host:port, grpc+tls://host:port, http(s)://host[:port]
  MICROMEGAS_TOKEN               bearer token (API key)
  MICROMEGAS_OIDC_ISSUER, MICROMEGAS_OIDC_CLIENT_ID, MICROMEGAS_OIDC_CLIENT_SECRET,
  MICROMEGAS_OIDC_AUDIENCE, MICROMEGAS_OIDC_SCOPE   OAuth 2.0 client credentials
`;

class UsageError extends Error {}

interface CliArgs {
  sql?: string;
  file?: string;
  begin?: string;
  end?: string;
  all: boolean;
  format: OutputFormat;
  maxColWidth: number;
  uri?: string;
  timeoutMs?: number;
  help: boolean;
  version: boolean;
  profile?: string;
}

export function parseArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseCommandLine({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        file: { type: 'string' },
        begin: { type: 'string' },
        end: { type: 'string' },
        all: { type: 'boolean' },
        format: { type: 'string' },
        'max-colwidth': { type: 'string' },
        uri: { type: 'string' },
        profile: { type: 'string' },
        timeout: { type: 'string' },
      },
    });
  } catch (err) {
    // node:util's own words ("Unknown option '--x'", "Option '--file <value>' argument missing").
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const { values, positionals } = parsed;
  const args: CliArgs = {
    all: values.all ?? false,
    format: 'table',
    maxColWidth: 50,
    help: values.help ?? false,
    version: values.version ?? false,
    file: values.file,
    begin: values.begin,
    end: values.end,
    uri: values.uri,
    profile: values.profile,
  };
  if (values.format !== undefined) {
    const f = values.format;
    if (f !== 'table' && f !== 'csv' && f !== 'json') {
      throw new UsageError(`--format must be table, csv or json (got '${f}')`);
    }
    args.format = f;
  }
  if (values['max-colwidth'] !== undefined) {
    const n = Number(values['max-colwidth']);
    if (!Number.isInteger(n) || n < 0) {
      throw new UsageError('--max-colwidth must be a non-negative integer');
    }
    args.maxColWidth = n;
  }
  if (values.timeout !== undefined) {
    const t = Number(values.timeout);
    if (!Number.isFinite(t) || t <= 0) {
      throw new UsageError('--timeout must be a positive number of seconds');
    }
    args.timeoutMs = t * 1000;
  }
  const positional = positionals;
  if (args.help || args.version) {
    return args;
  }
  if (positional.length > 1) {
    throw new UsageError('give the SQL as ONE argument (quote it)');
  }
  args.sql = positional[0];
  if (args.file !== undefined && args.sql !== undefined) {
    throw new UsageError('cannot use both positional SQL and --file');
  }
  if (args.file === undefined && (args.sql === undefined || args.sql.trim() === '')) {
    throw new UsageError('must provide SQL as a positional argument or via --file');
  }
  if (!args.begin && !args.all) {
    throw new UsageError('--begin is required (or use --all to query the entire time range)');
  }
  if (args.all && args.begin) {
    throw new UsageError('--all and --begin are mutually exclusive');
  }
  if (args.all && args.end) {
    throw new UsageError('--all and --end are mutually exclusive');
  }
  return args;
}

/** `1h` (now − 1h) or RFC 3339; a value without a zone is taken as UTC, like the Python CLI. */
export function parseCliTime(flag: string, value: string, now: number): Date {
  try {
    return new Date(now - parseTimeDelta(value));
  } catch {
    // not a delta: try a timestamp
  }
  try {
    const hasZone = /([Zz]|[+-]\d{2}:?\d{2})$/.test(value.trim()) && /[Tt ]\d{2}:\d{2}/.test(value);
    return new Date(
      parseDatetime(hasZone ? value : `${value.trim()}${/[Tt ]\d/.test(value) ? '' : 'T00:00:00'}Z`).epochMs
    );
  } catch {
    throw new UsageError(
      `invalid --${flag} timestamp '${value}': expected an RFC 3339 timestamp (e.g. 2026-07-31T00:00:00Z) or a relative delta like '1h', '30m', '7d'`
    );
  }
}

/** Credentials: OAuth client credentials (environment, else the profile), else MICROMEGAS_TOKEN. */
function authFor(env: NodeJS.ProcessEnv, conn: ConnectionConfig): { token?: string; authProvider?: AuthProvider } {
  if (conn.oidcIssuer && conn.oidcClientId) {
    if (!conn.oidcClientSecret) {
      throw new Error(
        `MICROMEGAS_OIDC_CLIENT_SECRET environment variable not set${conn.profile ? ` (profile '${conn.profile}' names an OIDC issuer and client id)` : ''}`
      );
    }
    return {
      authProvider: new OidcClientCredentialsProvider({
        issuer: conn.oidcIssuer,
        clientId: conn.oidcClientId,
        clientSecret: conn.oidcClientSecret,
        audience: conn.oidcAudience,
        scope: conn.oidcScope,
      }),
    };
  }
  return env.MICROMEGAS_TOKEN ? { token: env.MICROMEGAS_TOKEN } : {};
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  readStdin: () => string;
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) {
      resolve();
    } else {
      stream.once('drain', resolve);
    }
  });
}

/** Runs the CLI; returns the exit code (0 ok, 1 query/connection error, 2 usage error). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  let sql: string;
  try {
    args = parseArgs(argv);
    if (args.help) {
      await write(io.stdout, USAGE);
      return 0;
    }
    if (args.version) {
      await write(io.stdout, `micromegas-query ${CLI_VERSION}\n`);
      return 0;
    }
    if (args.file !== undefined) {
      try {
        sql = (args.file === '-' ? io.readStdin() : readFileSync(args.file, 'utf8')).trim();
      } catch (err) {
        throw new UsageError(`cannot read file '${args.file}': ${(err as Error).message}`);
      }
      if (sql === '') {
        throw new UsageError(`no SQL in ${args.file === '-' ? 'stdin' : `file '${args.file}'`}`);
      }
    } else {
      sql = args.sql!;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      await write(io.stderr, `micromegas-query: error: ${err.message} (see micromegas-query --help)\n`);
      return 2;
    }
    throw err;
  }
  const now = Date.now();
  let begin: Date | undefined;
  let end: Date | undefined;
  try {
    begin = args.begin ? parseCliTime('begin', args.begin, now) : undefined;
    end = args.end ? parseCliTime('end', args.end, now) : begin ? new Date(now) : undefined;
  } catch (err) {
    await write(io.stderr, `micromegas-query: error: ${(err as Error).message}\n`);
    return 2;
  }
  let client;
  try {
    const conn = resolveConnection({ profile: args.profile, env: io.env });
    const uri = args.uri ?? conn.uri;
    client = connect(uri, { ...authFor(io.env, conn), clientEntrypoint: 'cli-query', timeoutMs: args.timeoutMs });
  } catch (err) {
    await write(io.stderr, `micromegas-query: error: ${oneLine(err)}\n`);
    return 1;
  }
  try {
    const stream = client.queryStream(sql, begin, end);
    const schema = await stream.schema;
    const batches: RecordBatch[] = [];
    let rows = 0;
    let first = true;
    for await (const batch of stream) {
      if (batch.numRows === 0) {
        continue;
      }
      if (args.format === 'table') {
        batches.push(batch);
      } else if (args.format === 'csv') {
        await write(io.stdout, (first ? csvHeader(schema) : '') + csvRows(batch));
      } else {
        await write(io.stdout, (first ? '[\n' : '') + jsonRecords(batch, first));
      }
      first = false;
      rows += batch.numRows;
    }
    if (rows === 0) {
      await write(io.stdout, 'no data\n');
    } else if (args.format === 'table') {
      await write(io.stdout, renderTable(schema, batches, args.maxColWidth));
    } else if (args.format === 'json') {
      await write(io.stdout, '\n]\n');
    }
    return 0;
  } catch (err) {
    await write(io.stderr, `micromegas-query: error: ${oneLine(err)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function oneLine(err: unknown): string {
  const msg = err instanceof MicromegasError || err instanceof Error ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' | ');
}
