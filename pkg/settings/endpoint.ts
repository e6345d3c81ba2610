// Endpoint parsing: our `url` (with scheme) and the upstream `host` + `secure` pair.
import { DEFAULT_GRPC_PORT, SettingsError } from './types';

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

// Same defaults as the client's URI parser (pkg/micromegas/uri.ts).
const SCHEMES: Record<string, { tls: boolean; port: number }> = {
  'grpc:': { tls: false, port: DEFAULT_GRPC_PORT },
  'grpc+tcp:': { tls: false, port: DEFAULT_GRPC_PORT },
  'http:': { tls: false, port: 80 },
  'grpc+tls:': { tls: true, port: DEFAULT_GRPC_PORT },
  'https:': { tls: true, port: 443 },
};

/** Parses `grpc://h:p`, `grpc+tls://h:p`, `http(s)://h:p`, or a bare `h:p` (plain unless `secureHint`). */
export function parseUrl(raw: string, secureHint = false): Endpoint {
  const text = raw.trim();
  if (text === '') {
    throw new SettingsError('URL is empty: enter the Micromegas FlightSQL address, e.g. grpc://micromegas:50051');
  }
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url: URL;
  try {
    // A scheme the URL parser does not know still parses host and port fine.
    url = new URL(hasScheme ? text : `grpc://${text}`);
  } catch {
    throw new SettingsError(`URL "${text}" is not valid: expected grpc://host:port or grpc+tls://host:port`);
  }
  const scheme = url.protocol.toLowerCase();
  if (!(scheme in SCHEMES)) {
    throw new SettingsError(
      `URL scheme "${scheme.replace(/:$/, '')}" is not supported: use grpc:// (plain), grpc+tls:// (TLS), http:// or https://`
    );
  }
  if (url.username || url.password) {
    throw new SettingsError('URL must not contain credentials: use the Authentication section for the token');
  }
  if (url.pathname && url.pathname !== '/' && url.pathname !== '') {
    throw new SettingsError(`URL "${text}" has a path (${url.pathname}): FlightSQL needs only scheme, host and port`);
  }
  if (url.search || url.hash) {
    throw new SettingsError(`URL "${text}" has a query string or fragment: FlightSQL needs only scheme, host and port`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) {
    throw new SettingsError(`URL "${text}" has no host name`);
  }
  const tls = hasScheme ? SCHEMES[scheme].tls : secureHint;
  // URL drops a port equal to the scheme's default (http:80), so read it from the text.
  const explicit = /:(\d+)\/?$/.exec(text);
  const port = explicit ? Number(explicit[1]) : hasScheme ? SCHEMES[scheme].port : DEFAULT_GRPC_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SettingsError(`URL "${text}" has an invalid port`);
  }
  return { host, port, tls };
}

/** Parses the upstream plugin's `host` ("host:port", the port is required there too). */
export function parseUpstreamHost(raw: string, secure: boolean): Endpoint {
  const text = raw.trim();
  if (text === '') {
    throw new SettingsError(
      'Host is empty: enter the Micromegas FlightSQL address as host:port, e.g. micromegas:50051'
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return parseUrl(text, secure);
  }
  if (!/:\d+$/.test(text)) {
    throw new SettingsError(`Host "${text}" has no port: write it as host:port, e.g. ${text}:50051`);
  }
  return parseUrl(text, secure);
}

export function formatUrl(e: Endpoint): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.tls ? 'grpc+tls' : 'grpc'}://${host}:${e.port}`;
}
