// Health check: a cheap real query through the same path as panels (same credentials and
// attribution headers), then the server's name/version. Failures say what to fix.
import { attributionAllowed, attributionHeaders } from './attribution';
import { grpcCodeOf, mapError } from './errors';
import { DEFAULT_QUERY_TIMEOUT_MS } from './limits';
import { callControl, openStream } from './stream';
import type { HealthResult, QueryEnv } from './types';

const HEALTH_TIMEOUT_MS = 30_000;

function hintFor(code: number | undefined, message: string, timedOut: boolean): string {
  if (timedOut || code === 4) {
    return 'Micromegas did not answer in time: check the URL and that nothing (firewall, proxy) holds the connection open';
  }
  switch (code) {
    case 14:
      if (/OAuth issuer .* is unreachable/.test(message)) {
        return 'Cannot reach the OAuth issuer: check the issuer URL and that Grafana can reach it (proxy, firewall, DNS)';
      }
      if (
        /ssl|tls|certificate|handshake|wrong version number|EPROTO|self[- ]signed|Connection dropped|Protocol error/i.test(
          message
        )
      ) {
        return 'TLS problem: use grpc:// for a plain server and grpc+tls:// only behind a TLS endpoint; check the CA certificate or skip-verify settings';
      }
      return 'Cannot reach Micromegas: check the URL (host and port, FlightSQL default 50051) and that the server runs and is reachable from Grafana';
    case 16:
      return 'Authentication failed: the server rejected the credentials (check the API key/token, or the OAuth issuer, client id, secret and audience)';
    case 7:
      return 'Permission denied by Micromegas';
    case 12:
      return 'The server does not implement the FlightSQL calls Micromegas answers: is this URL a Micromegas FlightSQL server?';
    case undefined:
      return 'Health check failed';
    default:
      return 'Micromegas answered with an error';
  }
}

/** Connects, runs SELECT 1 and reads the server name/version. Never throws. */
export async function checkHealth(env: QueryEnv): Promise<HealthResult> {
  const timeoutMs = Math.min(
    env.settings.queryTimeoutMs && env.settings.queryTimeoutMs > 0
      ? env.settings.queryTimeoutMs
      : DEFAULT_QUERY_TIMEOUT_MS,
    HEALTH_TIMEOUT_MS
  );
  const authMode = env.settings.authKind ?? 'none';
  const details: Record<string, unknown> = {
    authMode,
    userAttribution: attributionAllowed(env.settings) && !!env.user?.login,
  };
  const control = callControl(env.signal, timeoutMs);
  const started = performance.now();
  try {
    const result = await env.client.queryStream('SELECT 1 AS ok', undefined, undefined, {
      signal: control.signal,
      timeoutMs,
      headers: attributionHeaders(env.settings, env.user),
    });
    const { batches } = await openStream(result);
    let rows = 0;
    for await (const b of batches) {
      rows += b.numRows;
    }
    details.latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (rows !== 1) {
      return {
        status: 'ERROR',
        message: `Unexpected answer to SELECT 1 (${rows} rows): is this a Micromegas FlightSQL server?`,
        details,
      };
    }
    if (env.client.getSqlInfo) {
      try {
        const info = await env.client.getSqlInfo([0, 1, 2], { signal: control.signal, timeoutMs });
        details.serverName = info.get(0);
        details.serverVersion = info.get(1);
        details.arrowVersion = info.get(2);
      } catch (err) {
        details.sqlInfoError = mapError(err, { settings: env.settings }).message;
      }
    }
    const server = details.serverName
      ? `${String(details.serverName)}${details.serverVersion ? ` (version ${String(details.serverVersion)})` : ''}`
      : 'Micromegas';
    return {
      status: 'OK',
      message: `Connected to ${server} in ${details.latencyMs} ms; authentication: ${authMode}`,
      details,
    };
  } catch (err) {
    const mapped = mapError(err, { settings: env.settings, timedOut: control.timedOut, cancelled: control.cancelled });
    const code = mapped.grpcCode ?? grpcCodeOf(err);
    details.grpcCode = code;
    details.verboseMessage = mapped.message;
    env.logger.warn('health check failed', { status: mapped.status, error: mapped.message });
    return {
      status: 'ERROR',
      message: `${hintFor(code, mapped.message, control.timedOut)}. ${mapped.message}`,
      details,
    };
  } finally {
    control.dispose();
  }
}
