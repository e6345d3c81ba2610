// The data source's server address, as the config page, the backend settings and the
// Micromegas client all read it (one parser, so they can never disagree): grpc:// and
// http:// are plaintext gRPC, grpc+tls:// and https:// are gRPC over TLS (the Python
// client's mapping); grpc+tcp:// is grpc://. Dependency-free (browser and Node).

export const DEFAULT_GRPC_PORT = 50051;

export interface ServerEndpoint {
  host: string;
  port: number;
  tls: boolean;
  /** host:port as handed to gRPC (IPv6 hosts in brackets). */
  address: string;
}

export const URL_SCHEMES: Readonly<Record<string, { tls: boolean; port: number }>> = {
  grpc: { tls: false, port: DEFAULT_GRPC_PORT },
  'grpc+tcp': { tls: false, port: DEFAULT_GRPC_PORT },
  http: { tls: false, port: 80 },
  'grpc+tls': { tls: true, port: DEFAULT_GRPC_PORT },
  https: { tls: true, port: 443 },
};

export type EndpointResult = { ok: true; endpoint: ServerEndpoint } | { ok: false; message: string };

const fail = (message: string): EndpointResult => ({ ok: false, message });

/**
 * Parses `scheme://host[:port]`. A bare `host:port` is accepted only with `bareTls` given
 * (the upstream plugin's `host` + `secure` pair); elsewhere (our `url`, the client) the
 * message says which scheme to add. Messages are actionable and name no secret.
 */
export function parseEndpoint(raw: string, bareTls?: boolean): EndpointResult {
  const text = (raw ?? '').trim();
  if (text === '') {
    return fail('The URL is empty: enter the Micromegas FlightSQL address, e.g. grpc://micromegas:50051');
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(text);
  if (!m && bareTls === undefined) {
    return /^[^/:\s]+:\d+$/.test(text)
      ? fail(`Add a scheme: grpc://${text} (plain) or grpc+tls://${text} (TLS)`)
      : fail(
          `"${text}" is not a URL: use grpc://host:port, grpc+tls://host:port, http://host:port or https://host:port`
        );
  }
  const schemeName = m ? m[1].toLowerCase() : bareTls ? 'grpc+tls' : 'grpc';
  const scheme = URL_SCHEMES[schemeName];
  if (!scheme) {
    return fail(
      `The URL scheme "${m![1]}" is not supported: use grpc:// (plain), grpc+tls:// (TLS), http:// or https://`
    );
  }
  const authority = m ? m[2] : text;
  let url: URL;
  try {
    // URL parses the authority of "special" schemes reliably: borrow http for it.
    url = new URL(`http://${authority}`);
  } catch {
    return fail(`The URL "${text}" is not valid: expected ${schemeName}://host:port`);
  }
  if (url.username || url.password) {
    return fail('The URL must not contain credentials: use the Authentication section for the token');
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    return fail(`The URL "${text}" has a path (${url.pathname}): FlightSQL needs only scheme, host and port`);
  }
  if (url.search || url.hash) {
    return fail(`The URL "${text}" has a query string or fragment: FlightSQL needs only scheme, host and port`);
  }
  if (url.hostname === '') {
    return fail(`The URL "${text}" has no host name`);
  }
  // URL drops a port equal to http's default (80): read it from the text.
  const explicit = /:(\d+)\/?$/.exec(authority);
  const port = explicit ? Number(explicit[1]) : scheme.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return fail(`The URL "${text}" has an invalid port: it must be between 1 and 65535`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { ok: true, endpoint: { host, port, tls: scheme.tls, address: `${hostPart}:${port}` } };
}

/** The canonical form the backend reports: grpc://host:port or grpc+tls://host:port. */
export function formatEndpoint(e: Pick<ServerEndpoint, 'host' | 'port' | 'tls'>): string {
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.tls ? 'grpc+tls' : 'grpc'}://${host}:${e.port}`;
}
