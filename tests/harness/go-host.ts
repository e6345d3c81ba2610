// Drives the built backend executable through tests/go-host: hashicorp/go-plugin's
// client and grpc-go, the parts Grafana itself uses to launch and call plugins.
// The Go side is schema-free; requests are encoded and responses decoded here with
// pkg/proto, reusing the request shapes of the Node host emulator (grafana-host.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { decodeMessage, encodeMessage } from '../../pkg/proto';

import {
  BACKEND_EXECUTABLE,
  REPO_ROOT,
  resourceBody,
  type DataQueryMessage,
  type DataResponse,
  type HealthResult,
  type PluginContextMessage,
  type ResourceResult,
} from './grafana-host';

export type GoHostAvailability = { ok: true; binary: string } | { ok: false; reason: string };

/**
 * Builds the Go host when stale (installing Go and Debian's go-plugin/grpc sources
 * with apt when root). `ok: false` means the toolchain is unavailable here (skip);
 * a failing build of our own Go code throws.
 */
export function ensureGoHost(): GoHostAvailability {
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-go-host.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (res.status === 3) {
    return { ok: false, reason: `Go host unavailable: ${res.stderr.trim()}` };
  }
  if (res.status !== 0) {
    throw new Error(`building tests/go-host failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}`);
  }
  return { ok: true, binary: res.stdout.trim().split('\n').pop()! };
}

/** One line of go-plugin's hclog output (JSON format): its own events and the plugin's parsed log lines. */
export interface HostLogLine {
  '@level': string;
  '@message': string;
  '@module': string;
  '@timestamp': string;
  [field: string]: unknown;
}

export interface GoHostStarted {
  /** What go-plugin negotiated from the handshake line. */
  protocol: string;
  negotiatedVersion: number;
  pid: number;
  /** Launch to usable client, as timed by the Go host. */
  startMs: number;
  executable: string;
}

export interface GoHostStartOptions {
  executable?: string;
  /** Environment of the host, which go-plugin passes on to the plugin (plus cookie and ports). */
  env?: Record<string, string>;
  /** go-plugin logger level (default trace: everything go-plugin logs). */
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  startTimeoutMs?: number;
  /** PLUGIN_MIN_PORT / PLUGIN_MAX_PORT; go-plugin's default is 10000-25000, as in Grafana. */
  minPort?: number;
  maxPort?: number;
  /** Also write go-plugin's log in hclog's text format (values printed with %v) to this file. */
  textLog?: string;
}

export interface GoCallOptions {
  /** Server-streaming method: collect every response message. */
  stream?: boolean;
  /** Call this many times in a row (latency sampling); the last response is returned. */
  repeat?: number;
  timeoutMs?: number;
  /** With `stream`: cancel the call after this many messages (Grafana leaving a live channel). */
  maxMessages?: number;
}

export interface GoCallResult {
  response?: Buffer;
  responses?: Buffer[];
  /** Per call, timed in Go around grpc-go's Invoke / stream. */
  latenciesNs: number[];
}

export interface KillResult {
  killMs: number;
  /** go-plugin's Exited(): it saw the process end. */
  exited: boolean;
  exitCode?: number;
  /** Set when the process ended by a signal (go-plugin's forced kill is SIGKILL). */
  signal?: string;
}

/** A gRPC status from the plugin (or the transport), as grpc-go reported it. */
export class GoCallError extends Error {
  constructor(
    readonly code: number | undefined,
    readonly grpcMessage: string
  ) {
    super(code === undefined ? grpcMessage : `gRPC status ${code}: ${grpcMessage}`);
  }
}

interface WireResult {
  id: number;
  ok: boolean;
  response?: string;
  responses?: string[];
  latenciesNs?: number[];
  code?: number;
  message?: string;
  killMs?: number;
  exited?: boolean;
  exitCode?: number;
  signal?: string;
}

const HEALTH_STATUS = ['UNKNOWN', 'OK', 'ERROR'] as const;

