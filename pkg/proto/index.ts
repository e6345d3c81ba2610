// One place that turns the protocol texts into protobufjs types and gRPC service
// definitions. Everything that speaks gRPC (client, backend, dev server, test
// harness) loads its definitions from here.
//
// Start-up matters (Grafana waits for the plugin's handshake): the texts are parsed
// on first use, one group at a time (the plugin's handshake needs only Grafana's
// group; Flight's is parsed when the client first needs it), and service definitions
// are built straight from the protobufjs reflection objects. They are the same as
// @grpc/proto-loader's (path, streaming flags, serializers with the same conversion
// options), without its descriptor-set work, which cost ~150 ms per start.
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';

import { ARROW_FLIGHT_PROTO, FLIGHT_SQL_PROTO, GOOGLE_PROTO } from './flight.proto';
import { GO_PLUGIN_PROTO, HEALTH_PROTO, PLUGINV2_PROTO } from './grafana.proto';

export { FLIGHT_SQL_TYPE_PREFIX } from './flight.proto';

/** Parsed in this order, a group at a time; each group only refers to itself and earlier groups. */
const GROUPS: string[][] = [
  [PLUGINV2_PROTO, HEALTH_PROTO, GO_PLUGIN_PROTO],
  [GOOGLE_PROTO, ARROW_FLIGHT_PROTO, FLIGHT_SQL_PROTO],
];

const root = new protobuf.Root();
let groupsLoaded = 0;

function loadNextGroup(): boolean {
  if (groupsLoaded >= GROUPS.length) {
    return false;
  }
  for (const source of GROUPS[groupsLoaded++]) {
    protobuf.parse(source, root, { keepCase: true });
  }
  root.resolveAll();
  return true;
}

/** The reflection object named `fullName`, parsing further groups until it is found. */
function lookup<T extends protobuf.ReflectionObject>(
  fullName: string,
  kind: new (...args: never[]) => T,
  what: string
): T {
  for (;;) {
    const found = root.lookup(fullName);
    if (found instanceof kind) {
      return found;
    }
    if (!loadNextGroup()) {
      throw new Error(`unknown ${what} ${fullName}`);
    }
  }
}

/**
 * Parses every group and generates every message type's encoder, decoder and converters
 * now, rather than on each type's first use (protobufjs compiles them per type, nested
 * types included, when first needed: tens of ms in the first call that meets them).
 */
export function compileAllMessages(): void {
  while (loadNextGroup()) {
    // parse the remaining groups
  }
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const object of ns.nestedArray) {
      if (object instanceof protobuf.Type) {
        object.setup();
      }
      if (object instanceof protobuf.Namespace || object instanceof protobuf.Type) {
        walk(object);
      }
    }
  };
  walk(root);
}

/** Options shared by every gRPC (de)serializer: field names as written, int64 as JS numbers, bytes as Buffer. */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
} as const;

function serializer(type: protobuf.Type): grpc.serialize<unknown> {
  return (value) => {
    if (Array.isArray(value)) {
      throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    }
    // protobufjs writes Buffers under Node: no copy.
    return type.encode(type.fromObject(value as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(type: protobuf.Type): grpc.deserialize<unknown> {
  return (bytes) => type.toObject(type.decode(bytes), LOADER_OPTIONS as protobuf.IConversionOptions);
}

const services = new Map<string, grpc.ServiceDefinition>();

/** gRPC service definitions keyed by fully qualified service name. */
export function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  let def = services.get(fullName);
  if (!def) {
    const service = lookup(fullName, protobuf.Service, 'gRPC service');
    const methods: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    for (const method of service.methodsArray) {
      const request = method.resolvedRequestType!;
      const response = method.resolvedResponseType!;
      methods[method.name] = {
        path: `/${fullName}/${method.name}`,
        requestStream: !!method.requestStream,
        responseStream: !!method.responseStream,
        requestSerialize: serializer(request),
        requestDeserialize: deserializer(request),
        responseSerialize: serializer(response),
        responseDeserialize: deserializer(response),
        originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
      };
    }
    def = methods as grpc.ServiceDefinition;
    services.set(fullName, def);
  }
  return def;
}

/** A client constructor for a service, for callers that prefer the generic client. */
export function clientConstructor(fullName: string): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(serviceDefinition(fullName), fullName);
}

/** Looks up a message type by its fully qualified name, e.g. `arrow.flight.protocol.sql.TicketStatementQuery`. */
export function messageType(fullName: string): protobuf.Type {
  return lookup(fullName, protobuf.Type, 'protobuf message');
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
