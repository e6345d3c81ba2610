// Server URI parsing, mapped as the Python client maps it:
// grpc:// and http:// are plaintext gRPC, grpc+tls:// and https:// are gRPC over TLS.
import { invalidArgument } from './errors';

export interface ServerAddress {
  /** host:port as handed to gRPC (IPv6 hosts keep their brackets). */
  address: string;
  host: string;
  port: number;
  tls: boolean;
}

const SCHEMES: Readonly<Record<string, { tls: boolean; defaultPort: number }>> = {
  'grpc:': { tls: false, defaultPort: 50051 },
  'grpc+tcp:': { tls: false, defaultPort: 50051 },
  'http:': { tls: false, defaultPort: 80 },
  'grpc+tls:': { tls: true, defaultPort: 50051 },
  'https:': { tls: true, defaultPort: 443 },
};

/** Parses `grpc://host:port`, `grpc+tls://host:port`, `http(s)://host[:port]`. */
export function parseServerUri(uri: string): ServerAddress {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw invalidArgument('the Micromegas URI is empty (expected e.g. grpc://localhost:50051)');
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\/(.*)$/.exec(uri.trim());
  if (!m) {
    throw invalidArgument(
      `invalid Micromegas URI '${uri}': expected <scheme>://host:port with scheme grpc, grpc+tls, http or https`
    );
  }
  const scheme = SCHEMES[m[1].toLowerCase()];
  if (!scheme) {
    throw invalidArgument(
      `unsupported URI scheme '${m[1].slice(0, -1)}' in '${uri}': use grpc:// (plaintext), grpc+tls:// (TLS), http:// or https://`
    );
  }
  let url: URL;
  try {
    // URL only parses the authority of "special" schemes reliably; borrow http for it.
    url = new URL(`http://${m[2]}`);
  } catch {
    throw invalidArgument(`invalid Micromegas URI '${uri}': cannot parse host and port`);
  }
  if (url.username || url.password) {
    throw invalidArgument(`invalid Micromegas URI: credentials in the URI are not supported (use the token option)`);
  }
  if (url.hostname === '') {
    throw invalidArgument(`invalid Micromegas URI '${uri}': missing host`);
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw invalidArgument(`invalid Micromegas URI '${uri}': a path ('${url.pathname}') is not supported by gRPC`);
  }
  // new URL('http://h:80') drops the default port: recover the explicit one from the text.
  const explicitPort = /:(\d+)\/?$/.exec(m[2]);
  const port = explicitPort ? Number(explicitPort[1]) : scheme.defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(`invalid port in Micromegas URI '${uri}'`);
  }
  return { address: `${url.hostname}:${port}`, host: url.hostname, port, tls: scheme.tls };
}