export class GoHost {
  /** go-plugin's log lines (JSON), in arrival order. */
  readonly logs: HostLogLine[] = [];
  /** stderr lines that were not JSON (e.g. a Go panic). */
  readonly rawStderr: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: WireResult) => void; reject: (e: Error) => void }>();
  private readonly logWaiters = new Set<() => void>();
  private hostExited = false;
  /** go-plugin reported the plugin process gone (after kill). */
  private pluginExited = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly started: GoHostStarted,
    private readonly lines: AsyncIterator<string>
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
        return;
      }
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    void this.exited.then(() => {
      this.hostExited = true;
      for (const p of this.pending.values()) {
        p.reject(new Error(`the Go host exited with calls pending; stderr:\n${this.stderrTail()}`));
      }
      this.pending.clear();
    });
    void this.readResults();
  }

  /** Launches the Go host, which launches the plugin through go-plugin and completes the handshake. */
  static async start(binary: string, opts: GoHostStartOptions = {}): Promise<GoHost> {
    const child = spawn(
      binary,
      [
        '-plugin',
        opts.executable ?? BACKEND_EXECUTABLE,
        '-log-level',
        opts.logLevel ?? 'trace',
        '-start-timeout',
        `${opts.startTimeoutMs ?? 30000}ms`,
        ...(opts.minPort !== undefined ? ['-min-port', String(opts.minPort)] : []),
        ...(opts.maxPort !== undefined ? ['-max-port', String(opts.maxPort)] : []),
        ...(opts.textLog !== undefined ? ['-text-log', opts.textLog] : []),
      ],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      }
    );
    // A write after the host died must reject the call, not crash the test process.
    child.stdin!.on('error', () => undefined);
    const logs: HostLogLine[] = [];
    const raw: string[] = [];
    let host: GoHost | undefined;
    splitLines(child.stderr!, (line) => {
      try {
        (host?.logs ?? logs).push(JSON.parse(line) as HostLogLine);
      } catch {
        (host?.rawStderr ?? raw).push(line);
      }
      host?.notifyLog();
    });
    const lines = lineIterator(child.stdout!);
    const first = await lines.next();
    const stderr = () => [...logs.map((l) => JSON.stringify(l)), ...raw].join('\n');
    if (first.done) {
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
      throw new Error(`the Go host exited (code ${child.exitCode}) before starting the plugin; stderr:\n${stderr()}`);
    }
    const event = JSON.parse(first.value) as { event: string; message?: string } & GoHostStarted;
    if (event.event !== 'started') {
      child.kill('SIGKILL');
      throw new Error(`${event.message ?? first.value}\ngo-plugin log:\n${stderr()}`);
    }
    host = new GoHost(child, event, lines);
    host.logs.push(...logs);
    host.rawStderr.push(...raw);
    return host;
  }

  get running(): boolean {
    return !this.hostExited;
  }

  /** Calls a full gRPC method name with an encoded request. */
  async call(method: string, request: Buffer, opts: GoCallOptions = {}): Promise<GoCallResult> {
    const r = await this.send({
      method,
      request: request.toString('base64'),
      stream: opts.stream,
      repeat: opts.repeat,
      timeoutMs: opts.timeoutMs,
      maxMessages: opts.maxMessages,
    });
    return {
      response: r.response === undefined ? undefined : Buffer.from(r.response, 'base64'),
      responses: r.responses?.map((m) => Buffer.from(m, 'base64')),
      latenciesNs: r.latenciesNs ?? [],
    };
  }

  /** go-plugin's Ping (grpc.health.v1 Check of service "plugin"); returns each latency in ns. */
  async ping(repeat = 1): Promise<number[]> {
    return (await this.send({ cmd: 'ping', repeat })).latenciesNs ?? [];
  }

  /** go-plugin's Kill: GRPCController/Shutdown, up to 2 s for the exit, then SIGKILL. The host exits after. */
  async kill(): Promise<KillResult> {
    const r = await this.send({ cmd: 'kill' });
    this.pluginExited = r.exited === true;
    await this.exited;
    return { killMs: r.killMs!, exited: r.exited!, exitCode: r.exitCode, signal: r.signal };
  }

  /** QueryData; also returns the Go-timed latencies when `repeat` > 1. */
  async queryDataTimed(
    ctx: PluginContextMessage,
    queries: DataQueryMessage[],
    opts: GoCallOptions = {}
  ): Promise<{ responses: Record<string, DataResponse>; latenciesNs: number[] }> {
    const req = encodeMessage('pluginv2.QueryDataRequest', { pluginContext: ctx, headers: {}, queries });
    const r = await this.call('/pluginv2.Data/QueryData', req, opts);
    const res = decodeMessage<{ responses: Record<string, DataResponse> }>('pluginv2.QueryDataResponse', r.response!);
    return { responses: res.responses, latenciesNs: r.latenciesNs };
  }

  async queryData(
    ctx: PluginContextMessage,
    queries: DataQueryMessage[],
    opts?: GoCallOptions
  ): Promise<Record<string, DataResponse>> {
    return (await this.queryDataTimed(ctx, queries, opts)).responses;
  }

  async checkHealth(ctx: PluginContextMessage, opts?: GoCallOptions): Promise<HealthResult> {
    const req = encodeMessage('pluginv2.CheckHealthRequest', { pluginContext: ctx, headers: {} });
    const r = await this.call('/pluginv2.Diagnostics/CheckHealth', req, opts);
    const res = decodeMessage<{ status: number; message: string; jsonDetails: Buffer }>(
      'pluginv2.CheckHealthResponse',
      r.response!
    );
    const details: unknown = res.jsonDetails?.length ? JSON.parse(res.jsonDetails.toString('utf8')) : undefined;
    return { status: HEALTH_STATUS[res.status] ?? 'UNKNOWN', message: res.message, details };
  }

  /** pluginv2.Resource/CallResource (server stream): the first message has code and headers, bodies concatenate. */
  async callResource(
    ctx: PluginContextMessage,
    req: { path: string; method?: string; url?: string; body?: Buffer | string | object },
    opts: Omit<GoCallOptions, 'stream'> = {}
  ): Promise<ResourceResult> {
    const body = resourceBody(req.body);
    const encoded = encodeMessage('pluginv2.CallResourceRequest', {
      pluginContext: ctx,
      path: req.path,
      method: req.method ?? 'GET',
      url: req.url ?? req.path,
      headers: {},
      body,
    });
    const r = await this.call('/pluginv2.Resource/CallResource', encoded, { ...opts, stream: true });
    const messages = (r.responses ?? []).map((m) =>
      decodeMessage<{ code: number; headers: Record<string, { values: string[] }>; body: Buffer }>(
        'pluginv2.CallResourceResponse',
        m
      )
    );
    if (messages.length === 0) {
      throw new Error('CallResource ended without a response message');
    }
    const headers: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(messages[0].headers ?? {})) {
      headers[k] = v.values;
    }
    const buf = Buffer.concat(messages.map((m) => m.body));
    let json: unknown;
    try {
      json = buf.length ? JSON.parse(buf.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    return { code: messages[0].code, headers, body: buf, json };
  }

  /** Waits until a go-plugin log line matches (checks lines already received first). */
  waitForLog(predicate: (line: HostLogLine) => boolean, timeoutMs = 10000): Promise<HostLogLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.logs.find(predicate);
        if (hit) {
          cleanup();
          resolve(hit);
        }
        return hit !== undefined;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching go-plugin log line within ${timeoutMs} ms; last lines:\n${this.stderrTail()}`));
      }, timeoutMs);
      const waiter = () => void check();
      const cleanup = () => {
        clearTimeout(timer);
        this.logWaiters.delete(waiter);
      };
      if (!check()) {
        this.logWaiters.add(waiter);
      }
    });
  }

  /** Hard stop for after() hooks: never throws, leaves neither the host nor the plugin behind. */
  async stop(): Promise<void> {
    if (this.running) {
      this.child.stdin!.end(); // the host kills the plugin gracefully on stdin EOF
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
    if (this.pluginExited) {
      return;
    }
    // Only if the plugin outlived a killed host; the cmdline check guards against a reused pid.
    try {
      const cmdline = readFileSync(`/proc/${this.started.pid}/cmdline`, 'utf8');
      if (cmdline.includes(this.started.executable)) {
        process.kill(this.started.pid, 'SIGKILL');
      }
    } catch {
      // already gone
    }
  }

  stderrTail(n = 15): string {
    return [...this.logs.slice(-n).map((l) => JSON.stringify(l)), ...this.rawStderr.slice(-n)].join('\n');
  }

  private send(command: Record<string, unknown>): Promise<WireResult> {
    if (!this.running) {
      return Promise.reject(new Error('the Go host has exited'));
    }
    const id = this.nextId++;
    return new Promise<WireResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(JSON.stringify({ id, ...command }) + '\n');
    }).then((r) => {
      if (!r.ok) {
        throw new GoCallError(r.code, r.message ?? 'unknown failure');
      }
      return r;
    });
  }

  private async readResults(): Promise<void> {
    for (let next = await this.lines.next(); !next.done; next = await this.lines.next()) {
      const r = JSON.parse(next.value) as WireResult;
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      p?.resolve(r);
    }
  }

  private notifyLog(): void {
    for (const w of [...this.logWaiters]) {
      w();
    }
  }
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== '') {
        onLine(line);
      }
    }
  });
}

/** stdout lines as an async iterator (the first is the start event, the rest are results). */
function lineIterator(stream: NodeJS.ReadableStream): AsyncIterator<string> {
  const queue: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  splitLines(stream, (line) => {
    queue.push(line);
    wake?.();
  });
  stream.on('end', () => {
    ended = true;
    wake?.();
  });
  return {
    async next(): Promise<IteratorResult<string>> {
      while (queue.length === 0 && !ended) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
      return queue.length > 0 ? { value: queue.shift()!, done: false } : { value: undefined, done: true };
    },
  };
}
