// A TCP relay in front of the dev server that can play an outage: down() closes the listening
// socket and drops every open connection (clients get ECONNREFUSED, streams break mid-way),
// up() listens again on the same port at once. From the plugin's side this is the server
// being killed and restarted, without waiting for a new dev server to load its data.
import net from 'node:net';

export class OutageProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted so far (each reconnect of the plugin's channel is one). */
  accepted = 0;
  /** Bytes relayed from the server to the plugin so far. */
  downstreamBytes = 0;
  private readonly byteWaiters = new Set<() => void>();

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    public port: number
  ) {}

  static async start(target: string): Promise<OutageProxy> {
    const m = /^grpc:\/\/([^:]+):(\d+)$/.exec(target);
    if (!m) {
      throw new Error(`not a plain grpc:// URI: ${target}`);
    }
    const proxy = new OutageProxy(m[1], Number(m[2]), 0);
    await proxy.up();
    return proxy;
  }

  get uri(): string {
    return `grpc://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Starts accepting connections (on the same port after the first time). */
  async up(): Promise<void> {
    if (this.server) {
      return;
    }
    const server = net.createServer((client) => {
      this.accepted++;
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      upstream.on('data', (chunk: Buffer) => {
        this.downstreamBytes += chunk.byteLength;
        for (const w of [...this.byteWaiters]) {
          w();
        }
      });
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Resolves once `n` more bytes went from the server to the plugin (e.g. a stream is under way). */
  waitForDownstreamBytes(n: number): Promise<void> {
    const target = this.downstreamBytes + n;
    return new Promise((resolve) => {
      const check = () => {
        if (this.downstreamBytes >= target) {
          this.byteWaiters.delete(check);
          resolve();
        }
      };
      this.byteWaiters.add(check);
    });
  }

  /** Refuses new connections and breaks every open one. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) {
      s.destroy();
    }
    if (server) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  async stop(): Promise<void> {
    await this.down();
  }
}
