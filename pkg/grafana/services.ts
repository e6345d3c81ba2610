// pluginv2 service handlers. They translate protocol messages to pipeline calls
// (pkg/query) and back; no query logic lives here.
import { defaultMaxListeners, setMaxListeners } from 'node:events';

import * as grpc from '@grpc/grpc-js';

import {
  checkHealth,
  handleResource,
  runQuery,
  type DataQueryInput,
  type GrafanaUser,
  type QueryEnv,
  type QueryResult,
} from '../query';
import { OverloadError, type Admission } from './admission';
import type { Instance, InstanceManager } from './instances';
import type { DataFrameJSON } from '../frames/json';
import { parseTailRequest, runTail, TailRequestError, type TailRequest } from '../stream';
import { errorText, type Logger } from './log';
import {
  HealthStatus,
  StreamStatus,
  type DataResponseOut,
  type PbCallResourceRequest,
  type PbCheckHealthRequest,
  type PbDataQuery,
  type PbPluginContext,
  type PbQueryDataRequest,
  type PbStreamRequest,
  type QueryDataResponseOut,
  STATUS_OK,
} from './messages';
import type { PluginMetrics } from './metrics';
import { redact, redactValue } from './redact';

export interface ServiceDeps {
  instances: InstanceManager;
  logger: Logger;
  metrics: PluginMetrics;
  /** Aborted when the plugin shuts down: cancels everything still running. */
  shutdownSignal: AbortSignal;
  /** Bounds the queries and resource calls in flight (per data source and per process). */
  admission: Admission;
}

/** Waits for a slot of the instance's data source (see admission.ts). */
function slotFor(deps: ServiceDeps, instance: Instance, signal: AbortSignal): Promise<() => void> {
  return deps.admission.acquire({
    key: instance.settings.uid,
    limit: instance.settings.maxConcurrentQueries,
    queueTimeoutMs: instance.settings.queueTimeoutSeconds * 1000,
    signal,
  });
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

interface CallSignal {
  signal: AbortSignal;
  /** Detaches from the plugin-wide shutdown signal; call when the call ends. */
  done(): void;
}

/**
 * Calls to abort when the plugin shuts down. One listener on the long-lived shutdown signal
 * for all of them: a listener per call made Node print MaxListenersExceededWarning (at
 * error level) as soon as more than 10 calls were in flight.
 */
const shutdownRegistries = new WeakMap<AbortSignal, Set<() => void>>();

function onShutdown(shutdown: AbortSignal, abort: () => void): () => void {
  let registry = shutdownRegistries.get(shutdown);
  if (!registry) {
    const set = new Set<() => void>();
    registry = set;
    shutdownRegistries.set(shutdown, set);
    shutdown.addEventListener('abort', () => [...set].forEach((f) => f()), { once: true });
  }
  registry.add(abort);
  const r = registry;
  return () => r.delete(abort);
}

/**
 * AbortSignal for one call: Grafana's cancellation/deadline or plugin shutdown. `dependants`:
 * how many queries of the call listen to it (each adds one abort listener).
 */
function callSignal(
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  shutdown: AbortSignal,
  dependants = 1
): CallSignal {
  const controller = new AbortController();
  // Each query of the request listens (bounded by the request): not a leak.
  setMaxListeners(Math.max(defaultMaxListeners, dependants * 2 + 4), controller.signal);
  const onCancel = () => controller.abort(new Error('the request was cancelled by Grafana'));
  if (call.cancelled) {
    onCancel();
  } else {
    call.once('cancelled', onCancel);
  }
  let detach = () => undefined as unknown;
  if (shutdown.aborted) {
    controller.abort(shutdown.reason);
  } else {
    detach = onShutdown(shutdown, () => controller.abort(shutdown.reason));
  }
  return {
    signal: controller.signal,
    done: () => {
      detach();
      call.removeListener('cancelled', onCancel);
    },
  };
}

function userOf(ctx: PbPluginContext | null): GrafanaUser | undefined {
  const u = ctx?.user;
  if (!u || (!u.login && !u.email && !u.name)) {
    return undefined;
  }
  return {
    login: u.login || undefined,
    email: u.email || undefined,
    name: u.name || undefined,
    role: u.role || undefined,
  };
}

function envFor(instance: Instance, ctx: PbPluginContext | null, signal: AbortSignal, logger: Logger): QueryEnv {
  return { client: instance.client, settings: instance.pipeline, user: userOf(ctx), signal, logger };
}

function internalError(message: string): grpc.ServiceError {
  return Object.assign(new Error(message), {
    code: grpc.status.INTERNAL,
    details: message,
    metadata: new grpc.Metadata(),
  });
}

/** Best guess of where a thrown error comes from: gRPC status codes mean the server answered. */
function classifyThrown(e: unknown): { status: number; errorSource: 'plugin' | 'downstream' } {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && code > 0 && code <= 16) {
    return {
      status: code === grpc.status.INVALID_ARGUMENT ? 400 : code === grpc.status.UNAUTHENTICATED ? 401 : 502,
      errorSource: 'downstream',
    };
  }
  return { status: 500, errorSource: 'plugin' };
}

