// Backend benchmark: the built executable (through the Grafana host emulator)
// against a raw DoGet of the same query, both on the dev server, in one run.
//   npm run bench -- backend        (or: node --import tsx scripts/bench/backend.ts)
// Figures:
//   1. QueryData time / raw DoGet time for 1M rows × 5 columns (target ≤ 1.25, stretch 1.1)
//   2. small-query overhead over raw DoGet at p50, in ms (target ≤ 2)
//   3. peak RSS growth of the executable during the 1M-row query / result Arrow bytes (target ≤ 2)
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

import type { Data, RecordBatch } from 'apache-arrow';

import { FlightSQLClient } from '../../pkg/micromegas';
import { startDevServer } from '../../tests/harness/devserver';
import {
  dataQuery,
  ensureBackendBuilt,
  frameTable,
  GrafanaHost,
  pluginContext,
  processMemory,
} from '../../tests/harness/grafana-host';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SMALL_RUNS = Number(process.env.BENCH_SMALL_RUNS ?? 40);
// time, int, float, dictionary string (a process_id-named column of a view, kept as a
// dictionary with preserve_dictionary), string. Mentioning log_entries makes the dev
// server treat process_id as that view's dictionary column.
const BIG_SQL = `SELECT to_timestamp(i) AS time, i AS n, i * 0.5 AS f, ('process-' || (i % 16)) AS process_id, ('message number ' || i) AS msg FROM range(${ROWS}) t(i) /* log_entries */`;
const SMALL_SQL = 'SELECT 1 AS x';

function dataBytes(d: Data): number {
  let n = 0;
  for (const b of [d.values, d.valueOffsets, d.nullBitmap, d.typeIds] as Array<ArrayBufferView | undefined>) {
    n += b?.byteLength ?? 0;
  }
  for (const c of d.children) {
    n += dataBytes(c);
  }
  if (d.dictionary) {
    for (const dd of d.dictionary.data) {
      n += dataBytes(dd);
    }
  }
  return n;
}

function batchBytes(b: RecordBatch): number {
  return dataBytes(b.data);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  ensureBackendBuilt();
  const dev = await startDevServer({ scale: 0.01 });
  const host = await GrafanaHost.start({ minPort: 23000, maxPort: 23999 });
  const client = new FlightSQLClient(dev.uri, { preserveDictionary: true });
  try {
    const to = Date.now();
    const from = to - 3600_000;
    const ctx = pluginContext({
      uid: 'bench',
      jsonData: { url: dev.uri, preserveDictionary: true, rowLimit: 10 * ROWS },
    });
    const query = (refId: string, sql: string) =>
      dataQuery(refId, { query: sql, format: 'table', autoLimit: false }, { from, to });

    const rawDoGet = async (sql: string) => {
      const t0 = performance.now();
      let rows = 0;
      let bytes = 0;
      let dictionary = false;
      for await (const batch of client.queryStream(sql, new Date(from), new Date(to))) {
        rows += batch.numRows;
        bytes += batchBytes(batch);
        dictionary ||= batch.schema.fields.some((f) => f.type.typeId === -1);
      }
      return { ms: performance.now() - t0, rows, bytes, dictionary };
    };
    const viaPlugin = async (sql: string) => {
      const t0 = performance.now();
      const res = await host.queryData(ctx, [query('A', sql)]);
      const ms = performance.now() - t0;
      if (res.A.error) {
        throw new Error(`QueryData failed: ${res.A.error}`);
      }
      return { ms, frameBytes: res.A.frames.reduce((n, f) => n + f.byteLength, 0), frames: res.A.frames };
    };

    // Memory first, on a fresh process: peak RSS above idle during one 1M-row query.
    const raw0 = await rawDoGet(BIG_SQL);
    await viaPlugin(SMALL_SQL); // instance + client created, connection up
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(`/proc/${host.pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    const idle = processMemory(host.pid).rss;
    const first = await viaPlugin(BIG_SQL);
    const peak = processMemory(host.pid).hwm;
    const table = frameTable(first.frames[0]);
    if (table.numRows !== ROWS) {
      throw new Error(`expected ${ROWS} rows through the plugin, got ${table.numRows}`);
    }

    // Throughput: alternate raw / plugin, median of RUNS each.
    const rawMs: number[] = [];
    const pluginMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      rawMs.push((await rawDoGet(BIG_SQL)).ms);
      pluginMs.push((await viaPlugin(BIG_SQL)).ms);
    }

    // Small-query overhead.
    const smallRaw: number[] = [];
    const smallPlugin: number[] = [];
    for (let i = 0; i < 5; i++) {
      await rawDoGet(SMALL_SQL);
      await viaPlugin(SMALL_SQL);
    }
    for (let i = 0; i < SMALL_RUNS; i++) {
      smallRaw.push((await rawDoGet(SMALL_SQL)).ms);
      smallPlugin.push((await viaPlugin(SMALL_SQL)).ms);
    }

    const ratio = median(pluginMs) / median(rawMs);
    const overhead = median(smallPlugin) - median(smallRaw);
    const memRatio = (peak - idle) / raw0.bytes;
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    console.log(
      `load average during the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} (timings on a shared machine vary; ratios are measured side by side)`
    );
    console.log(
      `result: ${raw0.rows} rows × 5 columns, Arrow ${mb(raw0.bytes)} (dictionary column on the wire: ${raw0.dictionary}), frame ${mb(first.frameBytes)}`
    );
    console.log(
      `1. QueryData / raw DoGet (1M rows):    ${ratio.toFixed(2)}  (median ${median(pluginMs).toFixed(0)} ms vs ${median(rawMs).toFixed(0)} ms; target ≤ 1.25, stretch 1.1)`
    );
    console.log(
      `2. small-query overhead at p50:         ${overhead.toFixed(2)} ms  (${median(smallPlugin).toFixed(2)} ms vs ${median(smallRaw).toFixed(2)} ms; target ≤ 2 ms)`
    );
    console.log(
      `3. peak RSS growth / Arrow bytes:       ${memRatio.toFixed(2)}  (idle ${mb(idle)}, peak ${mb(peak)}; target ≤ 2)`
    );
  } finally {
    client.close();
    await host.kill();
    await dev.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
