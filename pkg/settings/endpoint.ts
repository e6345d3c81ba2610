// Endpoint parsing: our `url` (with scheme) and the upstream `host` + `secure` pair, through
// the one address parser the config page and the client use too (src/shared/endpoint.ts).
import { formatEndpoint, parseEndpoint } from '../../src/shared/endpoint';
import { SettingsError } from './types';

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

function endpointOrThrow(text: string, bareTls?: boolean): Endpoint {
  const r = parseEndpoint(text, bareTls);
  if (!r.ok) {
    throw new SettingsError(r.message);
  }
  const { host, port, tls } = r.endpoint;
  return { host, port, tls };
}

/**
 * Parses `grpc://h:p`, `grpc+tls://h:p`, `http(s)://h[:p]`. A scheme is required, as on the
 * config page (a bare `h:p` gets "Add a scheme: …"); only the upstream `host` is bare.
 */
export function parseUrl(raw: string): Endpoint {
  return endpointOrThrow(raw);
}

/** Parses the upstream plugin's `host` ("host:port", the port is required there too; TLS from `secure`). */
export function parseUpstreamHost(raw: string, secure: boolean): Endpoint {
  const text = raw.trim();
  if (text === '') {
    throw new SettingsError(
      'Host is empty: enter the Micromegas FlightSQL address as host:port, e.g. micromegas:50051'
    );
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/:\d+$/.test(text)) {
    throw new SettingsError(`Host "${text}" has no port: write it as host:port, e.g. ${text}:50051`);
  }
  return endpointOrThrow(text, secure);
}

export const formatUrl: (e: Endpoint) => string = formatEndpoint;
