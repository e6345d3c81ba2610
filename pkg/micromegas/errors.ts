// Typed errors of the Micromegas client. Every failure that leaves the client is a
// MicromegasError (or the caller's own AbortSignal reason), with the gRPC status,
// the server's message and what can be parsed out of it (query id, SQL position).
import { status as GrpcStatus } from '@grpc/grpc-js';

import { redactSecrets } from '../../src/shared/redact';

/** gRPC status names indexed by code, for messages and `codeName`. */
export const STATUS_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(
    Object.entries(GrpcStatus)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [v as number, k])
  )
);

export interface MicromegasErrorInit {
  code: number;
  serverMessage: string;
  /** Address (host:port) of the server the call went to. */
  address?: string;
  /** Overrides the human message (the server's message is still kept in `serverMessage`). */
  message?: string;
  cause?: unknown;
}

/** A failed call to Micromegas (or a client-side validation failure, code INVALID_ARGUMENT). */
export class MicromegasError extends Error {
  override readonly name = 'MicromegasError';
  /** gRPC status number (see `@grpc/grpc-js` `status`). */
  readonly code: number;
  /** gRPC status name, e.g. `INVALID_ARGUMENT`. */
  readonly codeName: string;
  /** The server's message as received (secrets redacted). */
  readonly serverMessage: string;
  /** `query_id=<uuid>` from the server's message, when present. */
  readonly queryId?: string;
  /** SQL position from `(at line L, column C)`, when present. */
  readonly line?: number;
  readonly column?: number;
  readonly address?: string;

  constructor(init: MicromegasErrorInit) {
    const codeName = STATUS_NAMES[init.code] ?? `STATUS_${init.code}`;
    super(
      init.message ?? `${codeName}: ${init.serverMessage}`,
      init.cause === undefined ? undefined : { cause: init.cause }
    );
    this.code = init.code;
    this.codeName = codeName;
    this.serverMessage = init.serverMessage;
    this.address = init.address;
    const parsed = parseServerMessage(init.serverMessage);
    this.queryId = parsed.queryId;
    this.line = parsed.line;
    this.column = parsed.column;
  }
}

export interface ParsedServerMessage {
  queryId?: string;
  line?: number;
  column?: number;
}

/** Extracts `(query_id=<uuid>)` / `query_id=<uuid>` and `(at line L, column C)` from a server message. */
export function parseServerMessage(message: string): ParsedServerMessage {
  const out: ParsedServerMessage = {};
  const id = /query_id=([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/.exec(message);
  if (id) {
    out.queryId = id[1];
  }
  const pos = /\(at line (\d+), column (\d+)\)/.exec(message);
  if (pos) {
    out.line = Number(pos[1]);
    out.column = Number(pos[2]);
  }
  return out;
}

/** Replaces the given secrets (in every encoding) and credential-shaped text: the project's one redactor. */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  return redactSecrets(text, secrets);
}

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
}

/** Turns a grpc-js error (or anything thrown) into a MicromegasError. */
export function fromGrpcError(err: unknown, address: string, secrets: Iterable<string | undefined>): MicromegasError {
  if (err instanceof MicromegasError) {
    return err;
  }
  const e = (err ?? {}) as GrpcLikeError;
  const code = typeof e.code === 'number' ? e.code : GrpcStatus.UNKNOWN;
  const raw =
    typeof e.details === 'string' && e.details !== ''
      ? e.details
      : typeof e.message === 'string'
        ? e.message
        : String(err);
  // grpc-js appends an empty "Resolution note: " to connection failures.
  const serverMessage = redact(raw, secrets).replace(/\.?\s*Resolution note:\s*$/, '');
  const codeName = STATUS_NAMES[code] ?? `STATUS_${code}`;
  let message: string | undefined;
  if (
    code === GrpcStatus.UNAVAILABLE &&
    /No connection established|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|connect|Failed to connect/i.test(serverMessage)
  ) {
    message = `UNAVAILABLE: could not reach Micromegas at ${address}: ${serverMessage}`;
  } else if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    message = `DEADLINE_EXCEEDED: the call to ${address} timed out (${serverMessage})`;
  } else if (code === GrpcStatus.UNAUTHENTICATED) {
    message = `UNAUTHENTICATED: ${serverMessage} (check the token or OIDC credentials)`;
  }
  return new MicromegasError({
    code,
    serverMessage,
    address,
    message: message ?? `${codeName}: ${serverMessage}`,
    cause: err,
  });
}

/** A client-side validation error (bad argument), code INVALID_ARGUMENT. */
export function invalidArgument(message: string): MicromegasError {
  return new MicromegasError({ code: GrpcStatus.INVALID_ARGUMENT, serverMessage: message, message });
}
