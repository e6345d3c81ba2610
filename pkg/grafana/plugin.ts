// The plugin process: handshake, gRPC server with every service Grafana and
// go-plugin call, graceful shutdown, and process-level guards.
import * as grpc from '@grpc/grpc-js';

import { serviceDefinition } from '../proto';
import { encodeQueryDataResponse } from './encode';
import {
  hasMagicCookie,
  handshakeLine,
  listen,
  NOT_A_PROGRAM_MESSAGE,
  portRangeFromEnv,
  protocolVersionError,
} from './handshake';
import { InstanceManager, errorText, type ClientFactory } from './instances';
import { createLogger, guardStdout, type Logger } from './log';
import type { QueryDataResponseOut } from './messages';
import { PluginMetrics } from './metrics';
import { finishFramed, installPreframedSend } from './preframed';
import {
  dataService,
  diagnosticsService,
  healthService,
  resourceService,
  streamService,
  type ServiceDeps,
} from './services';

/** No cap on what we send; receive at least 16 MiB (the Go SDK's default), we allow more. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  // Channelz bookkeeping costs per call and its proto files would be read from disk.
  'grpc.enable_channelz': 0,
};

const GRPC_HEADER_BYTES = 5;
const PARENT_CHECK_MS = 2000;

/** How long running calls get to finish after Shutdown before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 2000;

export interface PluginOptions {
  clientFactory: ClientFactory;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

/** QueryData with the hand-written response encoder: frames are copied once, into the bytes sent. */
function dataDefinition(): grpc.ServiceDefinition {
  const base = serviceDefinition('pluginv2.Data');
  const preframed = installPreframedSend();
  const serialize = preframed
    ? (value: QueryDataResponseOut) => {
        const buf = encodeQueryDataResponse(value, { headroom: GRPC_HEADER_BYTES, releaseFrames: true });
        return finishFramed(buf, buf.byteLength - GRPC_HEADER_BYTES);
      }
    : (value: QueryDataResponseOut) => encodeQueryDataResponse(value, { releaseFrames: true });
  return { ...base, QueryData: { ...base.QueryData, responseSerialize: serialize } };
}

/** Entry point used by pkg/main.ts. Never returns while the plugin serves. */
export async function runPlugin(options: PluginOptions): Promise<void> {
  const env = options.env ?? process.env;
  if (!hasMagicCookie(env)) {
    process.stderr.write(NOT_A_PROGRAM_MESSAGE);
    process.exit(1);
  }
  const logger = options.logger ?? createLogger();
  const writeHandshake = guardStdout(logger);
  installProcessGuards(logger);

  const versionError = protocolVersionError(env);
  if (versionError) {
    logger.error(versionError);
    process.exit(1);
  }

  const shutdown = new AbortController();
  const metrics = new PluginMetrics();
  const instances = new InstanceManager(options.clientFactory, logger);
  const deps: ServiceDeps = { instances, logger, metrics, shutdownSignal: shutdown.signal };

  const server = new grpc.Server(SERVER_OPTIONS);
  server.addService(serviceDefinition('grpc.health.v1.Health'), healthService());
  server.addService(dataDefinition(), dataService(deps) as unknown as grpc.UntypedServiceImplementation);
  server.addService(serviceDefinition('pluginv2.Diagnostics'), diagnosticsService(deps));
  server.addService(
    serviceDefinition('pluginv2.Resource'),
    resourceService(deps) as unknown as grpc.UntypedServiceImplementation
  );
  server.addService(serviceDefinition('pluginv2.Stream'), streamService(deps));

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info('plugin shutting down', { reason });
    shutdown.abort(new Error('the plugin is shutting down'));
    const exit = () => process.exit(0);
    // Safety net: whatever hangs, the process ends promptly.
    setTimeout(exit, SHUTDOWN_GRACE_MS + 1000).unref();
    const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
    server.tryShutdown(() => {
      clearTimeout(force);
      instances.disposeAll().finally(exit);
    });
  };

  server.addService(serviceDefinition('plugin.GRPCController'), {
    Shutdown: ((_call, callback) => {
      callback(null, {});
      // Let the reply leave before the server starts closing.
      setImmediate(() => stop('Shutdown requested by Grafana'));
    }) as grpc.handleUnaryCall<unknown, unknown>,
  });

  let port: number;
  try {
    port = await listen(server, portRangeFromEnv(env));
  } catch (e) {
    logger.error('cannot start the plugin server', { error: errorText(e) });
    process.exit(1);
  }
  writeHandshake(handshakeLine(port));
  logger.info('plugin started', {
    port,
    pid: process.pid,
    node: process.version,
    logLevel: env.MICROMEGAS_PLUGIN_LOG_LEVEL ?? env.GF_PLUGIN_LOG_LEVEL ?? 'info',
    preframedResponses: installPreframedSend(),
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  // If Grafana dies without stopping us, we are re-parented: leave instead of lingering.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      stop('Grafana (parent process) exited');
    }
  }, PARENT_CHECK_MS).unref();
  // Like go-plugin servers: Ctrl-C in Grafana's terminal reaches the whole process
  // group; Grafana itself stops the plugin through Shutdown or kill.
  process.on('SIGINT', () => logger.debug('ignoring SIGINT; waiting for Grafana to stop the plugin'));
}

function installProcessGuards(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled promise rejection (ignored)', {
      error: errorText(reason),
      stack: reason instanceof Error ? reason.stack : undefined,
    });
  });
  process.on('uncaughtException', (error) => {
    logger.error('uncaught exception (ignored)', { error: errorText(error), stack: error.stack });
  });
  // A closed stdout/stderr pipe (Grafana gone) must not become an uncaught EPIPE loop.
  process.stderr.on('error', () => undefined);
  process.stdout.on('error', () => undefined);
}
