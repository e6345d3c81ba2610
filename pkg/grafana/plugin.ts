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
import { Admission, admissionLimitsFromEnv } from './admission';
import { IdleGc } from './idle-gc';
import { PluginMetrics } from './metrics';
import { finishFramed, installPreframedSend } from './preframed';
import type { ServiceDeps } from './services';

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
  /**
   * The client factory, or a loader for it: the executable passes a loader so the
   * Micromegas client (apache-arrow, Flight) loads after the handshake.
   */
  clientFactory: ClientFactory | { load(): Promise<ClientFactory> };
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

type Handlers = Record<string, grpc.UntypedHandleCall>;
type AnyHandler = (call: unknown, callback?: grpc.sendUnaryData<unknown>) => void;

/**
 * Handlers for a service whose implementation loads after the handshake: a call that
 * arrives before it is ready waits for it. What the handshake itself needs (gRPC, the
 * pluginv2 definitions) stays on the start-up path; the query pipeline, the
 * Micromegas client and apache-arrow do not (Grafana waits for the handshake line).
 */
function deferred(
  definition: grpc.ServiceDefinition,
  handlers: Promise<Handlers>,
  logger: Logger
): grpc.UntypedServiceImplementation {
  const impl: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(definition)) {
    impl[name] = (call, callback) => {
      handlers.then(
        (h) => (h[name] as AnyHandler)(call, callback),
        (e) => {
          const error = { code: grpc.status.INTERNAL, details: `the plugin failed to start: ${errorText(e)}` };
          logger.error('plugin services failed to load', { error: errorText(e) });
          if (method.responseStream) {
            (call as grpc.ServerWritableStream<unknown, unknown>).emit('error', error);
          } else {
            callback?.(error);
          }
        }
      );
    };
  }
  return impl as grpc.UntypedServiceImplementation;
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
  // Read before anything can yield: the host may die (and we be re-parented) as soon as it
  // has our handshake line, so a parent read after it could already be the new one.
  const parent = process.ppid;
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
  // Loaded once the handshake line is out (see below); calls wait for it. The client
  // factory's loader is not called before then: its import (the Micromegas client,
  // apache-arrow) would otherwise run in the microtasks before the server is bound.
  let startLoading!: () => void;
  const loading = new Promise<void>((resolve) => (startLoading = resolve));
  const { clientFactory } = options;
  const factory = loading.then(() => (typeof clientFactory === 'function' ? clientFactory : clientFactory.load()));
  const instances = factory.then((f) => new InstanceManager(f, logger));
  const admissionLimits = admissionLimitsFromEnv(env);
  admissionLimits.warnings.forEach((w) => logger.warn(w));
  // Memory back after a burst: one full collection once the plugin is idle again.
  const idleGc = new IdleGc(() => admission.stats.running === 0);
  const admission = new Admission(admissionLimits.limits, (running) => idleGc.update(running));
  const serviceModule = loading.then(() => import('./services'));
  // go-plugin's health ping (process liveness) does not wait for the Micromegas client.
  const health = serviceModule.then((impl) => impl.healthService());
  const services = serviceModule.then(async (impl) => {
    const manager = await instances;
    const deps: ServiceDeps = { instances: manager, logger, metrics, shutdownSignal: shutdown.signal, admission };
    return {
      data: impl.dataService(deps) as unknown as Handlers,
      diagnostics: impl.diagnosticsService(deps) as Handlers,
      resource: impl.resourceService(deps) as unknown as Handlers,
      stream: impl.streamService(deps),
    };
  });
  const pick = (key: keyof Awaited<typeof services>) => services.then((all) => all[key]);

  const server = new grpc.Server(SERVER_OPTIONS);
  const data = dataDefinition();
  server.addService(
    serviceDefinition('grpc.health.v1.Health'),
    deferred(serviceDefinition('grpc.health.v1.Health'), health, logger)
  );
  server.addService(data, deferred(data, pick('data'), logger));
  for (const [name, key] of [
    ['pluginv2.Diagnostics', 'diagnostics'],
    ['pluginv2.Resource', 'resource'],
    ['pluginv2.Stream', 'stream'],
  ] as const) {
    server.addService(serviceDefinition(name), deferred(serviceDefinition(name), pick(key), logger));
  }

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
      instances.then((m) => m.disposeAll()).finally(exit);
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
  // Grafana has its address; now load what the first call needs, then run the query
  // path once on synthetic data (pkg/grafana/warmup.ts).
  setImmediate(() => {
    startLoading();
    metrics.observeGc();
  });
  void services
    .then(() => import('./warmup'))
    .then(async (w) => w.warmUp(`127.0.0.1:${port}`, await factory))
    .then(() => logger.debug('query path warmed up', { msSinceStart: Math.round(performance.now()) }))
    .catch((e) => logger.debug('warm-up failed (only the first query is slower)', { error: errorText(e) }));
  logger.info('plugin started', {
    port,
    pid: process.pid,
    node: process.version,
    logLevel: env.MICROMEGAS_PLUGIN_LOG_LEVEL ?? env.GF_PLUGIN_LOG_LEVEL ?? 'info',
    preframedResponses: installPreframedSend(),
  });

  process.on('SIGTERM', () => stop('SIGTERM'));
  // If Grafana dies without stopping us, we are re-parented: leave instead of lingering.
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
