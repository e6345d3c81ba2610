// Grafana host emulator: launches the built backend executable exactly as Grafana's
// go-plugin client does (magic cookie, protocol versions, port range, no AutoMTLS),
// reads the handshake line, connects over gRPC and offers typed pluginv2 calls.
// Used by tests/backend and by the browser sandbox to forward Grafana's routes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import * as grpc from '@grpc/grpc-js';
import { tableFromIPC, type Table } from 'apache-arrow';

import { clientConstructor } from '../../pkg/proto';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The executable under test; GPX_EXECUTABLE points elsewhere (e.g. an unpacked release zip). */
export const BACKEND_EXECUTABLE =
  process.env.GPX_EXECUTABLE ?? path.join(REPO_ROOT, 'dist', 'gpx_micromegas_linux_amd64');

/** Builds the executable when it is missing or older than its sources (not when GPX_EXECUTABLE is set). */
export function ensureBackendBuilt(): string {
  if (process.env.GPX_EXECUTABLE) {
    return BACKEND_EXECUTABLE;
  }
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-backend.mjs'), '--if-stale'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.status !== 0 || !existsSync(BACKEND_EXECUTABLE)) {
    throw new Error(`building the backend failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  return BACKEND_EXECUTABLE;
}

// ---- message shapes (plain objects, as @grpc/proto-loader encodes/decodes them) ----

export interface HostUser {
  login: string;
  name?: string;
  email?: string;
  role?: string;
}

export interface DataSourceOptions {
  uid?: string;
  id?: number;
  name?: string;
  lastUpdatedMS?: number;
  jsonData?: Record<string, unknown>;
  /** Raw jsonData bytes, to send something that is not an object (invalid settings). */
  jsonDataBytes?: Buffer;
  decryptedSecureJsonData?: Record<string, string>;
  user?: HostUser | null;
  orgId?: number;
}

export interface PluginContextMessage {
  orgId: number;
  pluginId: string;
  user?: HostUser;
  dataSourceInstanceSettings: {
    id: number;
    uid: string;
    name: string;
    jsonData: Buffer;
    decryptedSecureJsonData: Record<string, string>;
    lastUpdatedMS: number;
  };
  pluginVersion: string;
  userAgent: string;
}

export const PLUGIN_ID = 'micromegas-micromegas-datasource';

/** A PluginContext with DataSourceInstanceSettings, as Grafana builds it for a data source call. */
export function pluginContext(opts: DataSourceOptions = {}): PluginContextMessage {
  const user =
    opts.user === null
      ? undefined
      : (opts.user ?? { login: 'admin', name: 'Admin', email: 'admin@localhost', role: 'Admin' });
  return {
    orgId: opts.orgId ?? 1,
    pluginId: PLUGIN_ID,
    ...(user ? { user: { name: '', email: '', role: 'Viewer', ...user } } : {}),
    dataSourceInstanceSettings: {
      id: opts.id ?? 1,
      uid: opts.uid ?? 'micromegas-test',
      name: opts.name ?? 'Micromegas',
      jsonData: opts.jsonDataBytes ?? Buffer.from(JSON.stringify(opts.jsonData ?? {})),
      decryptedSecureJsonData: opts.decryptedSecureJsonData ?? {},
      lastUpdatedMS: opts.lastUpdatedMS ?? 1,
    },
    pluginVersion: '0.1.0',
    userAgent: 'grafana-host-emulator',
  };
}

export interface QueryOptions {
  /** Panel range, ms since epoch; default: the last hour. */
  from?: number;
  to?: number;
  maxDataPoints?: number;
  intervalMS?: number;
  queryType?: string;
}

export interface DataQueryMessage {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: { fromEpochMS: number; toEpochMS: number };
  json: Buffer;
  queryType: string;
}

/** A DataQuery as Grafana sends it: the panel JSON plus refId/intervalMs/maxDataPoints. */
export function dataQuery(refId: string, json: Record<string, unknown>, opts: QueryOptions = {}): DataQueryMessage {
  const to = opts.to ?? Date.now();
  const from = opts.from ?? to - 3600_000;
  const maxDataPoints = opts.maxDataPoints ?? 1000;
  const intervalMS = opts.intervalMS ?? 1000;
  return {
    refId,
    maxDataPoints,
    intervalMS,
    timeRange: { fromEpochMS: from, toEpochMS: to },
    json: Buffer.from(JSON.stringify({ refId, intervalMs: intervalMS, maxDataPoints, ...json })),
    queryType: opts.queryType ?? '',
  };
}

export interface DataResponse {
  frames: Buffer[];
  error: string;
  status: number;
  errorSource: string;
}

export interface HealthResult {
  status: 'UNKNOWN' | 'OK' | 'ERROR';
  message: string;
  details: unknown;
}

export interface ResourceResult {
  code: number;
  headers: Record<string, string[]>;
  body: Buffer;
  /** The body parsed as JSON when it is JSON. */
  json?: unknown;
}

export interface LogLine {
  '@level': string;
  '@message': string;
  '@timestamp': string;
  [field: string]: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  deadlineMs?: number;
}

export interface HostStartOptions {
  executable?: string;
  /** Extra environment (e.g. log level). The cookie and port range are set by the host. */
  env?: Record<string, string>;
  minPort?: number;
  maxPort?: number;
  /** How long to wait for the handshake line. */
  startTimeoutMs?: number;
}

/** A CallResource body as Grafana sends it: bytes as given, text as UTF-8, objects as JSON. */
/** SubscribeStreamResponse / PublishStreamResponse status, by enum number. */
const STREAM_STATUS_NAMES = ['OK', 'NOT_FOUND', 'PERMISSION_DENIED'] as const;
type StreamStatusName = (typeof STREAM_STATUS_NAMES)[number];

export function resourceBody(body: Buffer | string | object | undefined): Buffer {
  if (body === undefined) {
    return Buffer.alloc(0);
  }
  return Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Decodes one frame (Arrow IPC file bytes) with apache-arrow. */
export function frameTable(frame: Uint8Array): Table {
  return tableFromIPC(frame);
}

type GenericClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const HEALTH_STATUS = ['UNKNOWN', 'OK', 'ERROR'] as const;

export class GrafanaHost {
  readonly logs: LogLine[] = [];
  /** stderr lines that were not JSON (go-plugin logs them verbatim at debug). */
  readonly rawStderr: string[] = [];
  /** Everything the plugin wrote to stdout (must be the handshake line only). */
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private readonly clients: Record<string, GenericClient> = {};
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly logWaiters = new Set<() => void>();

  private constructor(
    readonly child: ChildProcess,
    readonly handshake: string,
    readonly port: number
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
        return;
      }
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void this.exited.then((info) => (this.exitInfo = info));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Launches the executable like Grafana does and completes the go-plugin handshake. */
  static async start(opts: HostStartOptions = {}): Promise<GrafanaHost> {
    const executable = opts.executable ?? BACKEND_EXECUTABLE;
    const child = spawn(executable, [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        grafana_plugin_type: 'datasource',
        PLUGIN_PROTOCOL_VERSIONS: '2',
        PLUGIN_MIN_PORT: String(opts.minPort ?? 10000),
        PLUGIN_MAX_PORT: String(opts.maxPort ?? 25000),
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pending: LogLine[] = [];
    const raw: string[] = [];
    let stdout = '';
    let stderrBuf = '';
    let host: GrafanaHost | undefined;
    const onStderrLine = (line: string) => {
      if (line.trim() === '') {
        return;
      }
      try {
        const parsed = JSON.parse(line) as LogLine;
        (host ? host.logs : pending).push(parsed);
      } catch {
        (host ? host.rawStderr : raw).push(line);
      }
      host?.notifyLog();
    };
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderrBuf += chunk;
      let nl: number;
      while ((nl = stderrBuf.indexOf('\n')) >= 0) {
        onStderrLine(stderrBuf.slice(0, nl));
        stderrBuf = stderrBuf.slice(nl + 1);
      }
    });
    child.stdout!.setEncoding('utf8');

    const handshake = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no handshake line within ${opts.startTimeoutMs ?? 20000} ms`)),
        opts.startTimeoutMs ?? 20000
      );
      const fail = (e: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(
          new Error(
            `${e.message}\nstdout: ${stdout}\nstderr: ${[...pending.map((l) => JSON.stringify(l)), ...raw, stderrBuf].join('\n')}`
          )
        );
      };
      child.stdout!.on('data', (chunk: string) => {
        stdout += chunk;
        if (host) {
          host.stdout = stdout;
        }
        const nl = stdout.indexOf('\n');
        if (nl >= 0 && !host) {
          clearTimeout(timer);
          resolve(stdout.slice(0, nl));
        }
      });
      child.once('error', (e) => fail(e));
      child.once('exit', (code, signal) =>
        fail(new Error(`plugin exited before the handshake (code ${code}, signal ${signal})`))
      );
    });
    child.removeAllListeners('exit');

    // CORE|APP|NETWORK|ADDRESS|PROTOCOL, as go-plugin's client parses it.
    const parts = handshake.split('|');
    if (parts.length < 5 || parts[0] !== '1' || parts[1] !== '2' || parts[2] !== 'tcp' || parts[4] !== 'grpc') {
      child.kill('SIGKILL');
      throw new Error(`unexpected handshake line: ${JSON.stringify(handshake)}`);
    }
    const port = Number(parts[3].split(':').pop());
    host = new GrafanaHost(child, handshake, port);
    host.stdout = stdout;
    host.logs.push(...pending);
    host.rawStderr.push(...raw);
    await host.ping();
    return host;
  }

  private client(service: string): GenericClient {
    if (!this.clients[service]) {
      const Ctor = clientConstructor(service);
      // Like Grafana: no receive cap to speak of (math.MaxInt32), and a large HTTP/2
      // window (grpc-go grows its window with BDP estimation; grpc-js keeps 64 KiB
      // unless told, which would make large responses crawl).
      this.clients[service] = new Ctor(this.address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        'grpc-node.flow_control_window': 16 * 1024 * 1024,
      }) as unknown as GenericClient;
    }
    return this.clients[service];
  }

  private unary<T>(service: string, method: string, request: unknown, opts: CallOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const callOpts: grpc.CallOptions = opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
      const call = this.client(service)[method](
        request,
        new grpc.Metadata(),
        callOpts,
        (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res))
      ) as grpc.ClientUnaryCall;
      if (opts.signal) {
        if (opts.signal.aborted) {
          call.cancel();
        } else {
          opts.signal.addEventListener('abort', () => call.cancel(), { once: true });
        }
      }
    });
  }

  /** go-plugin's ping: grpc.health.v1.Health/Check for service "plugin". */
  async ping(): Promise<string> {
    const res = await this.unary<{ status: number }>(
      'grpc.health.v1.Health',
      'Check',
      { service: 'plugin' },
      { deadlineMs: 5000 }
    );
    return ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][res.status] ?? String(res.status);
  }

  async queryData(
    ctx: PluginContextMessage,
    queries: DataQueryMessage[],
    opts?: CallOptions
  ): Promise<Record<string, DataResponse>> {
    const res = await this.unary<{ responses: Record<string, DataResponse> }>(
      'pluginv2.Data',
      'QueryData',
      { pluginContext: ctx, headers: {}, queries },
      opts
    );
    return res.responses;
  }

  async checkHealth(ctx: PluginContextMessage, opts?: CallOptions): Promise<HealthResult> {
    const res = await this.unary<{ status: number; message: string; jsonDetails: Buffer }>(
      'pluginv2.Diagnostics',
      'CheckHealth',
      { pluginContext: ctx, headers: {} },
      opts
    );
    let details: unknown;
    if (res.jsonDetails?.length) {
      details = JSON.parse(res.jsonDetails.toString('utf8'));
    }
    return { status: HEALTH_STATUS[res.status] ?? 'UNKNOWN', message: res.message, details };
  }

  async collectMetrics(): Promise<string> {
    const res = await this.unary<{ metrics: { prometheus: Buffer } | null }>('pluginv2.Diagnostics', 'CollectMetrics', {
      pluginContext: null,
    });
    return res.metrics?.prometheus.toString('utf8') ?? '';
  }

  /** pluginv2.Resource/CallResource: collects the streamed response (first message: code + headers). */
  callResource(
    ctx: PluginContextMessage,
    req: {
      path: string;
      method?: string;
      url?: string;
      body?: Buffer | string | object;
      headers?: Record<string, string[]>;
    },
    opts: CallOptions = {}
  ): Promise<ResourceResult> {
    const body = resourceBody(req.body);
    const headers: Record<string, { values: string[] }> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) {
      headers[k] = { values: v };
    }
    const message = {
      pluginContext: ctx,
      path: req.path,
      method: req.method ?? 'GET',
      url: req.url ?? req.path,
      headers,
      body,
    };
    return new Promise((resolve, reject) => {
      const callOpts: grpc.CallOptions = opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {};
      const call = this.client('pluginv2.Resource').CallResource(
        message,
        new grpc.Metadata(),
        callOpts
      ) as grpc.ClientReadableStream<{
        code: number;
        headers: Record<string, { values: string[] }>;
        body: Buffer;
      }>;
      let first: { code: number; headers: Record<string, string[]> } | undefined;
      const chunks: Buffer[] = [];
      call.on('data', (m: { code: number; headers: Record<string, { values: string[] }>; body: Buffer }) => {
        if (!first) {
          const hs: Record<string, string[]> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) {
            hs[k] = v.values;
          }
          first = { code: m.code, headers: hs };
        }
        chunks.push(m.body);
      });
      call.on('error', reject);
      call.on('end', () => {
        if (!first) {
          reject(new Error('CallResource ended without a response message'));
          return;
        }
        const buf = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ ...first, body: buf, json });
      });
      opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /** pluginv2.Stream/SubscribeStream, with the request's data (a live tail's query JSON) if any. */
  async subscribeStream(
    ctx: PluginContextMessage,
    streamPath: string,
    data?: unknown
  ): Promise<{ status: StreamStatusName; data: Buffer }> {
    const res = await this.unary<{ status: number; data: Buffer }>('pluginv2.Stream', 'SubscribeStream', {
      pluginContext: ctx,
      path: streamPath,
      data: resourceBody(data as Buffer | string | object | undefined),
      headers: {},
    });
    return { status: STREAM_STATUS_NAMES[res.status], data: res.data };
  }

  async publishStream(
    ctx: PluginContextMessage,
    streamPath: string,
    data: unknown
  ): Promise<{ status: StreamStatusName }> {
    const res = await this.unary<{ status: number }>('pluginv2.Stream', 'PublishStream', {
      pluginContext: ctx,
      path: streamPath,
      data: Buffer.from(JSON.stringify(data)),
      headers: {},
    });
    return { status: STREAM_STATUS_NAMES[res.status] };
  }

  /** pluginv2.Stream/RunStream: collects packets until the stream ends; rejects with the gRPC error. */
  runStream(ctx: PluginContextMessage, streamPath: string, opts: CallOptions = {}): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const call = this.client('pluginv2.Stream').RunStream(
        { pluginContext: ctx, path: streamPath, data: Buffer.alloc(0), headers: {} },
        new grpc.Metadata(),
        opts.deadlineMs ? { deadline: Date.now() + opts.deadlineMs } : {}
      ) as grpc.ClientReadableStream<{ data: Buffer }>;
      const packets: Buffer[] = [];
      call.on('data', (p: { data: Buffer }) => packets.push(p.data));
      call.on('error', reject);
      call.on('end', () => resolve(packets));
      opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /**
   * pluginv2.Stream/RunStream as Grafana Live runs it: packets are readable as they arrive;
   * cancel() is what Grafana does when the channel's last subscriber leaves.
   */
  openStream(ctx: PluginContextMessage, streamPath: string, data: unknown): OpenStream {
    const call = this.client('pluginv2.Stream').RunStream(
      {
        pluginContext: ctx,
        path: streamPath,
        data: resourceBody(data as Buffer | string | object | undefined),
        headers: {},
      },
      new grpc.Metadata()
    ) as grpc.ClientReadableStream<{ data: Buffer }>;
    const packets: Buffer[] = [];
    const waiters = new Set<() => void>();
    const wake = () => {
      for (const w of [...waiters]) {
        w();
      }
    };
    let endInfo: { error?: grpc.ServiceError } | undefined;
    const ended = new Promise<{ error?: grpc.ServiceError }>((resolve) => {
      call.on('data', (p: { data: Buffer }) => {
        packets.push(p.data);
        wake();
      });
      call.on('error', (e: grpc.ServiceError) => {
        endInfo = { error: e };
        resolve(endInfo);
        wake();
      });
      call.on('end', () => {
        endInfo ??= {};
        resolve(endInfo);
        wake();
      });
    });
    const waitUntil = (done: () => boolean, timeoutMs: number, what: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (done()) {
            finish();
            resolve();
          } else if (endInfo) {
            finish();
            reject(new Error(`the stream ended (${endInfo.error?.message ?? 'OK'}) before ${what}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no ${what} within ${timeoutMs} ms (${packets.length} packet(s) so far)`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    return {
      packets,
      ended,
      waitForPackets: (n, timeoutMs = 15000) => waitUntil(() => packets.length >= n, timeoutMs, `${n} packet(s)`),
      waitUntil: (done, timeoutMs = 15000, what = 'the expected packets') => waitUntil(done, timeoutMs, what),
      cancel: () => call.cancel(),
    };
  }

  /** plugin.GRPCController/Shutdown, then waits for the process to exit. */
  async shutdown(
    timeoutMs = 10000
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; elapsedMs: number }> {
    const started = Date.now();
    if (this.running) {
      try {
        await this.unary('plugin.GRPCController', 'Shutdown', {}, { deadlineMs: timeoutMs });
      } catch {
        // The process may close the connection while answering; its exit is what counts.
      }
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const info = await this.exited;
    clearTimeout(timer);
    this.closeClients();
    return { ...info, elapsedMs: Date.now() - started };
  }

  /** Hard stop, for after() hooks: never throws, always leaves no process behind. */
  async kill(): Promise<void> {
    this.closeClients();
    if (this.running) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  /** Waits until a log line matches (checks lines already received first). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 10000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.logs.find(predicate);
        if (hit) {
          cleanup();
          resolve(hit);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; last lines:\n${this.logs
              .slice(-10)
              .map((l) => JSON.stringify(l))
              .join('\n')}`
          )
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.logWaiters.delete(waiter);
      };
      const waiter = () => void check();
      if (!check()) {
        this.logWaiters.add(waiter);
      }
    });
  }

  /** All stderr text received so far (JSON lines re-serialized plus raw lines). */
  stderrText(): string {
    return [...this.logs.map((l) => JSON.stringify(l)), ...this.rawStderr].join('\n');
  }

  private notifyLog(): void {
    for (const w of [...this.logWaiters]) {
      w();
    }
  }

  private closeClients(): void {
    for (const c of Object.values(this.clients)) {
      c.close();
    }
  }
}

/** A running RunStream (see GrafanaHost.openStream). */
export interface OpenStream {
  /** Every packet's data so far, in arrival order. */
  readonly packets: Buffer[];
  /** Resolves when the stream ends: `error` is the gRPC status it ended with, if any. */
  readonly ended: Promise<{ error?: grpc.ServiceError }>;
  waitForPackets(n: number, timeoutMs?: number): Promise<void>;
  /** Waits until `done()` holds, re-checked at each packet; rejects if the stream ends first. */
  waitUntil(done: () => boolean, timeoutMs?: number, what?: string): Promise<void>;
  cancel(): void;
}

/** Memory figures of a process from /proc (bytes). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}
