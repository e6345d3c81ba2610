// Time series pivot (long → wide, pkg/frames/timeseries.ts) through framesFromBatches,
// as the backend runs it, on two long results:
//   - 1,440 times × 7 series (a day of minutes, e.g. 7 measures by name): 10,080 rows;
//   - 100 series × 10,000 points: 1,000,000 rows;
// in 8,192-row batches (time, name, value), rows ordered by time then name, as
// `GROUP BY time, name ORDER BY time` returns them.
// Figures (medians of BENCH_TS_RUNS, after 10 warm-up runs): time per conversion and
// ÷ apache-arrow's tableToIPC of the same batches (the cost of merely serialising
// the input: a machine-independent yardstick within one run).
//   npm run bench -- timeseries
import * as arrow from 'apache-arrow';
import { tableFromIPC } from 'apache-arrow';

import { framesFromBatches, joinChunks } from '../../pkg/frames';

const RUNS = Number(process.env.BENCH_TS_RUNS ?? 9);
const BATCH = 8192;
// V8 optimizes the conversion only after several calls; Grafana's plugin process lives long.
const WARMUP = 10;
const T0 = 1_700_000_000_000_000_000n;

function longInput(times: number, series: number): arrow.RecordBatch[] {
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('name', new arrow.Utf8(), false),
    new arrow.Field('value', new arrow.Float64(), true),
  ]);
  const names = Array.from({ length: series }, (_, k) => `cpu.usage.host-${String(k).padStart(3, '0')}`);
  const rows = times * series;
  const batches: arrow.RecordBatch[] = [];
  for (let start = 0; start < rows; start += BATCH) {
    const n = Math.min(BATCH, rows - start);
    const time = new BigInt64Array(n);
    const value = new Float64Array(n);
    const name: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = start + i;
      time[i] = T0 + BigInt(Math.floor(r / series)) * 60_000_000_000n;
      name[i] = names[r % series];
      value[i] = (r % 1000) * 0.5;
    }
    const children = [
      arrow.makeData({ type: schema.fields[0].type, length: n, data: time }),
      arrow.vectorFromArray(name, new arrow.Utf8()).data[0],
      arrow.makeData({ type: new arrow.Float64(), length: n, data: value }),
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    batches.push(new arrow.RecordBatch(schema, struct));
  }
  return batches;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timed(fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const t0 = performance.now();
    await fn();
    if (i >= WARMUP) {
      out.push(performance.now() - t0);
    }
  }
  return out;
}

async function run(label: string, times: number, series: number): Promise<void> {
  const batches = longInput(times, series);
  const schema = batches[0].schema;
  const convert = () => framesFromBatches(schema, batches, { format: 'time_series', refId: 'A' });
  const ours = median(await timed(convert));
  const fields = tableFromIPC(joinChunks((await convert()).frames[0])).schema.fields.length;
  const yardstick = median(await timed(() => arrow.tableToIPC(new arrow.Table(batches), 'file')));
  if (fields !== series + 1) {
    throw new Error(`expected ${series + 1} fields (time + one per series), got ${fields}`);
  }
  const rows = times * series;
  console.log(
    `time series ${label}: ${rows} long rows → ${times} × ${series} wide: ${ours.toFixed(1)} ms ` +
      `(${((ours * 1e6) / rows).toFixed(0)} ns per row), ÷ tableToIPC of the input ${(ours / yardstick).toFixed(2)} ` +
      `(${yardstick.toFixed(1)} ms; median of ${RUNS})`
  );
}

async function main(): Promise<void> {
  await run('1,440 times × 7 series', 1440, 7);
  await run('100 series × 10,000 points', 10_000, 100);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
