// Start-up, idle memory, first query, tail latency and memory under sustained small
// queries: the built executable against a minimal Go plugin (tests/go-baseline:
// hashicorp/go-plugin + grpc-go from Debian, answering QueryData with a precomputed
// frame), an empty Node single executable (Node's own floor for a SEA) and plain `node`,
// all in one run.
//   npm run bench -- startup        (or: node --import tsx scripts/bench/startup.ts)
// Environment: BENCH_STARTS (15 launches of each), BENCH_CALLS (2,000 timed SELECT 1 calls),
// BENCH_SUSTAINED (10,000 calls for the RSS trace), BENCH_FRESH (5 fresh processes for the first query).
//
// How each figure is obtained:
//   exec → handshake: spawn() to the first stdout line (go-plugin's handshake line), timed
//     here, launches of the four executables interleaved; p50. CPU: the child's utime +
//     stime (/proc/<pid>/stat) when the line arrives, so machine load does not inflate it.
//   idle RSS: VmRSS 1 s after the handshake line (RssAnon = private memory beside it).
//   launch → first query answered (fresh processes of each executable interleaved, as for the
//     first query below): go-plugin's start plus a QueryData sent at once (what
//     still loads after the handshake line is waited for here, not hidden).
//   first query: a fresh plugin started by tests/go-host (go-plugin + grpc-go, as Grafana
//     starts plugins), idle 1 s (Grafana starts plugins before their first query), then one
//     QueryData `SELECT 1`, timed in Go around grpc-go's Invoke; ÷ the same call's p50 once warm.
//   tail latency: BENCH_CALLS back-to-back QueryData `SELECT 1` through tests/go-host after
//     500 warm-up calls, Go-timed, p50 and p99; the Go baseline answers without a server, so
//     its figures are the go-plugin round-trip floor; the raw DoGet (this process, same
//     client library) is the dev server's own share.
//   sustained: BENCH_SUSTAINED calls in blocks of 500, VmRSS after each block.
//   time series peak: a fresh plugin, idle 1 s, then 5 time series queries (1,440 times × 7
//     series); VmHWM after a clear_refs reset just before them.
//   V8 flags A/B: one plugin per flag set (MICROMEGAS_PLUGIN_V8_FLAGS), BENCH_AB_ROUNDS rounds
//     of 250 calls to each in turn (BENCH_AB=0 skips it); p50/p99 and VmRSS after each round.
//   Every executable file is dropped from the page cache before the launches (see
//   dropFromPageCache); the floors are built on the same Node (scripts/sea-node.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { FlightSQLClient } from '../../pkg/micromegas';
import { decodeMessage, encodeMessage } from '../../pkg/proto';
import { CLIENT_IDENTITY } from '../../pkg/settings/client-options';
import { startDevServer, type DevServer } from '../../tests/harness/devserver';
import { ensureGoHost, GoHost } from '../../tests/harness/go-host';
import {
  BACKEND_EXECUTABLE,
  dataQuery,
  ensureBackendBuilt,
  pluginContext,
  REPO_ROOT,
} from '../../tests/harness/grafana-host';
import { hostLinuxPlatform, nodeBinaryFor, PLATFORMS, SEA_NODE_VERSION } from '../sea-node.mjs';
import { envNumber, loadAverage, peakDuring, procStatus } from './lib/measure';

const STARTS = envNumber('BENCH_STARTS', 15);
const CALLS = envNumber('BENCH_CALLS', 2000);
const SUSTAINED = envNumber('BENCH_SUSTAINED', 10_000);
const FRESH = envNumber('BENCH_FRESH', 5);
const SMALL_SQL = 'SELECT 1 AS x';
// The issue's time series: a day of minutes for 7 series (10,080 long rows → 1,440 × 7 wide).
const TS_SQL =
  'SELECT to_timestamp(1700000000 + t.i * 60) AS time, n.name, t.i * 0.5 AS value ' +
  "FROM range(1440) t(i) CROSS JOIN (VALUES ('a'), ('b'), ('c'), ('d'), ('e'), ('f'), ('g')) n(name) ORDER BY time, name";
const TS_CALLS = 5;
const COOKIE = { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2' };
const MiB = 1024 * 1024;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const p50 = (xs: number[]) => quantile(xs, 0.5);
const p99 = (xs: number[]) => quantile(xs, 0.99);

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
}

