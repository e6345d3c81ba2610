// The warm-up after the handshake takes a first query's path: the data source client is made by
// the real client factory from pluginv2 instance settings, queried against a throw-away
// loopback Flight server, then closed (nothing of it outlives the warm-up).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { micromegasClientFactory } from '../../pkg/grafana/client';
import type { ClientFactory } from '../../pkg/grafana/instances';
import { healthService } from '../../pkg/grafana/services';
import { warmUp } from '../../pkg/grafana/warmup';
import { serviceDefinition } from '../../pkg/proto';

/** The plugin's own server stand-in and a factory recording the clients it makes. */
async function rig() {
  // Stands in for the plugin's own server: the warm-up ends with a health call to it.
  const server = new grpc.Server();
  server.addService(serviceDefinition('grpc.health.v1.Health'), healthService());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))
  );
  const made: Array<{ url: string; closed: boolean; queries: number }> = [];
  const factory: ClientFactory = (settings, logger) => {
    const handle = micromegasClientFactory(settings, logger);
    const record = { url: settings.url, closed: false, queries: 0 };
    made.push(record);
    const client = handle.client;
    return {
      client: new Proxy(client, {
        get(target, key, receiver) {
          if (key === 'queryStream') {
            record.queries++;
          }
          const value = Reflect.get(target, key, receiver) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }),
      close: () => {
        record.closed = true;
        return handle.close();
      },
    };
  };
  return { self: `127.0.0.1:${port}`, factory, made, close: () => server.forceShutdown() };
}

test('the warm-up queries through a client made by the real factory, and closes it', async () => {
  const { self, factory, made, close } = await rig();
  try {
    assert.equal(await warmUp(self, factory), true, 'ran to the end');
  } finally {
    close();
  }
  assert.equal(made.length, 1, 'one client made by the factory');
  assert.match(made[0].url, /^grpc:\/\/127\.0\.0\.1:\d+$/, 'pointing at the loopback replay server');
  assert.ok(made[0].queries >= 2, `queried (table and time series): ${made[0].queries}`);
  assert.ok(made[0].closed, 'closed when the warm-up ends');
});

test("the warm-up stops at its next step once Grafana's first call has come, and still closes its client", async () => {
  const { self, factory, made, close } = await rig();
  try {
    // Grafana's call arrives while the first warm-up query runs.
    const stopped = () => made.some((m) => m.queries > 0);
    assert.equal(await warmUp(self, factory, stopped), false, 'reported as stopped');
    assert.equal(await warmUp(self, factory, () => true), false, 'a call before it starts: nothing runs');
  } finally {
    close();
  }
  assert.equal(made.length, 1, 'no client made when stopped before the start');
  assert.equal(made[0].queries, 1, 'no further query after the call came');
  assert.ok(made[0].closed, 'closed');
});
