// Starts the dev server: builds the sample lake, then serves Flight over gRPC.
import * as grpc from '@grpc/grpc-js';

import { serviceDefinition } from '../proto';
import { FLIGHT_SERVICE, flightService, type ApiKey } from './flight';
import { initTranslator } from './translate';
import { stopTranslateWorker } from './translate-pool';
import { Lake } from './lake';

export interface DevServerConfig {
  host: string;
  port: number;
  scale: number;
  nowMs: number;
  hours: number;
  seed: number;
  apiKeys: ApiKey[];
  /** Admin principals' keys (`--admin-keys`); when set, only they may call the mutating functions. */
  adminKeys?: ApiKey[];
  tls?: { certPem: string; keyPem: string; caPem?: string; requireClientCert: boolean };
  log: (line: string) => void;
}

export interface RunningServer {
  uri: string;
  port: number;
  lake: Lake;
  stop(): Promise<void>;
}

const MAX_MESSAGE = 100 * 1024 * 1024;

export async function startServer(config: DevServerConfig): Promise<RunningServer> {
  const [lake] = await Promise.all([
    Lake.create({ seed: config.seed, nowMs: config.nowMs, hours: config.hours, scale: config.scale }),
    initTranslator(),
  ]);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': -1,
  });
  server.addService(
    serviceDefinition(FLIGHT_SERVICE),
    flightService({ lake, apiKeys: config.apiKeys, adminKeys: config.adminKeys, log: config.log })
  );
  const credentials = config.tls
    ? grpc.ServerCredentials.createSsl(
        config.tls.caPem ? Buffer.from(config.tls.caPem) : null,
        [{ cert_chain: Buffer.from(config.tls.certPem), private_key: Buffer.from(config.tls.keyPem) }],
        config.tls.requireClientCert
      )
    : grpc.ServerCredentials.createInsecure();
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${config.host}:${config.port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)))
    );
  } catch (err) {
    lake.close();
    throw new Error(
      `cannot listen on ${config.host}:${config.port} (${err instanceof Error ? err.message : String(err)}); is another server using the port? Try --port 0 for a free one`
    );
  }
  const scheme = config.tls ? 'grpc+tls' : 'grpc';
  return {
    uri: `${scheme}://${config.host}:${port}`,
    port,
    lake,
    stop: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          lake.close();
          void stopTranslateWorker().then(resolve);
        });
      }),
  };
}