// ---- the executables ----

interface Launchable {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The node binary every executable is built on (scripts/sea-node.mjs), for the floors. */
function seaNode(): string {
  const host = hostLinuxPlatform();
  if (!host) {
    throw new Error('the start-up benchmark runs on Linux (amd64 or arm64)');
  }
  return nodeBinaryFor(PLATFORMS[host]);
}

/** An empty single executable of the same Node: prints a handshake-shaped line, then idles. */
function emptySea(node: string): Launchable {
  const dir = path.join(REPO_ROOT, 'node_modules', '.cache', 'bench-empty-sea');
  const exe = path.join(dir, `empty-sea-v${SEA_NODE_VERSION}`);
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const main = path.join(dir, 'empty.cjs');
    writeFileSync(main, "process.stdout.write('1|2|tcp|127.0.0.1:1|grpc\\n');\nsetInterval(() => {}, 1 << 30);\n");
    const blob = path.join(dir, 'empty.blob');
    const config = path.join(dir, 'sea-config.json');
    // Same SEA flavour as scripts/build-backend.mjs (code cache on), made by the node that runs it.
    writeFileSync(
      config,
      JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true })
    );
    spawnSync(node, ['--experimental-sea-config', config], { cwd: dir, stdio: 'ignore' });
    const tmp = `${exe}.tmp`;
    copyFileSync(node, tmp);
    const res = spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'postject', 'dist', 'cli.js'),
        tmp,
        'NODE_SEA_BLOB',
        blob,
        '--sentinel-fuse',
        'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
      ],
      { stdio: 'ignore' }
    );
    if (res.status !== 0) {
      throw new Error('postject failed making the empty single executable');
    }
    copyFileSync(tmp, exe);
    rmSync(tmp);
    spawnSync('chmod', ['755', exe]);
  }
  return { name: 'empty Node SEA', command: exe, args: [] };
}

/**
 * Drops `files` from the page cache (posix_fadvise DONTNEED, through GNU dd), so every
 * executable starts in the same state: its pages read back from disk, as after a reboot.
 * A file just written (a fresh build, an unzip) is cached in large folios and each page
 * fault then maps a whole folio: ~13 MiB more RssFile for the same process.
 */
function dropFromPageCache(files: string[]): void {
  for (const file of files) {
    spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
}

function goBaselineBinary(): { ok: true; binary: string } | { ok: false; reason: string } {
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build-go-host.mjs'), '--baseline'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (res.status === 3) {
    return { ok: false, reason: res.stderr.trim() };
  }
  if (res.status !== 0) {
    throw new Error(`building tests/go-baseline failed:\n${res.stdout}${res.stderr}`);
  }
  return { ok: true, binary: res.stdout.trim().split('\n').pop()! };
}

// ---- start-up and idle memory ----

interface Launch {
  ms: number;
  cpu: number;
  rss: number;
  anon: number;
}

function launch(exe: Launchable): Promise<Launch> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(exe.command, exe.args, {
      env: { ...process.env, ...COOKIE, PLUGIN_MIN_PORT: '26000', PLUGIN_MAX_PORT: '26999', ...exe.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    let done = false;
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (done || !out.includes('\n')) {
        return;
      }
      done = true;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const cpu = cpuMs(child.pid!);
      setTimeout(() => {
        const rss = procStatus(child.pid!, 'VmRSS');
        const anon = procStatus(child.pid!, 'RssAnon');
        child.kill('SIGKILL');
        child.once('exit', () => resolve({ ms, cpu, rss, anon }));
      }, 1000);
    });
    child.once('exit', (code) => done || reject(new Error(`${exe.name} exited (${code}) before its handshake`)));
    child.once('error', reject);
  });
}

async function startups(exes: Launchable[]): Promise<Map<string, Launch[]>> {
  const runs = new Map(exes.map((e) => [e.name, [] as Launch[]]));
  for (let i = 0; i < STARTS; i++) {
    for (const exe of exes) {
      runs.get(exe.name)!.push(await launch(exe));
    }
  }
  return runs;
}

// ---- queries through go-plugin ----

type GcTotals = Record<string, { count: number; ms: number }>;

