// Error mapping: server failures (gRPC status from Micromegas) are "downstream" with an
// HTTP-like status and the server's own text (query_id, line/column kept); our own
// failures (query JSON, macros, format conversion) are "plugin" 400. No secret survives.
import { redactSecrets } from '../../src/shared/redact';
import type { ErrorSource, PipelineSettings } from './types';

/** gRPC status codes we map (numbers from the gRPC spec). */
const GRPC = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const GRPC_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/** An error of ours with its status and source decided where it is raised. */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly source: ErrorSource
  ) {
    super(message);
    this.name = 'PipelineError';
  }
}

export interface MappedError {
  message: string;
  status: number;
  source: ErrorSource;
  /** gRPC code when the error came from the server. */
  grpcCode?: number;
}

/** Names of our own validation errors (matched by name: classes live in several modules). */
const PLUGIN_ERRORS = new Set([
  'MacroError',
  'QueryModelError',
  'FrameFormatError',
  'RequestError',
  'AdhocFilterError',
]);

export function grpcCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 0 && code <= 16 ? code : undefined;
}

export function httpStatusForGrpc(code: number): number {
  switch (code) {
    case GRPC.INVALID_ARGUMENT:
      return 400;
    case GRPC.UNAUTHENTICATED:
      return 401;
    case GRPC.PERMISSION_DENIED:
      return 403;
    case GRPC.DEADLINE_EXCEEDED:
      return 504;
    case GRPC.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

/** Replaces secrets (in every encoding) and credential-shaped text: the project's one redactor. */
export function redactMessage(text: string, secrets: readonly string[] | undefined): string {
  return redactSecrets(text, secrets ?? []);
}

function serverText(err: { message?: unknown; details?: unknown; codeName?: unknown }, code: number): string {
  const name = GRPC_NAMES[code] ?? `STATUS_${code}`;
  // MicromegasError: message already `<CODE>: <server text>`; grpc-js: details = server text.
  if (typeof err.details === 'string' && err.details !== '') {
    return `${name}: ${err.details}`;
  }
  const msg = typeof err.message === 'string' ? err.message : String(err);
  const stripped = msg.replace(/^\d+ [A-Z_]+: /, '');
  return stripped.startsWith(`${name}:`) ? stripped : `${name}: ${stripped}`;
}

export interface MapContext {
  settings: PipelineSettings;
  /** Our own deadline fired. */
  timedOut?: boolean;
  /** Grafana cancelled the request. */
  cancelled?: boolean;
}

/** Maps anything thrown while running a query to message/status/source. */
export function mapError(err: unknown, ctx: MapContext): MappedError {
  const secrets = ctx.settings.secrets;
  const done = (message: string, status: number, source: ErrorSource, grpcCode?: number): MappedError => ({
    message: redactMessage(message, secrets),
    status,
    source,
    grpcCode,
  });
  // Our timer and the call's gRPC deadline (or the server's) expire together; whichever is
  // seen first, before or after the first batch, the advice is the same.
  if (ctx.timedOut || grpcCodeOf(err) === GRPC.DEADLINE_EXCEEDED) {
    const s = Math.round((ctx.settings.queryTimeoutMs ?? 0) / 1000);
    return done(
      `the query did not finish within the query timeout (${s} s): narrow the time range or aggregate more, or raise the data source's query timeout`,
      504,
      'downstream',
      GRPC.DEADLINE_EXCEEDED
    );
  }
  if (ctx.cancelled) {
    return done('the query was cancelled', 499, 'plugin', GRPC.CANCELLED);
  }
  if (err instanceof PipelineError) {
    return done(err.message, err.status, err.source);
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && PLUGIN_ERRORS.has(name)) {
    return done((err as Error).message, 400, 'plugin');
  }
  const code = grpcCodeOf(err);
  if (code !== undefined) {
    const e = err as { message?: unknown; details?: unknown };
    let text = serverText(e, code);
    if (code === GRPC.PERMISSION_DENIED && /impersonation/i.test(text)) {
      text +=
        ' (the credential does not allow user delegation: turn off User Attribution for this data source, or use an API key)';
    }
    return done(text, httpStatusForGrpc(code), 'downstream', code);
  }
  const message = err instanceof Error ? err.message : String(err);
  return done(`internal error in the Micromegas plugin: ${message}`, 500, 'plugin');
}
