// The plugin process up to its handshake line: checks that go-plugin started it, listens,
// writes the line, then loads the gRPC server (pkg/grafana/plugin.ts). Grafana waits for
// the line, so nothing here imports gRPC, protobuf or the query path: the executable's
// entry point imports this module alone (tests/backend/start-order.test.ts).
import {
  hasMagicCookie,
  handshakeLine,
  NOT_A_PROGRAM_MESSAGE,
  portRangeFromEnv,
  protocolVersionError,
} from './handshake';
import type { ClientFactory } from './instances';
import { listen, type PluginListener } from './listener';
import { createLogger, errorText, guardStdout, type Logger } from './log';

export interface PluginOptions {
  /**
   * The client factory, or a loader for it: the executable passes a loader so the
   * Micromegas client (apache-arrow, Flight) loads after the handshake.
   */
  clientFactory: ClientFactory | { load(): Promise<ClientFactory> };
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Called once the warm-up has ended (run, stopped early or failed). */
  afterWarmUp?: () => void;
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
  let listener: PluginListener;
  try {
    listener = await listen(portRangeFromEnv(env));
  } catch (e) {
    logger.error('cannot start the plugin server', { error: errorText(e) });
    process.exit(1);
  }
  writeHandshake(handshakeLine(listener.port));
  try {
    const { serve } = await import('./plugin');
    serve({ clientFactory: options.clientFactory, afterWarmUp: options.afterWarmUp, env, logger, listener, parent });
  } catch (e) {
    // Grafana has our address but nothing would ever answer on it.
    logger.error('cannot start the plugin server', { error: errorText(e) });
    process.exit(1);
  }
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
