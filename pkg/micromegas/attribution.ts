// Client attribution headers (x-client-agent, x-client-entrypoint, x-client-session),
// resolved like the Python client's flightsql/attribution.py.
import { randomUUID } from 'node:crypto';

import { invalidArgument } from './errors';

const MAX_OVERRIDE_LEN = 64;
const VALID_OVERRIDE = /^[\x20-\x7e]+$/;

type Env = Readonly<Record<string, string | undefined>>;

/** A safe gRPC header value (printable ASCII, ≤ 64 chars) or undefined. */
export function sanitizeOverride(value: string | undefined): string | undefined {
  return value && value.length <= MAX_OVERRIDE_LEN && VALID_OVERRIDE.test(value) ? value : undefined;
}

/** MICROMEGAS_CLIENT_AGENT → `claude-code` when CLAUDECODE is set → `none`. */
export function resolveClientAgent(env: Env = process.env): string {
  const override = sanitizeOverride(env.MICROMEGAS_CLIENT_AGENT);
  if (override) {
    return override;
  }
  if (env.CLAUDECODE) {
    return 'claude-code';
  }
  return 'none';
}

/**
 * explicit (invalid ⇒ error) → MICROMEGAS_CLIENT_ENTRYPOINT → `script` for `node -e`/`-p`
 * → `repl` when there is no main script → `script`.
 */
export function resolveClientEntrypoint(
  explicit?: string,
  env: Env = process.env,
  proc: { argv: readonly string[]; execArgv: readonly string[] } = process
): string {
  if (explicit) {
    const sanitized = sanitizeOverride(explicit);
    if (!sanitized) {
      throw invalidArgument(
        `invalid clientEntrypoint ${JSON.stringify(explicit)}: must be printable ASCII, <= ${MAX_OVERRIDE_LEN} chars`
      );
    }
    return sanitized;
  }
  const override = sanitizeOverride(env.MICROMEGAS_CLIENT_ENTRYPOINT);
  if (override) {
    return override;
  }
  if (proc.execArgv.some((a) => a === '-e' || a === '-p' || a.startsWith('--eval') || a.startsWith('--print'))) {
    return 'script';
  }
  if (proc.argv.length < 2 || !proc.argv[1]) {
    return 'repl';
  }
  return 'script';
}

/** CLAUDE_CODE_SESSION_ID when valid, else a fresh UUID (one per client instance). */
export function resolveSessionId(env: Env = process.env): string {
  return sanitizeOverride(env.CLAUDE_CODE_SESSION_ID) ?? randomUUID();
}
