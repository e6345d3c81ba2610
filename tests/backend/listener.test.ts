// The listener opened before gRPC loads (pkg/grafana/listener.ts): connections that arrive
// before the gRPC server exists are handed to grpc-js's connection injector once it does,
// including one whose client already sent its request, or already went away.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { listen } from '../../pkg/grafana/listener';
import { healthService } from '../../pkg/grafana/services';
import { clientConstructor, serviceDefinition } from '../../pkg/proto';

function check(port: number): Promise<number> {
  const Health = clientConstructor('grpc.health.v1.Health');
  const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise<number>((resolve, reject) =>
    client.Check({ service: '' }, (e: Error | null, reply: { status: number }) => {
      client.close();
      return e ? reject(e) : resolve(reply.status);
    })
  );
}

/** Resolves once `ready()` holds, checking once per event-loop turn. */
function until(ready: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (ready() ? resolve() : setImmediate(poll));
    poll();
  });
}

test('calls made before the gRPC server exists are answered once it does; a client gone meanwhile is harmless', async () => {
  const listener = await listen(undefined);
  const server = new grpc.Server();
  try {
    // A client that connects and leaves before the server exists.
    const gone = net.connect(listener.port, '127.0.0.1');
    await new Promise((resolve) => gone.once('connect', resolve));
    gone.end();
    // A call sent now waits in its socket, its request bytes already there.
    const answer = check(listener.port);
    const waiting: net.Socket[] = [];
    listener.serveWith((socket) => waiting.push(socket));
    await until(() => waiting.length === 2 && waiting.some((s) => s.readableEnded || s.destroyed));
    await until(() => waiting.some((s) => s.readableLength > 0));

    server.addService(serviceDefinition('grpc.health.v1.Health'), healthService());
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    waiting.forEach((socket) => injector.injectConnection(socket));
    listener.serveWith((socket) => injector.injectConnection(socket));
    assert.equal(await answer, 1, 'the waiting call is answered (SERVING)');
    assert.equal(await check(listener.port), 1, 'a later call too');
  } finally {
    listener.close();
    server.forceShutdown();
  }
});

test('a connection the gRPC server refuses is closed; the next one is still handed over', async () => {
  const listener = await listen(undefined);
  try {
    const first = net.connect(listener.port, '127.0.0.1');
    const closed = new Promise((resolve) => first.once('close', resolve));
    await new Promise((resolve) => first.once('connect', resolve));
    const taken: net.Socket[] = [];
    let calls = 0;
    listener.serveWith((socket) => {
      if (calls++ === 0) {
        throw new Error('cannot take this one');
      }
      taken.push(socket);
    });
    await closed;
    const second = net.connect(listener.port, '127.0.0.1');
    await until(() => taken.length === 1);
    second.destroy();
    taken[0].destroy();
  } finally {
    listener.close();
  }
});