async function runOne(
  deps: ServiceDeps,
  instance: Instance,
  ctx: PbPluginContext | null,
  q: PbDataQuery,
  signal: AbortSignal
): Promise<DataResponseOut> {
  const log = deps.logger.with({ refId: q.refId, datasource: instance.settings.uid });
  const started = process.hrtime.bigint();
  deps.metrics.queryStarted();
  let result: DataResponseOut;
  let release: (() => void) | undefined;
  try {
    release = await slotFor(deps, instance, signal);
    const input: DataQueryInput = {
      refId: q.refId,
      maxDataPoints: q.maxDataPoints,
      intervalMS: q.intervalMS,
      timeRange: q.timeRange ? { fromEpochMS: q.timeRange.fromEpochMS, toEpochMS: q.timeRange.toEpochMS } : undefined,
      json: q.json,
      queryType: q.queryType || undefined,
    };
    const r: QueryResult = await runQuery(envFor(instance, ctx, signal, log), input);
    result = r.error
      ? { frames: r.frames, error: redact(r.error), status: r.status ?? 500, errorSource: r.errorSource ?? 'plugin' }
      : { frames: r.frames, status: STATUS_OK };
  } catch (e) {
    if (e instanceof OverloadError) {
      log.warn('query refused: overloaded', { error: e.message, ...deps.admission.stats });
      result = { frames: [], error: e.message, status: 429, errorSource: 'plugin' };
    } else if (signal.aborted) {
      const reason = signal.reason instanceof Error ? signal.reason.message : 'cancelled';
      result = { frames: [], error: `query cancelled: ${reason}`, status: 499, errorSource: 'plugin' };
    } else {
      const { status, errorSource } = classifyThrown(e);
      log.error('query failed with an exception', {
        error: errorText(e),
        stack: e instanceof Error ? e.stack : undefined,
      });
      result = { frames: [], error: redact(errorText(e)), status, errorSource };
    }
  }
  release?.();
  if (signal.aborted && result.error === undefined) {
    // A result finished just as the call was cancelled: nobody will read it.
    result = { frames: [], error: 'query cancelled', status: 499, errorSource: 'plugin' };
  }
  if (signal.aborted) {
    log.info('query cancelled', { reason: signal.reason instanceof Error ? signal.reason.message : 'cancelled' });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.metrics.queryFinished(seconds, result.error !== undefined);
  log.debug('query finished', { seconds, frames: result.frames.length, error: result.error });
  return result;
}

export function dataService(deps: ServiceDeps): { QueryData: Unary<PbQueryDataRequest, QueryDataResponseOut> } {
  return {
    QueryData: (call, callback) => {
      const req = call.request;
      const { signal, done } = callSignal(call, deps.shutdownSignal, req.queries.length);
      const lease = deps.instances.acquire(req.pluginContext?.dataSourceInstanceSettings);
      const finish = (responses: Record<string, DataResponseOut>) => {
        done();
        lease.release();
        callback(null, { responses });
      };
      if (!lease.ok) {
        const responses: Record<string, DataResponseOut> = {};
        for (const q of req.queries) {
          deps.metrics.queryStarted();
          deps.metrics.queryFinished(0, true);
          responses[q.refId] = { frames: [], error: lease.error, status: 400, errorSource: 'plugin' };
        }
        finish(responses);
        return;
      }
      const instance = lease.instance;
      // Answers are keyed by refId: a second query with the same refId would silently replace the first.
      const counts = new Map<string, number>();
      for (const q of req.queries) {
        counts.set(q.refId, (counts.get(q.refId) ?? 0) + 1);
      }
      const unique = req.queries.filter((q) => counts.get(q.refId) === 1);
      Promise.all(unique.map((q) => runOne(deps, instance, req.pluginContext, q, signal))).then(
        (results) => {
          const responses: Record<string, DataResponseOut> = {};
          unique.forEach((q, i) => (responses[q.refId] = results[i]));
          for (const [refId, n] of counts) {
            if (n > 1) {
              deps.metrics.queryStarted();
              deps.metrics.queryFinished(0, true);
              responses[refId] = {
                frames: [],
                error: `${n} queries in this request share refId ${JSON.stringify(refId)}: give each query its own refId (query letter) so each gets its own answer`,
                status: 400,
                errorSource: 'plugin',
              };
            }
          }
          finish(responses);
        },
        (e) => {
          // runOne never rejects; this is a last line of defence.
          done();
          lease.release();
          deps.logger.error('QueryData failed', { error: errorText(e) });
          callback(internalError(redact(errorText(e))));
        }
      );
    },
  };
}

export function diagnosticsService(deps: ServiceDeps): Record<string, Unary<any, any>> {
  return {
    CheckHealth: ((call, callback) => {
      deps.metrics.healthCheck();
      const req = call.request;
      const lease = deps.instances.acquire(req.pluginContext?.dataSourceInstanceSettings);
      let done = () => undefined as void;
      const reply = (status: number, message: string, details?: Record<string, unknown>) => {
        done();
        lease.release();
        callback(null, {
          status,
          message: redact(message),
          jsonDetails: Buffer.from(details ? JSON.stringify(redactValue(details)) : ''),
        });
      };
      if (!lease.ok) {
        reply(HealthStatus.ERROR, lease.error);
        return;
      }
      const cs = callSignal(call, deps.shutdownSignal);
      const signal = cs.signal;
      done = cs.done;
      const log = deps.logger.with({ datasource: lease.instance.settings.uid, call: 'CheckHealth' });
      // Save & test also says what the backend changed or ignored in the settings (e.g. a clamped timeout).
      const remarks = lease.instance.settings.warnings;
      const withRemarks = (message: string) =>
        remarks.length === 0 ? message : `${message}. Settings: ${remarks.join('; ')}`;
      checkHealth(envFor(lease.instance, req.pluginContext, signal, log)).then(
        (h) =>
          reply(h.status === 'OK' ? HealthStatus.OK : HealthStatus.ERROR, withRemarks(h.message), {
            ...h.details,
            ...(remarks.length > 0 ? { settingsWarnings: remarks } : {}),
          }),
        (e) => {
          log.error('health check failed with an exception', { error: errorText(e) });
          reply(HealthStatus.ERROR, `Health check failed: ${errorText(e)}`);
        }
      );
    }) as Unary<PbCheckHealthRequest, unknown>,
    CollectMetrics: ((_call, callback) => {
      callback(null, { metrics: { prometheus: Buffer.from(deps.metrics.render(), 'utf8') } });
    }) as Unary<unknown, unknown>,
  };
}

function jsonBody(
  status: number,
  value: unknown
): { code: number; headers: Record<string, { values: string[] }>; body: Buffer } {
  return {
    code: status,
    headers: { 'Content-Type': { values: ['application/json'] } },
    body: Buffer.from(JSON.stringify(value)),
  };
}

export function resourceService(deps: ServiceDeps): {
  CallResource: grpc.handleServerStreamingCall<PbCallResourceRequest, unknown>;
} {
  return {
    CallResource: (call) => {
      deps.metrics.resourceCall();
      const req = call.request;
      const lease = deps.instances.acquire(req.pluginContext?.dataSourceInstanceSettings);
      let done = () => undefined as void;
      const send = (message: unknown) => {
        done();
        lease.release();
        if (!call.cancelled) {
          call.write(message);
          call.end();
        }
      };
      if (!lease.ok) {
        send(jsonBody(400, { error: lease.error }));
        return;
      }
      const cs = callSignal(call, deps.shutdownSignal);
      const signal = cs.signal;
      done = cs.done;
      const log = deps.logger.with({ datasource: lease.instance.settings.uid, resource: req.path });
      const instance = lease.instance;
      slotFor(deps, instance, signal)
        .then(async (release) => {
          try {
            return await handleResource(envFor(instance, req.pluginContext, signal, log), {
              path: req.path,
              method: req.method,
              url: req.url || undefined,
              body: req.body,
            });
          } finally {
            release();
          }
        })
        .then(
          (r) => {
            const headers: Record<string, { values: string[] }> = {};
            for (const [k, v] of Object.entries(r.headers)) {
              headers[k] = { values: v };
            }
            const body = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
            // Error answers carry text built from server messages: scrubbed at the exit like every other.
            send({
              code: r.status,
              headers,
              body: r.status >= 400 ? Buffer.from(redact(body.toString('utf8'))) : body,
            });
          },
          (e) => {
            if (e instanceof OverloadError) {
              log.warn('resource call refused: overloaded', { error: e.message, ...deps.admission.stats });
              send(jsonBody(429, { error: e.message }));
              return;
            }
            if (signal.aborted) {
              send(jsonBody(499, { error: 'the request was cancelled' }));
              return;
            }
            log.error('resource call failed with an exception', { error: errorText(e) });
            send(jsonBody(500, { error: redact(errorText(e)) }));
          }
        );
    },
  };
}

/** gRPC status for a permanent live tail failure (the pipeline's HTTP-like status). */
function tailStatus(status: number): grpc.status {
  return status === 401
    ? grpc.status.UNAUTHENTICATED
    : status === 403
      ? grpc.status.PERMISSION_DENIED
      : grpc.status.INVALID_ARGUMENT;
}

/** Writes one packet; resolves once the stream can take more (or the call is gone). */
function writePacket(call: grpc.ServerWritableStream<PbStreamRequest, unknown>, frame: DataFrameJSON): Promise<void> {
  if (call.cancelled) {
    return Promise.resolve();
  }
  if (call.write({ data: Buffer.from(JSON.stringify(frame)) })) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = () => {
      call.removeListener('drain', done);
      call.removeListener('cancelled', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
  });
}

/**
 * Grafana Live streams: `tail/<key>` runs a logs query as a live tail (pkg/stream,
 * docs/live-tail.md). A refused subscription answers NOT_FOUND, which is what Grafana
 * shows; the reason goes to the log.
 */
export function streamService(deps: ServiceDeps): Record<string, grpc.UntypedHandleCall> {
  const check = (
    req: PbStreamRequest,
    call: string
  ): { ok: true; request: TailRequest; instance: Instance; release(): void } | { ok: false; reason: string } => {
    const lease = deps.instances.acquire(req.pluginContext?.dataSourceInstanceSettings);
    if (!lease.ok) {
      lease.release();
      return { ok: false, reason: lease.error };
    }
    try {
      return {
        ok: true,
        request: parseTailRequest(req.path, req.data),
        instance: lease.instance,
        release: () => lease.release(),
      };
    } catch (e) {
      lease.release();
      if (e instanceof TailRequestError) {
        return { ok: false, reason: e.message };
      }
      deps.logger.error(`${call} failed with an exception`, { path: req.path, error: errorText(e) });
      return { ok: false, reason: `internal error: ${errorText(e)}` };
    }
  };
  return {
    SubscribeStream: ((call, callback) => {
      const req = call.request;
      const checked = check(req, 'SubscribeStream');
      if (!checked.ok) {
        deps.logger.warn('stream subscription refused', { path: req.path, reason: redact(checked.reason) });
        callback(null, { status: StreamStatus.NOT_FOUND, data: Buffer.alloc(0) });
        return;
      }
      checked.release();
      callback(null, { status: StreamStatus.OK, data: Buffer.alloc(0) });
    }) as Unary<PbStreamRequest, unknown>,
    PublishStream: ((call, callback) => {
      deps.logger.warn('publishing to a stream refused: live tail streams are read-only', { path: call.request.path });
      callback(null, { status: StreamStatus.PERMISSION_DENIED, data: Buffer.alloc(0) });
    }) as Unary<PbStreamRequest, unknown>,
    RunStream: ((call: grpc.ServerWritableStream<PbStreamRequest, unknown>) => {
      const req = call.request;
      const checked = check(req, 'RunStream');
      if (!checked.ok) {
        const reason = redact(checked.reason);
        deps.logger.warn('stream refused', { path: req.path, reason });
        call.emit('error', {
          code: grpc.status.NOT_FOUND,
          details: `stream ${JSON.stringify(req.path)} refused: ${reason}`,
        });
        return;
      }
      const { request, instance } = checked;
      const cs = callSignal(call, deps.shutdownSignal);
      const log = deps.logger.with({ datasource: instance.settings.uid, stream: req.path });
      log.info('live tail started', { pollMs: request.pollMs });
      const finish = () => {
        cs.done();
        checked.release();
      };
      runTail({
        request,
        env: { ...envFor(instance, req.pluginContext, cs.signal, log), signal: cs.signal },
        send: (frame) => writePacket(call, frame),
      }).then(
        (outcome) => {
          finish();
          log.info('live tail ended', {
            ended: outcome.ended,
            polls: outcome.polls,
            rows: outcome.rows,
            reason: cs.signal.aborted && cs.signal.reason instanceof Error ? cs.signal.reason.message : undefined,
          });
          if (call.cancelled) {
            return;
          }
          if (outcome.ended === 'failed') {
            call.emit('error', {
              code: tailStatus(outcome.status),
              details: `live tail stopped: ${redact(outcome.message)}`,
            });
          } else {
            call.end();
          }
        },
        (e) => {
          // runTail does not reject; a last line of defence.
          finish();
          log.error('live tail failed', { error: redact(errorText(e)) });
          if (!call.cancelled) {
            call.emit('error', internalError(redact(`live tail failed: ${errorText(e)}`)));
          }
        }
      );
    }) as grpc.handleServerStreamingCall<PbStreamRequest, unknown>,
  };
}

const SERVING = 1;

export function healthService(): Record<string, grpc.UntypedHandleCall> {
  const known = (service: string) => service === '' || service === 'plugin';
  return {
    Check: ((call, callback) => {
      const service = (call.request as { service: string }).service;
      if (!known(service)) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${service}` });
        return;
      }
      callback(null, { status: SERVING });
    }) as Unary<unknown, unknown>,
    Watch: ((call: grpc.ServerWritableStream<{ service: string }, unknown>) => {
      if (!known(call.request.service)) {
        call.write({ status: 3 }); // SERVICE_UNKNOWN
        return;
      }
      call.write({ status: SERVING });
    }) as grpc.handleServerStreamingCall<{ service: string }, unknown>,
  };
}
