// Deterministic sample telemetry. The small dimension tables (processes, streams) are
// built here from a seeded PRNG; the bulky event tables are generated inside DuckDB
// from generate_series + hash(seed, …) so startup stays fast at any scale.
import type { DuckDBConnection } from '@duckdb/node-api';

export interface SampleOptions {
  seed: number;
  /** Anchor of the data: events cover [now − hours, now]. */
  nowMs: number;
  hours: number;
  /** Density multiplier (1 = default demo density). */
  scale: number;
}

interface ProcessSpec {
  exe: string;
  kind: 'service' | 'client' | 'tool';
  computer: string;
  username: string;
  realname: string;
  distro: string;
  cpuBrand: string;
  properties: Record<string, string>;
  /** Active window as fractions of the data window; services run throughout. */
  from: number;
  to: number;
  logsPerHour: number;
  cpu: boolean;
  async: boolean;
}

const PROCESS_SPECS: ProcessSpec[] = [
  {
    exe: 'api-gateway',
    kind: 'service',
    computer: 'web-01',
    username: 'svc-api',
    realname: 'API service account',
    distro: 'Ubuntu 22.04.4 LTS',
    cpuBrand: 'AMD EPYC 7R13 Processor',
    properties: { version: '2.14.1', env: 'prod', region: 'us-east-1' },
    from: 0,
    to: 1,
    logsPerHour: 1200,
    cpu: true,
    async: true,
  },
  {
    exe: 'payment-service',
    kind: 'service',
    computer: 'web-02',
    username: 'svc-pay',
    realname: 'Payments service account',
    distro: 'Ubuntu 22.04.4 LTS',
    cpuBrand: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
    properties: { version: '1.8.0', env: 'prod', region: 'eu-west-1' },
    from: 0,
    to: 1,
    logsPerHour: 700,
    cpu: false,
    async: true,
  },
  {
    exe: 'ingestion-worker',
    kind: 'service',
    computer: 'worker-01',
    username: 'svc-ingest',
    realname: 'Ingestion worker',
    distro: 'Debian GNU/Linux 12 (bookworm)',
    cpuBrand: 'AMD EPYC 7R13 Processor',
    properties: { version: '0.30.0', env: 'staging', region: 'us-east-1' },
    from: 0,
    to: 1,
    logsPerHour: 500,
    cpu: false,
    async: false,
  },
  {
    exe: 'game-client.exe',
    kind: 'client',
    computer: 'DESKTOP-7QK2M1',
    username: 'alice',
    realname: 'Alice Martin',
    distro: 'Windows 11 Pro 23H2',
    cpuBrand: 'AMD Ryzen 9 7950X 16-Core Processor',
    properties: { version: '0.9.3-beta', env: 'dev', branch: 'main', build: '4812' },
    from: 0.55,
    to: 1,
    logsPerHour: 900,
    cpu: true,
    async: false,
  },
  {
    exe: 'telemetry-generator',
    kind: 'tool',
    computer: 'ci-runner-3',
    username: 'ci',
    realname: 'CI runner',
    distro: 'Ubuntu 24.04 LTS',
    cpuBrand: 'Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz',
    properties: { version: '0.30.0', env: 'ci', job: 'nightly' },
    from: 0.3,
    to: 0.34,
    logsPerHour: 3000,
    cpu: false,
    async: false,
  },
  {
    exe: 'micromegas-query',
    kind: 'tool',
    computer: 'laptop-bob',
    username: 'bob',
    realname: 'Bob Chen',
    distro: 'macOS 14.5',
    cpuBrand: 'Apple M2 Pro',
    properties: { version: '0.30.0', env: 'dev' },
    from: 0.9,
    to: 0.905,
    logsPerHour: 2400,
    cpu: false,
    async: false,
  },
];