/** Garbage collections so far, by kind, from the plugin's CollectMetrics (nodejs_gc_duration_seconds). */
async function gcTotals(host: GoHost, ctx: ReturnType<typeof pluginContext>): Promise<GcTotals> {
  const r = await host
    .call(
      '/pluginv2.Diagnostics/CollectMetrics',
      encodeMessage('pluginv2.CollectMetricsRequest', { pluginContext: ctx })
    )
    // The Go baseline serves QueryData only.
    .catch(() => undefined);
  if (!r) {
    return {};
  }
  const text = decodeMessage<{ metrics: { prometheus: Buffer } }>(
    'pluginv2.CollectMetricsResponse',
    r.response!
  ).metrics.prometheus.toString('utf8');
  const totals: GcTotals = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} ([\d.]+)$/gm)) {
    const t = (totals[m[2]] ??= { count: 0, ms: 0 });
    if (m[1] === 'count') {
      t.count = Number(m[3]);
    } else {
      t.ms = Number(m[3]) * 1000;
    }
  }
  return totals;
}

const gcDelta = (after: GcTotals, before: GcTotals): GcTotals =>
  Object.fromEntries(
    Object.entries(after).map(([k, v]) => [
      k,
      { count: v.count - (before[k]?.count ?? 0), ms: v.ms - (before[k]?.ms ?? 0) },
    ])
  );

const gcText = (gc: GcTotals, calls: number): string =>
  Object.entries(gc)
    .filter(([, v]) => v.count > 0)
    .map(([k, v]) => `${k} ${v.count} (${v.ms.toFixed(1)} ms, ${((v.ms / calls) * 1000).toFixed(0)} µs per call)`)
    .join(', ') || 'none';

interface FreshFigures {
  startMs: number[];
  launchToAnswer: number[];
  first: number[];
}

interface QueryFigures extends FreshFigures {
  p50: number;
  p99: number;
  max: number;
  rssTrace: number[];
  gc: GcTotals;
}

class Queries {
  readonly to = Date.now();
  readonly from = this.to - 3600_000;
  readonly ctx: ReturnType<typeof pluginContext>;

  constructor(
    private readonly goHost: string,
    dev: DevServer
  ) {
    this.ctx = pluginContext({ uid: 'bench-startup', jsonData: { url: dev.uri }, user: { login: 'admin' } });
  }

  private query() {
    return [dataQuery('A', { query: SMALL_SQL, format: 'table' }, { from: this.from, to: this.to })];
  }

  startHost(executable: string, env?: Record<string, string>): Promise<GoHost> {
    return this.start(executable, env);
  }

  timedCalls(host: GoHost, repeat: number): Promise<number[]> {
    return this.timed(host, repeat);
  }

  private async start(executable: string, env?: Record<string, string>): Promise<GoHost> {
    return GoHost.start(this.goHost, { executable, env, logLevel: 'warn', minPort: 27000, maxPort: 27999 });
  }

  private async timed(host: GoHost, repeat: number): Promise<number[]> {
    const { responses, latenciesNs } = await host.queryDataTimed(this.ctx, this.query(), { repeat });
    if (responses.A?.error || !responses.A?.frames.length) {
      throw new Error(`QueryData failed: ${responses.A?.error ?? 'no frame'}`);
    }
    return latenciesNs.map((ns) => ns / 1e6);
  }

