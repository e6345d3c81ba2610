// Partition pruning in the dev server: the same query over the default sample data with
// a 1-hour range vs no range. Prints rows, partitions read and the time ratio, all
// measured in this run (median of several runs each).
//   node --import tsx scripts/bench/devserver-range.ts [--scale 1]
import { Lake } from '../../pkg/devserver/lake';
import { runQuery, type QuerySink } from '../../pkg/devserver/query';
import { initTranslator } from '../../pkg/devserver/translate';

const scale = Number(process.argv[process.argv.indexOf('--scale') + 1] || 1) || 1;
const RUNS = 7;
const NOW = Date.parse('2024-05-01T12:00:00Z');

const sink = (): QuerySink & { bytes: number } => {
  const s = {
    bytes: 0,
    write: async (m: { data_body: Buffer }) => {
      s.bytes += m.data_body.length;
    },
    cancelled: () => false,
    onCancel: () => undefined,
  };
  return s;
};

async function measure(
  lake: Lake,
  sql: string,
  range: boolean
): Promise<{ ms: number; rows: number; partitions: number }> {
  const headers = {
    preserveDictionary: false,
    range: range
      ? {
          beginMs: NOW - 2 * 3600_000,
          endMs: NOW - 3600_000,
          begin: '2024-05-01 10:00:00+00:00',
          end: '2024-05-01 11:00:00+00:00',
        }
      : undefined,
  };
  const times: number[] = [];
  let rows = 0;
  let partitions = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    const stats = await runQuery(lake, sql, headers, sink());
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    rows = stats.rows;
    partitions = stats.partitionsRead;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(RUNS / 2)]!, rows, partitions };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  // The server loads DataFusion's parser (WASM) at start; so does this in-process run.
  const [lake] = await Promise.all([Lake.create({ seed: 42, nowMs: NOW, hours: 24, scale }), initTranslator()]);
  console.log(`sample lake (scale ${scale}, 24 h) built in ${Date.now() - t0} ms`);
  try {
    for (const sql of [
      'SELECT time, exe, level, msg FROM log_entries',
      "SELECT date_bin(INTERVAL '1 minute', time) AS time, name, avg(value) AS v FROM measures GROUP BY 1, 2",
    ]) {
      const hour = await measure(lake, sql, true);
      const all = await measure(lake, sql, false);
      console.log(
        `devserver-range: ${sql.split(' FROM ')[1]!.split(' ')[0]}: 1 h → ${hour.rows} rows, ${hour.partitions} partition(s), ${hour.ms.toFixed(1)} ms | unbounded → ${all.rows} rows, ${all.partitions} partitions, ${all.ms.toFixed(1)} ms | time ratio unbounded/1 h = ${(all.ms / hour.ms).toFixed(1)}x, rows ratio = ${(all.rows / Math.max(1, hour.rows)).toFixed(1)}x`
      );
    }
  } finally {
    lake.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
