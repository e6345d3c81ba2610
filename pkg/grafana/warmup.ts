// Runs the query path once on synthetic data right after the handshake, so the first
// real query of a fresh process does not pay for it: protobuf codecs are generated on
// first use (protobufjs compiles one encoder/decoder per message type), and V8
// compiles functions lazily, on their first call. Nothing here touches the network or
// a data source: the Flight client queries a throw-away loopback Flight server that
// replays a synthetic result, so the whole path (QueryData service, gRPC client,
// FlightData decoding, pipeline, frames, response encoding) has run once; a failure only
// costs the first query its head start.
import * as grpc from '@grpc/grpc-js';
import { Float64, Int32, Table, TimestampNanosecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';

import { splitIpcStream, type IpcMessage } from '../micromegas/flight-ipc';
import { clientConstructor, compileAllMessages, serviceDefinition } from '../proto';
import { Admission } from './admission';
import { dataDefinition } from './data-definition';
import { InstanceManager, type ClientFactory } from './instances';
import { createLogger } from './log';
import { PluginMetrics } from './metrics';
import { dataService } from './services';

/** Binds `server` to a free loopback port. */
function bindLoopback(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))
  );
}

/** A loopback Flight server whose DoGet streams `messages` (an Arrow IPC stream's messages). */
async function replayServer(messages: IpcMessage[]): Promise<{ uri: string; close(): void }> {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  server.addService(serviceDefinition('arrow.flight.protocol.FlightService'), {
    DoGet: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      for (const m of messages) {
        call.write({ data_header: m.header, data_body: m.body });
      }
      call.end();
    },
  });
  const port = await bindLoopback(server);
  return { uri: `grpc://127.0.0.1:${port}`, close: () => server.forceShutdown() };
}

const noop = () => undefined;

/** One gRPC call from a client to `address` (our own server), as the Flight client makes calls. */
async function selfCall(address: string): Promise<void> {
  const Health = clientConstructor('grpc.health.v1.Health');
  const client = new Health(address, grpc.credentials.createInsecure());
  try {
    await new Promise<void>((resolve, reject) =>
      client.Check({ service: '' }, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e: Error | null) =>
        e ? reject(e) : resolve()
      )
    );
  } finally {
    client.close();
  }
}

/** A throw-away pluginv2.Data server with its own instances, admission and metrics. */
async function dataServer(factory: ClientFactory): Promise<{ address: string; close(): Promise<void> }> {
  const logger = createLogger('error', noop);
  const instances = new InstanceManager(factory, logger);
  const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
  const deps = {
    instances,
    logger,
    metrics: new PluginMetrics(),
    shutdownSignal: new AbortController().signal,
    admission: new Admission(),
  };
  server.addService(dataDefinition(), dataService(deps) as unknown as grpc.UntypedServiceImplementation);
  const port = await bindLoopback(server);
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      server.forceShutdown();
      await instances.disposeAll();
    },
  };
}

/** One QueryData call, as Grafana makes it: the query JSON as bytes, the data source settings with it. */
function queryData(client: grpc.Client, request: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    (client as unknown as Record<string, AnyUnary>).QueryData(
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + 5000 },
      (e: Error | null, reply: Record<string, unknown>) => (e ? reject(e) : resolve(reply))
    )
  );
}
type AnyUnary = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (e: Error | null, reply: Record<string, unknown>) => void
) => void;

/**
 * `self`: this plugin's own gRPC address; `factory`: the client factory real queries use.
 * The query path runs as a first query's does, through a throw-away QueryData server (the
 * plugin's own service code, instance manager and response encoder, with its own
 * admission and metrics, so Grafana's figures do not count it): pluginv2 request decoding,
 * settings parsed from pluginv2's instance settings, the client made by the factory, the
 * pipeline and the frames, against a loopback Flight server replaying a synthetic result.
 * `stopped`, read between steps, ends the warm-up early: once Grafana's first call has
 * come, that call warms the path itself and the warm-up would only compete with it for
 * the CPU. Resolves to whether it ran to the end.
 */
export async function warmUp(self: string, factory: ClientFactory, stopped = () => false): Promise<boolean> {
  if (stopped()) {
    return false;
  }
  compileAllMessages();
  const now = Date.now();
  // Epoch ms (apache-arrow's timestamp builders take ms whatever the unit).
  const times = [0, 0, 1, 1].map((i) => now - 60_000 + i * 30_000);
  const series = new Table({
    time: vectorFromArray(times, new TimestampNanosecond()),
    name: vectorFromArray(['a', 'b', 'a', 'b'], new Utf8()),
    value: vectorFromArray([1, 2, 3, 4], new Float64()),
    n: vectorFromArray([1, 2, 3, 4], new Int32()),
  });
  const replay = await replayServer(splitIpcStream(tableToIPC(series, 'stream')));
  const data = await dataServer(factory);
  const Data = clientConstructor('pluginv2.Data');
  const client = new Data(data.address, grpc.credentials.createInsecure());
  try {
    for (const format of ['table', 'time_series']) {
      if (stopped()) {
        return false;
      }
      const reply = await queryData(client, {
        pluginContext: {
          orgId: 1,
          pluginId: 'warm-up',
          user: { login: 'warm-up', name: '', email: '', role: 'Viewer' },
          dataSourceInstanceSettings: {
            id: 0,
            uid: 'warm-up',
            name: 'warm-up',
            jsonData: Buffer.from(JSON.stringify({ url: replay.uri })),
            decryptedSecureJsonData: {},
            lastUpdatedMS: 0,
          },
        },
        queries: [
          {
            refId: format,
            maxDataPoints: 100,
            intervalMS: 1000,
            timeRange: { fromEpochMS: now - 3600_000, toEpochMS: now },
            json: Buffer.from(
              JSON.stringify({ query: 'SELECT time, name, value, n FROM warmup WHERE $__timeFilter(time)', format })
            ),
          },
        ],
      });
      const answer = (reply.responses as Record<string, { error?: string; frames?: unknown[] }> | undefined)?.[format];
      if (!answer?.frames?.length) {
        throw new Error(answer?.error || `no frame in the warm-up's ${format} answer`);
      }
    }
  } finally {
    client.close();
    await data.close();
    replay.close();
  }
  if (stopped()) {
    return false;
  }
  await selfCall(self);
  return true;
}
