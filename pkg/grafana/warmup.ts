// Runs the query path once on synthetic data right after the handshake, so the first
// real query of a fresh process does not pay for it: protobuf codecs are generated on
// first use (protobufjs compiles one encoder/decoder per message type), and V8
// compiles functions lazily, on their first call. Nothing here touches the network or
// a data source: the Flight client queries a throw-away loopback Flight server that
// replays a synthetic result, so the whole path (gRPC client, FlightData decoding,
// pipeline, frames, response encoding) has run once; a failure only costs the first
// query its head start.
import * as grpc from '@grpc/grpc-js';
import { Float64, Int32, Table, TimestampNanosecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';

import { FlightSQLClient } from '../micromegas';
import { splitIpcStream, type IpcMessage } from '../micromegas/flight-ipc';
import { clientConstructor, compileAllMessages, serviceDefinition } from '../proto';
import { runQuery } from '../query';
import { encodeQueryDataResponse } from './encode';
import { InstanceManager, type ClientFactory } from './instances';
import { createLogger } from './log';
import type { DataResponseOut } from './messages';

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
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))
  );
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

/**
 * `self`: this plugin's own gRPC address; `factory`: the client factory real queries use.
 * With a factory, the client comes the way a first query's does: settings parsed from
 * pluginv2's instance settings, the client made by the factory (through a throw-away
 * instance manager that logs nothing). `stopped`, read between steps, ends the warm-up
 * early: once Grafana's first call has come, that call warms the path itself and the
 * warm-up would only compete with it for the CPU. Resolves to whether it ran to the end.
 */
export async function warmUp(self: string, factory?: ClientFactory, stopped = () => false): Promise<boolean> {
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
  const manager = factory && new InstanceManager(factory, createLogger('error', noop));
  const lease = manager?.acquire({
    id: 0,
    uid: 'warm-up',
    name: 'warm-up',
    url: '',
    user: '',
    database: '',
    basicAuthEnabled: false,
    basicAuthUser: '',
    jsonData: Buffer.from(JSON.stringify({ url: replay.uri })),
    decryptedSecureJsonData: {},
    lastUpdatedMS: 0,
    apiVersion: '',
  });
  const own = lease?.ok ? undefined : new FlightSQLClient(replay.uri, { sessionId: 'warm-up' });
  const client = lease?.ok ? lease.instance.client : own!;
  const responses: Record<string, DataResponseOut> = {};
  try {
    const env = {
      client,
      settings: lease?.ok ? lease.instance.pipeline : { rowLimit: 1000 },
      logger: { debug: noop, info: noop, warn: noop, error: noop },
    };
    for (const format of ['table', 'time_series']) {
      if (stopped()) {
        return false;
      }
      const result = await runQuery(env, {
        refId: format,
        maxDataPoints: 100,
        timeRange: { fromEpochMS: now - 3600_000, toEpochMS: now },
        // As bytes, the way pluginv2 delivers it.
        json: Buffer.from(
          JSON.stringify({ query: 'SELECT time, name, value, n FROM warmup WHERE $__timeFilter(time)', format })
        ),
      });
      if (result.error) {
        throw new Error(result.error);
      }
      responses[format] = { frames: result.frames };
    }
  } finally {
    lease?.release();
    await manager?.disposeAll();
    own?.close();
    replay.close();
  }
  if (stopped()) {
    return false;
  }
  encodeQueryDataResponse({ responses });
  await selfCall(self);
  return true;
}
