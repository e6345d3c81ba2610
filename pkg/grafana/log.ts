// stderr logging in the JSON-line shape hashicorp/go-plugin parses (hclog):
// `@level`, `@message`, `@timestamp` plus free fields. stdout belongs to the
// handshake line alone, so console output is rerouted here.
//
// go-plugin (client.go logStderr, log_entry.go parseJSON) decodes each line with Go's
// encoding/json into interface{} values and re-logs the fields through Grafana's logger,
// which prints them with %v: numbers arrive as float64 and print as 1.79e+12, objects
// as Go maps. So field values go out as text, and a field never repeats a key the
// host's line already has (its level, message, logger, time).
import { redact, redactValue } from './redact';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  trace(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger adding fixed fields (e.g. refId, data source uid) to every line. */
  with(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };
const RESERVED = new Set(['@level', '@message', '@timestamp', '@module']);
/** Keys of the host's own line (hclog, go-plugin's "timestamp", Grafana's logfmt t/level/msg/logger). */
const HOST_KEYS = new Set(['level', 'msg', 't', 'logger', 'timestamp', 'caller']);

/** A field as the host prints it cleanly: numbers in decimal, objects as JSON text. */
function fieldValue(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'bigint') {
    return String(value);
  }
  if (value !== null && typeof value === 'object') {
    return safeInspect(value);
  }
  return value;
}

/** Reads the level from MICROMEGAS_PLUGIN_LOG_LEVEL, then GF_PLUGIN_LOG_LEVEL; default info. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  for (const key of ['MICROMEGAS_PLUGIN_LOG_LEVEL', 'GF_PLUGIN_LOG_LEVEL']) {
    const raw = env[key]?.trim().toLowerCase();
    if (!raw) {
      continue;
    }
    const level = raw === 'warning' ? 'warn' : raw === 'err' ? 'error' : raw;
    if (level in RANK) {
      return level as LogLevel;
    }
  }
  return 'info';
}

type Sink = (line: string) => void;

class JsonLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly sink: Sink,
    private readonly fixed: LogFields
  ) {}

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.min;
  }

  with(fields: LogFields): Logger {
    return new JsonLogger(this.min, this.sink, { ...this.fixed, ...fields });
  }

  trace(message: string, fields?: LogFields): void {
    this.write('trace', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[level] < this.min) {
      return;
    }
    const entry: Record<string, unknown> = {
      '@level': level,
      '@message': redact(message),
      '@timestamp': timestamp(),
    };
    const extra = redactValue({ ...this.fixed, ...fields }) as LogFields;
    for (const [k, v] of Object.entries(extra)) {
      if (v !== undefined && !RESERVED.has(k)) {
        entry[HOST_KEYS.has(k) ? `field_${k}` : k] = fieldValue(v);
      }
    }
    let line: string;
    try {
      line = JSON.stringify(entry, jsonSafe);
    } catch {
      line = JSON.stringify({ '@level': level, '@message': redact(message), '@timestamp': entry['@timestamp'] });
    }
    this.sink(line + '\n');
  }
}

/**
 * go-plugin parses `@timestamp` with the Go layout 2006-01-02T15:04:05.000000Z07:00:
 * exactly six fractional digits, or the whole line is demoted to unparsed debug text.
 */
export function timestamp(epochMs: number = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(epochMs);
  const micros = Math.floor((epochMs - whole) * 1000);
  return new Date(whole)
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_m, ms: string) => `.${ms}${String(micros).padStart(3, '0')}Z`);
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Creates the process logger writing JSON lines to stderr. */
export function createLogger(level: LogLevel = levelFromEnv(), sink: Sink = (l) => process.stderr.write(l)): Logger {
  return new JsonLogger(RANK[level], sink, {});
}

/**
 * Reroutes console.* to the logger so no library can write to stdout and corrupt
 * the go-plugin protocol; also guards direct process.stdout.write after the
 * handshake line has been printed.
 */
export function guardStdout(logger: Logger): (line: string) => void {
  const format = (args: unknown[]): string =>
    args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : safeInspect(a))).join(' ');
  // The plugin protocol owns stdout: every console method is redirected to the JSON log on stderr.
  /* eslint-disable no-console */
  console.log = (...args: unknown[]) => logger.info(format(args), { source: 'console' });
  console.info = (...args: unknown[]) => logger.info(format(args), { source: 'console' });
  console.debug = (...args: unknown[]) => logger.debug(format(args), { source: 'console' });
  console.trace = (...args: unknown[]) => logger.trace(format(args), { source: 'console' });
  console.warn = (...args: unknown[]) => logger.warn(format(args), { source: 'console' });
  console.error = (...args: unknown[]) => logger.error(format(args), { source: 'console' });
  /* eslint-enable no-console */

  const realWrite = process.stdout.write.bind(process.stdout) as (chunk: string) => boolean;
  process.stdout.write = ((chunk: unknown) => {
    logger.warn('suppressed a write to stdout', { text: String(chunk).slice(0, 500) });
    return true;
  }) as typeof process.stdout.write;
  // The one sanctioned writer: the handshake line.
  return (line: string) => {
    realWrite(line);
  };
}

function safeInspect(value: unknown): string {
  try {
    return JSON.stringify(value, jsonSafe) ?? String(value);
  } catch {
    return String(value);
  }
}

/** An error's message, for logs and replies (the redactor runs on whatever carries it). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