  /**
   * Peak RSS (VmHWM after a clear_refs reset, else VmRSS sampled) of a plugin started
   * 1 s before, over TS_CALLS time series queries, and its RSS just before them.
   */
  async timeSeriesPeak(executable: string): Promise<Awaited<ReturnType<typeof peakDuring>>> {
    const host = await this.start(executable);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const q = [
        dataQuery('T', { query: TS_SQL, format: 'time_series', autoLimit: false }, { from: this.from, to: this.to }),
      ];
      return await peakDuring(host.started.pid, async () => {
        for (let i = 0; i < TS_CALLS; i++) {
          const r = await host.queryData(this.ctx, q);
          if (r.T?.error || !r.T?.frames.length) {
            throw new Error(`time series query failed: ${r.T?.error || 'no frame'}`);
          }
        }
      });
    } finally {
      await host.stop();
    }
  }

  /**
   * Fresh processes, the executables interleaved: go-plugin's start, a query 1 s after the
   * start, and (what a user waits for when a query starts the plugin) a query sent right
   * after the handshake, which waits for whatever still loads after the handshake line.
   */
  async freshRuns(exes: Array<{ executable: string; env?: Record<string, string> }>): Promise<FreshFigures[]> {
    const out: FreshFigures[] = exes.map(() => ({ startMs: [], launchToAnswer: [], first: [] }));
    for (let i = 0; i < FRESH; i++) {
      for (const [k, { executable, env }] of exes.entries()) {
        const host = await this.start(executable, env);
        try {
          out[k].startMs.push(host.started.startMs);
          await new Promise((r) => setTimeout(r, 1000));
          out[k].first.push((await this.timed(host, 1))[0]);
        } finally {
          await host.stop();
        }
        const fresh = await this.start(executable, env);
        try {
          out[k].launchToAnswer.push(fresh.started.startMs + (await this.timed(fresh, 1))[0]);
        } finally {
          await fresh.stop();
        }
      }
    }
    return out;
  }

  async figures(
    executable: string,
    env: Record<string, string> | undefined,
    sustained: boolean,
    fresh: FreshFigures
  ): Promise<QueryFigures> {
    const host = await this.start(executable, env);
    try {
      await this.timed(host, 500);
      const gcBefore = await gcTotals(host, this.ctx);
      const times = await this.timed(host, CALLS);
      const gc = gcDelta(await gcTotals(host, this.ctx), gcBefore);
      const rssTrace: number[] = [];
      if (sustained) {
        for (let done = 0; done < SUSTAINED; done += 500) {
          await this.timed(host, 500);
          rssTrace.push(procStatus(host.started.pid, 'VmRSS'));
        }
      }
      return {
        ...fresh,
        p50: p50(times),
        p99: p99(times),
        max: Math.max(...times),
        rssTrace,
        gc,
      };
    } finally {
      await host.stop();
    }
  }
}

/**
 * V8 flag sets for the plugin (MICROMEGAS_PLUGIN_V8_FLAGS; unset: pkg/main.ts's defaults),
 * compared on the same load: one long-lived plugin per set, blocks of calls interleaved.
 */
const FLAG_VARIANTS: Array<{ name: string; flags?: string }> = [
  { name: 'default (pkg/main.ts)' },
  { name: 'V8 defaults', flags: '' },
  { name: '--optimize-for-size', flags: '--optimize-for-size' },
  { name: '--semi-space-growth-factor=1', flags: '--semi-space-growth-factor=1' },
  { name: 'size + semi-space ≤ 4 MiB', flags: '--optimize-for-size --max-semi-space-size=4' },
];
const AB_ROUNDS = envNumber('BENCH_AB_ROUNDS', 20);
const AB_BLOCK = 250;

interface FlagFigures {
  name: string;
  p50: number;
  p99: number;
  max: number;
  rss: number[];
  gc: GcTotals;
}