/** Mulberry32: tiny seeded PRNG, enough for ids and small choices. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 3) | 8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const tsLit = (ms: number): string => `TIMESTAMPTZ ${lit(new Date(ms).toISOString())}`;

// Message pools: [kind, level, target, format]; {a} and {b} are replaced by random numbers.
const MESSAGES: Array<[string, number, string, string]> = [
  ['service', 4, 'http::access', 'GET /api/v1/orders/{a} 200 in {b} ms'],
  ['service', 4, 'http::access', 'POST /api/v1/checkout 201 in {b} ms'],
  ['service', 4, 'http::access', 'GET /api/v1/users/{a}/profile 200 in {b} ms'],
  ['service', 4, 'db::pool', 'acquired connection from pool ({a} idle, {b} busy)'],
  ['service', 4, 'cache', 'cache hit ratio {a}% over the last minute'],
  ['service', 5, 'db::query', 'SELECT orders by customer took {b} ms (rows={a})'],
  ['service', 5, 'http::router', 'matched route /api/v1/orders/:id for request {a}'],
  ['service', 5, 'auth', 'token validated for subject user-{a} (cached={b})'],
  ['service', 6, 'http::router', 'parsing headers for request {a}'],
  ['service', 3, 'http::access', 'GET /api/v1/orders/{a} 429 rate limited after {b} requests'],
  ['service', 3, 'db::pool', 'slow query detected: {b} ms (threshold 500 ms)'],
  ['service', 3, 'cache', 'cache eviction storm: {a} keys evicted in {b} ms'],
  ['service', 2, 'http::access', 'POST /api/v1/checkout 500 internal error after {b} ms'],
  ['service', 2, 'db::query', 'query failed: deadlock detected (retry {a} of 3)'],
  ['service', 2, 'payments', 'payment provider timeout after {b} ms for order {a}'],
  ['service', 1, 'main', 'fatal: lost connection to primary database, shutting down worker {a}'],
  ['client', 4, 'game::loading', 'loaded level arena_{a} in {b} ms'],
  ['client', 4, 'game::net', 'connected to match server eu-{a} (ping {b} ms)'],
  ['client', 4, 'render', 'swapchain recreated at 2560x1440 (frame {a})'],
  ['client', 5, 'render', 'frame {a} submitted {b} draw calls'],
  ['client', 5, 'game::assets', 'streamed texture pack {a} ({b} KiB)'],
  ['client', 6, 'input', 'gamepad axis update {a}/{b}'],
  ['client', 3, 'render', 'frame time spike: {b} ms at frame {a}'],
  ['client', 3, 'game::net', 'packet loss {a}% over the last {b} s'],
  ['client', 2, 'game::assets', 'failed to load asset meshes/prop_{a}.glb: file not found'],
  ['client', 1, 'main', 'fatal: GPU device removed (code {a})'],
  ['tool', 4, 'generator', 'sent batch {a} of {b} events'],
  ['tool', 4, 'cli', 'query returned {a} rows in {b} ms'],
  ['tool', 5, 'transit', 'serialized block with {a} objects ({b} bytes)'],
  ['tool', 6, 'transit', 'queue depth {a}'],
  ['tool', 3, 'generator', 'ingestion server slow to respond ({b} ms)'],
  ['tool', 2, 'generator', 'failed to send block {a}: connection reset by peer'],
  ['tool', 1, 'main', 'fatal: out of memory while buffering {a} events'],
];

// Metrics per process kind: [name, unit, target, base, amplitude].
const METRICS: Array<[string, string, string, string, number, number]> = [
  ['service', 'cpu_usage', 'percent', 'system', 35, 25],
  ['service', 'memory_used', 'bytes', 'system', 1.2e9, 3e8],
  ['service', 'request_rate', 'requests/s', 'http', 180, 120],
  ['service', 'request_latency', 'ms', 'http', 45, 30],
  ['service', 'queue_depth', 'count', 'worker', 12, 10],
  ['client', 'frame_time', 'ms', 'render', 14, 6],
  ['client', 'cpu_usage', 'percent', 'system', 55, 20],
  ['client', 'memory_used', 'bytes', 'system', 4.5e9, 8e8],
  ['tool', 'cpu_usage', 'percent', 'system', 70, 20],
  ['tool', 'events_sent', 'count', 'generator', 5000, 3000],
];

const SPAN_SHAPES: Record<
  string,
  { roots: string[]; children: string[]; leaves: string[]; target: string; file: string }
> = {
  service: {
    roots: ['handle_request'],
    children: ['authenticate', 'load_order', 'render_response'],
    leaves: ['db_query'],
    target: 'api_gateway::handlers',
    file: 'src/handlers/orders.rs',
  },
  client: {
    roots: ['frame'],
    children: ['update_world', 'physics_step', 'render_scene'],
    leaves: ['draw_batch'],
    target: 'game::engine',
    file: 'src/engine/frame.cpp',
  },
};

export interface SampleProcess {
  process_id: string;
  exe: string;
  kind: string;
  streams: Array<{ stream_id: string; tag: string }>;
}

/** Creates and fills `stage.<view>` tables (storage column order) with the sample data. */
export async function generateSample(conn: DuckDBConnection, opts: SampleOptions): Promise<SampleProcess[]> {
  const rand = prng(opts.seed);
  const windowStart = opts.nowMs - opts.hours * 3600_000;
  const windowMs = opts.hours * 3600_000;
  const seed = opts.seed;
  const procs: SampleProcess[] = [];
  const procRows: string[] = [];
  const streamRows: string[] = [];
  const procSpecRows: string[] = [];
  const streamSpecRows: string[] = [];
  for (const spec of PROCESS_SPECS) {
    const pid = uuid(rand);
    const start =
      windowStart + spec.from * windowMs - (spec.kind === 'service' ? 2 * 3600_000 : 0) + Math.floor(rand() * 60_000);
    const end = spec.to >= 1 ? opts.nowMs : windowStart + spec.to * windowMs;
    const tsc = 2_400_000_000 + Math.floor(rand() * 1000) * 1_000_000;
    const startTicks = Math.floor(rand() * 1e12);
    const props = JSON.stringify(spec.properties);
    const tags = ['log', 'metrics', ...(spec.cpu ? ['cpu'] : [])];
    const streams = tags.map((tag) => ({ stream_id: uuid(rand), tag }));
    if (spec.async) {
      streams.push({ stream_id: uuid(rand), tag: 'async' });
    }
    procs.push({ process_id: pid, exe: spec.exe, kind: spec.kind, streams });
    const lastTicks = startTicks + Math.floor(((end - start) / 1000) * tsc);
    procRows.push(
      `(${[lit(pid), lit(spec.exe), lit(spec.username), lit(spec.realname), lit(spec.computer), lit(spec.distro), lit(spec.cpuBrand), tsc, tsLit(start), startTicks, tsLit(start + 1500), 'NULL', `${lit(props)}::JSON`, tsLit(end), lastTicks, tsLit(end)].join(', ')})`
    );
    const activeFrom = Math.max(start, windowStart);
    const activeHours = Math.max(0, (end - activeFrom) / 3600_000);
    procSpecRows.push(
      `(${[procs.length, lit(pid), lit(spec.exe), lit(spec.username), lit(spec.computer), lit(spec.kind), `${lit(props)}::JSON`, tsLit(activeFrom), tsLit(end), Math.max(1, Math.round(spec.logsPerHour * activeHours * opts.scale))].join(', ')})`
    );
    for (const s of streams) {
      const streamTags = s.tag === 'async' ? ['cpu', 'async'] : [s.tag];
      const sprops = JSON.stringify(
        s.tag === 'cpu' ? { 'thread-name': spec.kind === 'client' ? 'MainThread' : 'tokio-runtime-worker' } : {}
      );
      streamRows.push(
        `(${[lit(s.stream_id), lit(pid), "'\\x00'::BLOB", "'\\x00'::BLOB", `[${streamTags.map(lit).join(', ')}]`, `${lit(sprops)}::JSON`, tsLit(start + 1000), lit('micromegas-transit'), tsLit(end)].join(', ')})`
      );
      streamSpecRows.push(`(${[lit(pid), lit(s.stream_id), lit(s.tag), lit(spec.kind)].join(', ')})`);
    }
  }

  const rnd = (...parts: string[]): string => `((hash(${seed}, ${parts.join(', ')}) % 1000003) / 1000003.0)`;
  const sql: string[] = [
    'CREATE SCHEMA IF NOT EXISTS stage',
    `CREATE TEMP TABLE __procs (idx INTEGER, process_id VARCHAR, exe VARCHAR, username VARCHAR, computer VARCHAR, kind VARCHAR, props JSON, active_from TIMESTAMPTZ, active_to TIMESTAMPTZ, n_logs BIGINT)`,
    `INSERT INTO __procs VALUES ${procSpecRows.join(', ')}`,
    `CREATE TEMP TABLE __streams (process_id VARCHAR, stream_id VARCHAR, tag VARCHAR, kind VARCHAR)`,
    `INSERT INTO __streams VALUES ${streamSpecRows.join(', ')}`,
    `CREATE TABLE stage.processes AS SELECT * FROM (VALUES ${procRows.join(', ')}) t(process_id, exe, username, realname, computer, distro, cpu_brand, tsc_frequency, start_time, start_ticks, insert_time, parent_process_id, properties, last_update_time, last_block_end_ticks, last_block_end_time)`,
    `CREATE TABLE stage.streams AS SELECT * FROM (VALUES ${streamRows.join(', ')}) t(stream_id, process_id, dependencies_metadata, objects_metadata, tags, properties, insert_time, format, last_update_time)`,
    `CREATE TEMP TABLE __msgs AS SELECT * FROM (VALUES ${MESSAGES.map(([k, l, t, f]) => `(${lit(k)}, ${l}, ${lit(t)}, ${lit(f)})`).join(', ')}) t(kind, level, target, fmt)`,
    `CREATE TEMP TABLE __pool AS SELECT kind, level, list(target ORDER BY fmt) AS targets, list(fmt ORDER BY fmt) AS fmts FROM __msgs GROUP BY kind, level`,
    // Block id: one block per stream per minute, a stable UUID-shaped digest.
    `CREATE MACRO __block_digest(h) AS substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' || substr(h, 21, 12)`,
    // Epoch arithmetic instead of date_trunc: TIMESTAMPTZ calendar functions go through ICU and are slow.
    `CREATE MACRO __minute_us(t) AS (epoch_us(t) // 60000000) * 60000000`,
    `CREATE MACRO __block_id(sid, t) AS __block_digest(md5(sid || ':' || CAST(__minute_us(t) AS VARCHAR)))`,
    `CREATE MACRO __insert_time(t) AS make_timestamptz(__minute_us(t) + 61000000)`,
    // Log entries: uniform times with jitter, level drawn from a realistic mix.
    `CREATE TEMP TABLE __logs AS
     SELECT p.*, s.stream_id,
       p.active_from + to_microseconds(CAST((epoch_us(p.active_to) - epoch_us(p.active_from)) * ((g.i + ${rnd('p.idx', 'g.i', '101')}) / p.n_logs) AS BIGINT)) AS time,
       ${rnd('p.idx', 'g.i', '102')} AS rl, ${rnd('p.idx', 'g.i', '103')} AS rm,
       CAST(floor(${rnd('p.idx', 'g.i', '104')} * 9000) + 1 AS BIGINT) AS a,
       CAST(floor(pow(${rnd('p.idx', 'g.i', '105')}, 3) * 1500) + 1 AS BIGINT) AS b, g.i
     FROM __procs p JOIN __streams s ON s.process_id = p.process_id AND s.tag = 'log', generate_series(0, p.n_logs - 1) g(i)`,
    `CREATE TABLE stage.log_entries AS
     SELECT l.process_id, l.stream_id, __block_id(l.stream_id, l.time) AS block_id, __insert_time(l.time) AS insert_time,
       l.exe, l.username, l.computer, l.time, pool.targets[k] AS target, l.level,
       replace(replace(pool.fmts[k], '{a}', CAST(l.a AS VARCHAR)), '{b}', CAST(l.b AS VARCHAR)) AS msg,
       CASE WHEN l.i % 3 = 0 THEN json_object('request_id', substr(md5(CAST(l.i AS VARCHAR) || l.process_id), 1, 16), 'thread', 'worker-' || CAST(l.a % 8 AS VARCHAR))
            ELSE CAST('{}' AS JSON) END AS properties,
       l.props AS process_properties
     FROM (SELECT *, CASE WHEN rl < 0.001 THEN 1 WHEN rl < 0.02 THEN 2 WHEN rl < 0.08 THEN 3 WHEN rl < 0.66 THEN 4 WHEN rl < 0.98 THEN 5 ELSE 6 END AS level FROM __logs) l
     JOIN __pool pool ON pool.kind = l.kind AND pool.level = l.level,
     LATERAL (SELECT CAST(1 + floor(l.rm * len(pool.fmts)) AS INTEGER) AS k)`,
    // Measures: every 10 s / scale per metric, a daily wave plus noise.
    `CREATE TEMP TABLE __metrics AS SELECT * FROM (VALUES ${METRICS.map(([k, n, u, t, base, amp]) => `(${lit(k)}, ${lit(n)}, ${lit(u)}, ${lit(t)}, ${base}, ${amp})`).join(', ')}) t(kind, name, unit, target, base, amp)`,
    `CREATE TABLE stage.measures AS
     SELECT p.process_id, s.stream_id, __block_id(s.stream_id, t.time) AS block_id, __insert_time(t.time) AS insert_time,
       p.exe, p.username, p.computer, t.time, m.target, m.name, m.unit,
       greatest(0, m.base + m.amp * (0.6 * sin(epoch(t.time) / 3600.0 * 2 * pi() / 24 * 3 + p.idx) + 0.4 * (${rnd('p.idx', 'm.name', 'epoch(t.time)')} * 2 - 1))) AS value,
       CAST('{}' AS JSON) AS properties, p.props AS process_properties
     FROM __procs p JOIN __streams s ON s.process_id = p.process_id AND s.tag = 'metrics'
     JOIN __metrics m ON m.kind = p.kind,
     LATERAL (SELECT p.active_from + to_milliseconds(CAST(g.i * 10000 / ${opts.scale} AS BIGINT)) AS time FROM generate_series(0, CAST(floor(epoch(p.active_to - p.active_from) * ${opts.scale} / 10) AS BIGINT) - 1) g(i)) t`,
    // Thread spans: a root every 5 s / scale, three children, a leaf under each child.
    `CREATE TEMP TABLE __roots AS
     SELECT s.stream_id, p.process_id, p.kind, g.i,
       p.active_from + to_microseconds(CAST(g.i * 5000000 / ${opts.scale} + ${rnd('p.idx', 'g.i', '106')} * 1000000 AS BIGINT)) AS begin,
       CAST(2000000 + pow(${rnd('p.idx', 'g.i', '107')}, 4) * 40000000 AS BIGINT) AS dur
     FROM __procs p JOIN __streams s ON s.process_id = p.process_id AND s.tag = 'cpu',
     generate_series(0, CAST(floor(epoch(p.active_to - p.active_from) * ${opts.scale} / 5) AS BIGINT) - 1) g(i)`,
    `CREATE TEMP TABLE __span_shapes AS SELECT * FROM (VALUES ${Object.entries(SPAN_SHAPES)
      .map(
        ([k, s]) =>
          `(${lit(k)}, ${lit(s.roots[0]!)}, [${s.children.map(lit).join(', ')}], ${lit(s.leaves[0]!)}, ${lit(s.target)}, ${lit(s.file)})`
      )
      .join(', ')}) t(kind, root, children, leaf, target, file)`,
    `CREATE TABLE stage.thread_spans AS
     WITH spans AS (
       SELECT r.stream_id, r.i * 16 AS id, 0 AS parent, 0 AS depth, sh.root AS name, sh.target, sh.file AS filename, 42 AS line, r.begin, r.dur FROM __roots r JOIN __span_shapes sh USING (kind)
       UNION ALL
       SELECT r.stream_id, r.i * 16 + c.j, r.i * 16, 1, sh.children[c.j], sh.target, sh.file, 60 + c.j * 7,
         r.begin + to_microseconds(CAST((c.j - 1) * r.dur / 3000 AS BIGINT)), CAST(r.dur / 3 * 0.9 AS BIGINT)
       FROM __roots r JOIN __span_shapes sh USING (kind), generate_series(1, 3) c(j)
       UNION ALL
       SELECT r.stream_id, r.i * 16 + 4 + c.j, r.i * 16 + c.j, 2, sh.leaf, sh.target, sh.file, 120,
         r.begin + to_microseconds(CAST(((c.j - 1) * r.dur / 3 + r.dur / 30) / 1000 AS BIGINT)), CAST(r.dur / 6 AS BIGINT)
       FROM __roots r JOIN __span_shapes sh USING (kind), generate_series(1, 3) c(j)
     )
     SELECT id, parent, CAST(depth AS UINTEGER) AS depth, CAST(hash(name, target) % 4294967296 AS UINTEGER) AS hash,
       begin, begin + to_microseconds(CAST(dur / 1000 AS BIGINT)) AS "end", CAST(dur / 1000 AS BIGINT) * 1000 AS duration,
       name, target, filename, CAST(line AS UINTEGER) AS line, stream_id
     FROM spans`,
    // Async events: begin/end pairs of request futures.
    `CREATE TABLE stage.async_events AS
     WITH spans AS (
       SELECT s.stream_id, p.process_id, g.i AS span_id,
         p.active_from + to_microseconds(CAST(g.i * 20000000 / ${opts.scale} AS BIGINT)) AS t0,
         CAST(5000 + ${rnd('p.idx', 'g.i', '108')} * 900000 AS BIGINT) AS dur_us,
         (['fetch_order', 'charge_card', 'send_receipt'])[1 + g.i % 3] AS name
       FROM __procs p JOIN __streams s ON s.process_id = p.process_id AND s.tag = 'async',
       generate_series(0, CAST(floor(epoch(p.active_to - p.active_from) * ${opts.scale} / 20) AS BIGINT) - 1) g(i)
     )
     SELECT stream_id, __block_id(stream_id, t0) AS block_id, t0 AS time, 'begin' AS event_type, span_id, CAST(0 AS BIGINT) AS parent_span_id, CAST(1 AS UINTEGER) AS depth,
       CAST(hash(name) % 4294967296 AS UINTEGER) AS hash, name, 'src/async/tasks.rs' AS filename, 'async_tasks' AS target, CAST(30 AS UINTEGER) AS line, process_id FROM spans
     UNION ALL
     SELECT stream_id, __block_id(stream_id, t0 + to_microseconds(dur_us)), t0 + to_microseconds(dur_us), 'end', span_id, 0, 1,
       CAST(hash(name) % 4294967296 AS UINTEGER), name, 'src/async/tasks.rs', 'async_tasks', 30, process_id FROM spans`,
    `CREATE TABLE stage.log_stats AS
     SELECT make_timestamptz(__minute_us(time)) AS time_bin, process_id, level, target, COUNT(*) AS count
     FROM stage.log_entries GROUP BY ALL`,
    // Blocks are derived from the events they hold, so counts and times agree.
    `CREATE TABLE stage.blocks AS
     WITH ev AS (
       SELECT block_id, stream_id, process_id, time FROM stage.log_entries
       UNION ALL SELECT block_id, stream_id, process_id, time FROM stage.measures
       UNION ALL SELECT __block_id(stream_id, begin), stream_id, (SELECT process_id FROM __streams s WHERE s.stream_id = ts.stream_id), begin FROM stage.thread_spans ts
       UNION ALL SELECT block_id, stream_id, process_id, time FROM stage.async_events
     )
     SELECT ev.block_id, ev.stream_id, ev.process_id, min(time) AS begin_time,
       CAST(epoch_us(min(time)) AS BIGINT) AS begin_ticks, max(time) AS end_time, CAST(epoch_us(max(time)) AS BIGINT) AS end_ticks,
       CAST(count(*) AS INTEGER) AS nb_objects, CAST(0 AS BIGINT) AS object_offset, CAST(count(*) * 48 AS BIGINT) AS payload_size,
       __insert_time(max(time)) AS insert_time
     FROM ev GROUP BY ev.block_id, ev.stream_id, ev.process_id`,
  ];
  for (const statement of sql) {
    const t0 = Date.now();
    await conn.run(statement);
    if (process.env.DEVSERVER_TRACE_SQL) {
      process.stderr.write(`${Date.now() - t0} ms ${statement.slice(0, 60).replace(/\s+/g, ' ')}\n`);
    }
  }
  return procs;
}
