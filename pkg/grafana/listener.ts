// The plugin's TCP listener, opened with node:net before gRPC loads so the handshake line
// goes out first: Grafana waits for that line, and grpc-js with node:http2 and the
// service definitions costs more start-up time than the rest of the process.
// Connections that arrive before the gRPC server exists wait here, unread beyond what
// the socket buffers, and are handed to grpc-js's connection injector once it is ready
// (node:http2 replays bytes a socket has already buffered, so nothing is lost).
import net from 'node:net';

import type { PortRange } from './handshake';

export interface PluginListener {
  readonly port: number;
  /** From now on every connection (queued ones first) goes to `accept`. */
  serveWith(accept: (socket: net.Socket) => void): void;
  /** Stops accepting; connections already handed over are the gRPC server's to close. */
  close(): void;
}

function open(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Listens on 127.0.0.1, on the first free port of the range (starting at a random
 * offset so parallel plugins do not race for the same port), or any free port.
 */
export async function listen(range: PortRange | undefined): Promise<PluginListener> {
  const server = await (range ? openInRange(range) : open(0));
  const queued: net.Socket[] = [];
  let accept: ((socket: net.Socket) => void) | undefined;
  // One connection the gRPC server cannot take must not stop the others, nor the start-up.
  const handOver = (socket: net.Socket) => {
    try {
      accept!(socket);
    } catch {
      socket.destroy();
    }
  };
  server.on('connection', (socket) => (accept ? handOver(socket) : queued.push(socket)));
  // Without a listener an error after start-up would be thrown as uncaught.
  server.on('error', () => undefined);
  return {
    port: (server.address() as net.AddressInfo).port,
    serveWith(next) {
      accept = next;
      queued.splice(0).forEach(handOver);
    },
    close: () => server.close(),
  };
}

async function openInRange(range: PortRange): Promise<net.Server> {
  const size = range.max - range.min + 1;
  const start = Math.floor(Math.random() * size);
  let lastError: unknown;
  for (let i = 0; i < size; i++) {
    try {
      return await open(range.min + ((start + i) % size));
    } catch (e) {
      lastError = e;
    }
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`no free port between PLUGIN_MIN_PORT=${range.min} and PLUGIN_MAX_PORT=${range.max}${detail}`);
}