async function flagsAB(q: Queries, executable: string): Promise<FlagFigures[]> {
  const hosts: GoHost[] = [];
  try {
    for (const v of FLAG_VARIANTS) {
      hosts.push(await q.startHost(executable, v.flags === undefined ? {} : { MICROMEGAS_PLUGIN_V8_FLAGS: v.flags }));
    }
    for (const host of hosts) {
      await q.timedCalls(host, 500);
    }
    const gcBefore = await Promise.all(hosts.map((h) => gcTotals(h, q.ctx)));
    const times = hosts.map(() => [] as number[]);
    const rss = hosts.map(() => [] as number[]);
    for (let round = 0; round < AB_ROUNDS; round++) {
      for (let i = 0; i < hosts.length; i++) {
        times[i].push(...(await q.timedCalls(hosts[i], AB_BLOCK)));
        rss[i].push(procStatus(hosts[i].started.pid, 'VmRSS'));
      }
    }
    const gcAfter = await Promise.all(hosts.map((h) => gcTotals(h, q.ctx)));
    return FLAG_VARIANTS.map((v, i) => ({
      gc: gcDelta(gcAfter[i], gcBefore[i]),
      name: v.name,
      p50: p50(times[i]),
      p99: p99(times[i]),
      max: Math.max(...times[i]),
      rss: rss[i],
    }));
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

/**
 * The dev server's share, from this (warm) process with the same client library: DoGet on one
 * connection, and on a new connection each time (what a fresh plugin's first query must pay
 * whatever it warmed: TCP and HTTP/2 set-up, and the server's side of a new connection).
 */
async function rawDoGet(dev: DevServer): Promise<{ p50: number; p99: number; freshP50: number }> {
  const connect = (id: string) => new FlightSQLClient(dev.uri, { ...CLIENT_IDENTITY, sessionId: id });
  const one = async (c: FlightSQLClient) => {
    const t0 = performance.now();
    for await (const batch of c.queryStream(SMALL_SQL, undefined, undefined)) {
      void batch;
    }
    return performance.now() - t0;
  };
  const client = connect('bench-startup');
  try {
    for (let i = 0; i < 500; i++) {
      await one(client);
    }
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      times.push(await one(client));
    }
    const fresh: number[] = [];
    for (let i = 0; i < 20; i++) {
      const c = connect(`bench-startup-fresh-${i}`);
      fresh.push(await one(c));
      c.close();
    }
    return { p50: p50(times), p99: p99(times), freshP50: p50(fresh) };
  } finally {
    client.close();
  }
}

/** Our frame for SELECT 1 (through the plugin), for the Go baseline to answer with. */
async function precomputedFrame(goHost: string, dev: DevServer): Promise<string> {
  const q = new Queries(goHost, dev);
  const host = await GoHost.start(goHost, { executable: BACKEND_EXECUTABLE, logLevel: 'warn' });
  try {
    const { responses } = await host.queryDataTimed(q.ctx, [
      dataQuery('A', { query: SMALL_SQL, format: 'table' }, { from: q.from, to: q.to }),
    ]);
    const file = path.join(tmpdir(), `go-baseline-frame-${process.pid}.arrow`);
    writeFileSync(file, responses.A.frames[0]);
    return file;
  } finally {
    await host.stop();
  }
}

// ---- report ----

const ms = (x: number) => `${x.toFixed(1)} ms`;
const mib = (x: number) => `${(x / MiB).toFixed(1)} MiB`;

async function main(): Promise<void> {
  ensureBackendBuilt();
  const loadBefore = loadAverage();
  const goHost = ensureGoHost();
  const baseline = goBaselineBinary();
  const dev = await startDevServer({ scale: 0.01 });
  let frameFile: string | undefined;
  try {
    const ours: Launchable = { name: 'ours', command: BACKEND_EXECUTABLE, args: [] };
    const node = seaNode();
    const empty = emptySea(node);
    const plain: Launchable = {
      name: 'plain node',
      command: node,
      args: ['-e', "process.stdout.write('1|2|tcp|127.0.0.1:1|grpc\\n'); setInterval(() => {}, 1 << 30)"],
    };
    let go: Launchable | undefined;
    if (goHost.ok && baseline.ok) {
      frameFile = await precomputedFrame(goHost.binary, dev);
      go = { name: 'Go baseline', command: baseline.binary, args: [], env: { GO_BASELINE_FRAME: frameFile } };
    }
    const libDir = path.join(path.dirname(BACKEND_EXECUTABLE), 'lib', hostLinuxPlatform()!);
    // BENCH_COMPARE=<executable>: another build of the plugin (e.g. main's) measured beside ours.
    const compare: Launchable | undefined = process.env.BENCH_COMPARE
      ? { name: 'compared build', command: path.resolve(process.env.BENCH_COMPARE), args: [] }
      : undefined;
    if (compare) {
      const dir = path.join(path.dirname(compare.command), 'lib', hostLinuxPlatform()!);
      dropFromPageCache(existsSync(dir) ? readdirSync(dir).map((f) => path.join(dir, f)) : [compare.command]);
    }
    dropFromPageCache([
      ...readdirSync(libDir).map((f) => path.join(libDir, f)),
      empty.command,
      node,
      ...(go ? [go.command] : []),
    ]);
    const runs = await startups([ours, ...(compare ? [compare] : []), ...(go ? [go] : []), empty, plain]);
    const stat = (name: string) => {
      const r = runs.get(name)!;
      return {
        ms: p50(r.map((x) => x.ms)),
        cpu: p50(r.map((x) => x.cpu)),
        rss: p50(r.map((x) => x.rss)),
        anon: p50(r.map((x) => x.anon)),
      };
    };
    const o = stat(ours.name);
    const e = stat(empty.name);
    const n = stat(plain.name);
    const g = go ? stat(go.name) : undefined;

    let ourQ: QueryFigures | undefined;
    let goQ: QueryFigures | undefined;
    let raw: Awaited<ReturnType<typeof rawDoGet>> | undefined;
    let tsPeak: Awaited<ReturnType<Queries['timeSeriesPeak']>> | undefined;
    if (goHost.ok) {
      const q = new Queries(goHost.binary, dev);
      tsPeak = await q.timeSeriesPeak(BACKEND_EXECUTABLE);
      const fresh = await q.freshRuns([
        { executable: BACKEND_EXECUTABLE },
        ...(compare ? [{ executable: compare.command }] : []),
        ...(go ? [{ executable: go.command, env: go.env }] : []),
      ]);
      ourQ = await q.figures(BACKEND_EXECUTABLE, undefined, true, fresh[0]);
      if (compare) {
        const c = await q.figures(compare.command, undefined, false, fresh[1]);
        const cs = stat(compare.name);
        console.log(
          `compared build (${compare.command}): exec → handshake ${ms(cs.ms)} (CPU ${cs.cpu.toFixed(0)} ms), idle RSS ${mib(cs.rss)} ` +
            `(private ${mib(cs.anon)}); go-plugin start ${ms(p50(c.startMs))}; launch → first query answered ${ms(p50(c.launchToAnswer))}; ` +
            `first query ÷ warm ${(p50(c.first) / c.p50).toFixed(2)} (${ms(p50(c.first))} vs ${ms(c.p50)}); ` +
            `SELECT 1 p50 ${ms(c.p50)} / p99 ${ms(c.p99)}; GC: ${gcText(c.gc, CALLS)}`
        );
      }
      if (go) {
        goQ = await q.figures(go.command, go.env, false, fresh[fresh.length - 1]);
      }
      raw = await rawDoGet(dev);
    }
    const ab =
      goHost.ok && process.env.BENCH_AB !== '0'
        ? await flagsAB(new Queries(goHost.binary, dev), BACKEND_EXECUTABLE)
        : [];

    console.log(`load average: ${loadBefore} before, ${loadAverage()} after (2-core machine shared with other work)`);
    console.log(
      `exec → handshake p50 over ${STARTS} launches: ours ${ms(o.ms)} (target ≤ 80 ms), ` +
        `${g ? `Go baseline ${ms(g.ms)}, ` : ''}empty Node SEA ${ms(e.ms)}, plain node ${ms(n.ms)}`
    );
    console.log(
      `   ours ÷ empty Node SEA: ${(o.ms / e.ms).toFixed(2)}${g ? `; ours ÷ Go baseline: ${(o.ms / g.ms).toFixed(2)}` : ''}; ` +
        `CPU spent before the handshake: ours ${o.cpu.toFixed(0)} ms, empty SEA ${e.cpu.toFixed(0)} ms${g ? `, Go ${g.cpu.toFixed(0)} ms` : ''}`
    );
    console.log(
      `idle RSS 1 s after the handshake (p50): ours ${mib(o.rss)} (target ≤ 48 MiB), ` +
        `${g ? `Go baseline ${mib(g.rss)}, ` : ''}empty Node SEA ${mib(e.rss)}, plain node ${mib(n.rss)}`
    );
    console.log(
      `   ours − plain node floor: ${mib(o.rss - n.rss)}; ours − empty SEA floor: ${mib(o.rss - e.rss)}` +
        `${g ? `; ours ÷ Go baseline: ${(o.rss / g.rss).toFixed(2)}` : ''}; ` +
        `private (RssAnon): ours ${mib(o.anon)}, empty SEA ${mib(e.anon)}${g ? `, Go ${mib(g.anon)}` : ''}`
    );
    if (!goHost.ok || !ourQ || !raw) {
      console.log(`query figures: not measured: ${goHost.ok ? '' : goHost.reason}`);
      return;
    }
    if (!go) {
      console.log(`Go baseline: not built: ${baseline.ok ? '' : baseline.reason}`);
    }
    const warm = ourQ.p50;
    console.log(
      `go-plugin start (launch → usable client, timed by go-plugin) p50: ours ${ms(p50(ourQ.startMs))}` +
        `${goQ ? `, Go baseline ${ms(p50(goQ.startMs))}` : ''}`
    );
    console.log(
      `launch → first query answered (sent right after the handshake, p50 of ${FRESH}): ours ${ms(p50(ourQ.launchToAnswer))}` +
        `${goQ ? `, Go baseline ${ms(p50(goQ.launchToAnswer))}` : ''}`
    );
    console.log(
      `first query in a fresh process (1 s after start, p50 of ${FRESH}) ÷ warm p50: ${(p50(ourQ.first) / warm).toFixed(2)} ` +
        `(target ≤ 2; ${ms(p50(ourQ.first))} vs ${ms(warm)}${goQ ? `; Go baseline ${ms(p50(goQ.first))} vs ${ms(goQ.p50)}` : ''})`
    );
    console.log(
      `   raw DoGet on a new connection ÷ on a warm one: ${(raw.freshP50 / raw.p50).toFixed(2)} (${ms(raw.freshP50)} vs ${ms(raw.p50)}): ` +
        `a fresh plugin's first query opens its connection to Micromegas`
    );
    console.log(
      `SELECT 1 QueryData over ${CALLS} back-to-back calls: ours p50 ${ms(ourQ.p50)} / p99 ${ms(ourQ.p99)} (target p99 ≤ 10 ms), ` +
        `p99 ÷ p50 ${(ourQ.p99 / ourQ.p50).toFixed(2)}, max ${ms(ourQ.max)}; ` +
        `${goQ ? `Go baseline (no server: go-plugin round-trip floor) p50 ${ms(goQ.p50)} / p99 ${ms(goQ.p99)}; ` : ''}` +
        `raw DoGet from Node (the dev server's share) p50 ${ms(raw.p50)} / p99 ${ms(raw.p99)}`
    );
    console.log(`   GC pauses during those calls: ${gcText(ourQ.gc, CALLS)}`);
    console.log(
      `   ours − raw DoGet: p50 ${ms(ourQ.p50 - raw.p50)}, p99 ${ms(ourQ.p99 - raw.p99)}` +
        `${goQ ? `; ours − raw DoGet − Go baseline: p99 ${ms(ourQ.p99 - raw.p99 - goQ.p99)}` : ''}`
    );
    const trace = ourQ.rssTrace;
    const half = trace.slice(Math.floor(trace.length / 2));
    console.log(
      `RSS under ${SUSTAINED} sustained SELECT 1 calls (every 500): max ${mib(Math.max(...trace))} (target ≤ 60 MiB, flat), ` +
        `first ${mib(trace[0])}, last ${mib(trace[trace.length - 1])}, second half ${mib(Math.min(...half))}–${mib(Math.max(...half))}`
    );
    console.log(`   trace (MiB): ${trace.map((x) => (x / MiB).toFixed(0)).join(' ')}`);
    if (tsPeak) {
      // The reference is the issue's measurement of the upstream Go plugin (33 MiB), which
      // cannot be built here; the Go baseline above answers a precomputed frame instead.
      console.log(
        `time series (1,440 times × 7 series), peak RSS over ${TS_CALLS} queries in a fresh plugin: ours ${mib(tsPeak.peak)} ` +
          `(${mib(tsPeak.peak - tsPeak.idle)} above its ${mib(tsPeak.idle)} before them; ${tsPeak.method}); ` +
          `target ≤ 1.2 × upstream's 33 MiB = 40 MiB`
      );
    }
    if (ab.length) {
      console.log(
        `V8 flags A/B (MICROMEGAS_PLUGIN_V8_FLAGS), ${AB_ROUNDS} rounds × ${AB_BLOCK} SELECT 1 calls per set, interleaved:`
      );
      for (const f of ab) {
        console.log(
          `   ${f.name.padEnd(30)} p50 ${ms(f.p50)} / p99 ${ms(f.p99)} (p99 ÷ p50 ${(f.p99 / f.p50).toFixed(2)}), max ${ms(f.max)}; ` +
            `RSS first ${mib(f.rss[0])}, max ${mib(Math.max(...f.rss))}, last ${mib(f.rss[f.rss.length - 1])}`
        );
        console.log(`      GC: ${gcText(f.gc, AB_ROUNDS * AB_BLOCK)}`);
      }
    }
  } finally {
    await dev.stop();
    if (frameFile) {
      rmSync(frameFile, { force: true });
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
