// One place that turns the protocol texts into protobufjs types and gRPC service
// definitions. Everything that speaks gRPC (client, backend, dev server, test
// harness) loads its definitions from here.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';

import { ARROW_FLIGHT_PROTO, FLIGHT_SQL_PROTO, GOOGLE_PROTO } from './flight.proto';
import { GO_PLUGIN_PROTO, HEALTH_PROTO, PLUGINV2_PROTO } from './grafana.proto';

export { FLIGHT_SQL_TYPE_PREFIX } from './flight.proto';

function buildRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const source of [
    GOOGLE_PROTO,
    ARROW_FLIGHT_PROTO,
    FLIGHT_SQL_PROTO,
    PLUGINV2_PROTO,
    HEALTH_PROTO,
    GO_PLUGIN_PROTO,
  ]) {
    protobuf.parse(source, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

/** Every message type, for direct encode/decode (e.g. Any payloads, tickets). */
export const protoRoot: protobuf.Root = buildRoot();

/** Options shared by every gRPC (de)serializer: field names as written, int64 as JS numbers, bytes as Buffer. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
};

const packageDefinition = protoLoader.fromJSON(protoRoot.toJSON(), LOADER_OPTIONS);

/** gRPC service definitions keyed by fully qualified service name. */
export function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const def = packageDefinition[fullName];
  if (!def || typeof def !== 'object' || Object.values(def).some((m) => typeof m !== 'object' || !('path' in m))) {
    throw new Error(`unknown gRPC service ${fullName}`);
  }
  return def as grpc.ServiceDefinition;
}

/** A client constructor for a service, for callers that prefer the generic client. */
export function clientConstructor(fullName: string): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(serviceDefinition(fullName), fullName);
}

/** Looks up a message type by its fully qualified name, e.g. `arrow.flight.protocol.sql.TicketStatementQuery`. */
export function messageType(fullName: string): protobuf.Type {
  return protoRoot.lookupType(fullName);
}

/** Encodes a plain object as the named message. */
export function encodeMessage(fullName: string, value: Record<string, unknown>): Buffer {
  const type = messageType(fullName);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}

/** Decodes the named message into a plain object with the shared loader options. */
export function decodeMessage<T = Record<string, unknown>>(fullName: string, bytes: Uint8Array): T {
  const type = messageType(fullName);
  return type.toObject(type.decode(bytes), LOADER_OPTIONS as protobuf.IConversionOptions) as T;
}
