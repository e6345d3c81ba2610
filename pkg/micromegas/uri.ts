// Server URI parsing through the plugin's one address parser (src/shared/endpoint.ts):
// grpc:// and http:// are plaintext gRPC, grpc+tls:// and https:// are gRPC over TLS, as
// the Python client maps them.
import { parseEndpoint, type ServerEndpoint } from '../../src/shared/endpoint';
import { invalidArgument } from './errors';

export type ServerAddress = ServerEndpoint;

/** Parses `grpc://host:port`, `grpc+tls://host:port`, `http(s)://host[:port]`. */
export function parseServerUri(uri: string): ServerAddress {
  const r = parseEndpoint(typeof uri === 'string' ? uri : '');
  if (!r.ok) {
    throw invalidArgument(`invalid Micromegas URI: ${r.message}`);
  }
  return r.endpoint;
}
