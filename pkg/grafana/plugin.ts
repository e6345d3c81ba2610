// The plugin process once the handshake line is out (pkg/grafana/start.ts): the gRPC
// server with every service Grafana and go-plugin call, graceful shutdown.
import * as grpc from '@grpc/grpc-js';

// The slicer module alone: the frames' index would load apache-arrow here.
import { nextTurn } from '../frames/slicer';
import { serviceDefinition } from '../proto';
import { dataDefinition } from './data-definition';
import { InstanceManager, type ClientFactory } from './instances';
import type { PluginListener } from './listener';
import type { PluginOptions } from './start';
import { errorText, type Logger } from './log';
import { Admission, admissionLimitsFromEnv } from './admission';
import { IdleGc } from './idle-gc';
import { PluginMetrics } from './metrics';
import { installPreframedSend } from './preframed';
import type { ServiceDeps } from './services';

/** No cap on what we send; receive at least 16 MiB (the Go SDK's default), we allow more. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_send_message_length': -1,
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  // Channelz bookkeeping costs per call and its proto files would be read from disk.
  'grpc.enable_channelz': 0,
};

const PARENT_CHECK_MS = 2000;

/** How long running calls get to finish after Shutdown before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 2000;

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
  logger: Logger,
  onCall: () => void = () => undefined
): grpc.UntypedServiceImplementation {
  const impl: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(definition)) {
    impl[name] = (call, callback) => {
      onCall();
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

/** What start.ts hands over once the handshake line is written. */
export interface ServeOptions {
  clientFactory: PluginOptions['clientFactory'];
  afterWarmUp?: PluginOptions['afterWarmUp'];
  env: NodeJS.ProcessEnv;
  logger: Logger;
  listener: PluginListener;
  /** The parent's pid read at start: a later read could already be the new parent's. */
  parent: number;
}

/** Serves Grafana on the listener the handshake line announced. Never returns while the plugin serves. */
export function serve({ clientFactory, afterWarmUp, env, logger, listener, parent }: ServeOptions): void {
  const shutdown = new AbortController();
  const metrics = new PluginMetrics();
  // Loaded once the gRPC server takes connections (see below); calls wait for it.
  let startLoading!: () => void;
  const loading = new Promise<void>((resolve) => (startLoading = resolve));
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
  // Grafana's first call, when it comes before the warm-up, warms the query path itself:
  // the warm-up would then only compete with it for the CPU.
  let grafanaCalled = false;
  const onCall = () => (grafanaCalled = true);
  server.addService(data, deferred(data, pick('data'), logger, onCall));
  for (const [name, key] of [
    ['pluginv2.Diagnostics', 'diagnostics'],
    ['pluginv2.Resource', 'resource'],
    ['pluginv2.Stream', 'stream'],
  ] as const) {
    server.addService(serviceDefinition(name), deferred(serviceDefinition(name), pick(key), logger, onCall));
  }

  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info('plugin shutting down', { reason });
    listener.close();
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

  const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  listener.serveWith((socket) => injector.injectConnection(socket));
  const { port } = listener;
  // Now load what the first call needs, then run the query path once on synthetic data
  // (pkg/grafana/warmup.ts).
  setImmediate(() => {
    startLoading();
    metrics.observeGc();
  });
  void services
    .then(() => logger.debug('plugin services loaded', { msSinceStart: Math.round(performance.now()) }))
    .then(async () => {
      // One turn of the event loop first: a call whose bytes wait in a socket is read then.
      await nextTurn();
      const w = await import('./warmup');
      const done = await w.warmUp(`127.0.0.1:${port}`, await factory, () => grafanaCalled);
      logger.debug(done ? 'query path warmed up' : 'warm-up stopped: a call from Grafana came first', {
        msSinceStart: Math.round(performance.now()),
      });
    })
    .catch((e) => logger.debug('warm-up failed (only the first query is slower)', { error: errorText(e) }))
    .finally(afterWarmUp);
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
