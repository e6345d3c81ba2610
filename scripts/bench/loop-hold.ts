// Event-loop hold of each CPU-bound step of one query, in process (issue 14): the longest
// time the conversion keeps the event loop from other work (a setImmediate ticker runs
// beside it), per MB of frame, for each step on its own, sliced as the backend runs it
// (10 ms budget) and unsliced (one turn, as before the conversion paused), in one run.
//   npm run bench -- loop-hold     (or: node --import tsx scripts/bench/loop-hold.ts)
// BENCH_LOOP_RUNS (5): runs per step after 2 warm-ups; medians printed.
// The machine is shared: a hold includes the time the process was not scheduled, so the
// sliced figure is the budget plus that noise; the ratio unsliced / sliced is the result.
import * as arrow from 'apache-arrow';

import { chunksLength, framesFromBatches, type FrameFormat } from '../../pkg/frames';
import { encodeJsonb } from '../../pkg/jsonb';
import { spanTree } from '../../tests/frames/span-tree';
import { envNumber, loadAverage } from './lib/measure';

const RUNS = envNumber('BENCH_LOOP_RUNS', 5);
const WARMUP = 2;
const BATCH = 65_536;
const T0 = 1_700_000_000_000_000_000n;

type Input = { schema: arrow.Schema; batches: arrow.RecordBatch[] };

function batches(schema: arrow.Schema, rows: number, column: (name: string, start: number, n: number) => arrow.Data) {
  const out: arrow.RecordBatch[] = [];
  for (let start = 0; start < rows; start += BATCH) {
    const n = Math.min(BATCH, rows - start);
    const children = schema.fields.map((f) => column(f.name, start, n));
    out.push(
      new arrow.RecordBatch(
        schema,
        arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children })
      )
    );
  }
  return out;
}

/** 1M rows × (float, int, text), as the reliability bench's table query returns them. */
function table(): Input {
  const schema = new arrow.Schema([
    new arrow.Field('i', new arrow.Int64(), false),
    new arrow.Field('f', new arrow.Float64(), false),
    new arrow.Field('s', new arrow.Utf8(), false),
  ]);
  return {
    schema,
    batches: batches(schema, 1_000_000, (name, start, n) => {
      if (name === 's') {
        return arrow.vectorFromArray(
          Array.from({ length: n }, (_, k) => String(start + k)),
          new arrow.Utf8()
        ).data[0];
      }
      if (name === 'i') {
        return arrow.makeData({
          type: new arrow.Int64(),
          length: n,
          data: BigInt64Array.from({ length: n }, (_, k) => BigInt(start + k)),
        });
      }
      return arrow.makeData({
        type: new arrow.Float64(),
        length: n,
        data: Float64Array.from({ length: n }, (_, k) => (start + k) * 1.5),
      });
    }),
  };
}

/** Long time series rows ordered by time; within a time, the series in a shuffled order every `shuffleEvery` times (as DuckDB's parallel sort returns them). */
function longSeries(series: number, times: number, shuffle: boolean): Input {
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('name', new arrow.Utf8(), false),
    new arrow.Field('value', new arrow.Float64(), false),
  ]);
  let seed = 1;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  const seriesOf = new Int32Array(series * times);
  for (let t = 0; t < times; t++) {
    const order = Array.from({ length: series }, (_, k) => k);
    for (let k = 0; shuffle && k < series; k++) {
      if (rnd() < 0.2) {
        const j = Math.floor(rnd() * series);
        [order[k], order[j]] = [order[j], order[k]];
      }
    }
    seriesOf.set(order, t * series);
  }
  return {
    schema,
    batches: batches(schema, series * times, (name, start, n) => {
      if (name === 'time') {
        return arrow.makeData({
          type: schema.fields[0].type,
          length: n,
          data: BigInt64Array.from(
            { length: n },
            (_, k) => T0 + BigInt(Math.floor((start + k) / series)) * 1_000_000_000n
          ),
        });
      }
      if (name === 'name') {
        return arrow.vectorFromArray(
          Array.from({ length: n }, (_, k) => `series ${seriesOf[start + k]}`),
          new arrow.Utf8()
        ).data[0];
      }
      return arrow.makeData({
        type: new arrow.Float64(),
        length: n,
        data: Float64Array.from({ length: n }, (_, k) => start + k),
      });
    }),
  };
}

/** JSONB properties and a list column: every cell becomes JSON text. */
function jsonColumns(rows: number): Input {
  const listType = new arrow.List(new arrow.Field('item', new arrow.Int32(), true));
  const schema = new arrow.Schema([
    new arrow.Field('properties', new arrow.Binary(), true),
    new arrow.Field('list', listType, true),
  ]);
  return {
    schema,
    batches: batches(schema, rows, (name, start, n) =>
      name === 'properties'
        ? arrow.vectorFromArray(
            Array.from({ length: n }, (_, k) =>
              encodeJsonb({ thread: `worker-${(start + k) % 16}`, target: 'server::http', n: start + k })
            ),
            new arrow.Binary()
          ).data[0]
        : arrow.vectorFromArray(
            Array.from({ length: n }, (_, k) => [start + k, 1, 2]),
            listType
          ).data[0]
    ),
  };
}

/** Log lines (time, level, message, a label column). */
function logLines(rows: number): Input {
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('level', new arrow.Utf8(), false),
    new arrow.Field('msg', new arrow.Utf8(), false),
    new arrow.Field('exe', new arrow.Utf8(), false),
  ]);
  const text = (n: number, f: (k: number) => string) =>
    arrow.vectorFromArray(
      Array.from({ length: n }, (_, k) => f(k)),
      new arrow.Utf8()
    ).data[0];
  return {
    schema,
    batches: batches(schema, rows, (name, start, n) => {
      switch (name) {
        case 'time':
          return arrow.makeData({
            type: schema.fields[0].type,
            length: n,
            data: BigInt64Array.from({ length: n }, (_, k) => T0 + BigInt(start + k) * 1000n),
          });
        case 'level':
          return text(n, (k) => ((start + k) % 3 === 0 ? 'warn' : 'info'));
        case 'msg':
          return text(n, (k) => `request ${start + k} handled in ${(start + k) % 97} ms`);
        default:
          return text(n, (k) => `service-${(start + k) % 7}.exe`);
      }
    }),
  };
}

/** Runs `work` beside a setImmediate ticker: its time and the longest gap between ticks. */
async function hold(work: () => Promise<unknown>): Promise<{ ms: number; holdMs: number }> {
  let last = performance.now();
  let worst = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (running) {
      setImmediate(tick);
    }
  };
  setImmediate(tick);
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  await new Promise((resolve) => setImmediate(resolve)); // the tick after the last slice
  running = false;
  return { ms, holdMs: Math.max(worst, performance.now() - last) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function step(label: string, input: Input, format: FrameFormat): Promise<void> {
  const figures: Record<'sliced' | 'unsliced', { ms: number[]; hold: number[] }> = {
    sliced: { ms: [], hold: [] },
    unsliced: { ms: [], hold: [] },
  };
  let bytes = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Interleaved, so both see the same machine.
    for (const mode of ['sliced', 'unsliced'] as const) {
      const r = await hold(async () => {
        const out = await framesFromBatches(input.schema, input.batches, {
          refId: 'A',
          format,
          sliceMs: mode === 'sliced' ? undefined : Number.POSITIVE_INFINITY,
        });
        bytes = chunksLength(out.frames[0]);
      });
      if (i >= WARMUP) {
        figures[mode].ms.push(r.ms);
        figures[mode].hold.push(r.holdMs);
      }
    }
  }
  const mb = bytes / 1048576;
  const s = median(figures.sliced.hold);
  const u = median(figures.unsliced.hold);
  console.log(
    `${label}: ${mb.toFixed(1)} MB in ${median(figures.sliced.ms).toFixed(0)} ms; event loop held ${s.toFixed(0)} ms ` +
      `(${(s / mb).toFixed(1)} ms/MB) sliced, ${u.toFixed(0)} ms (${(u / mb).toFixed(1)} ms/MB) in one turn: ÷ ${(u / s).toFixed(1)}`
  );
}

async function main(): Promise<void> {
  console.log(`load average ${loadAverage()}; medians of ${RUNS} runs`);
  await step('table, 1M rows × 3 columns (16 batches)', table(), 'table');
  await step('JSON text of JSONB and list columns, 200k rows', jsonColumns(200_000), 'table');
  await step('time series pivot, 2,000 series × 200 points', longSeries(2000, 200, true), 'time_series');
  await step('time series pivot, 100 series × 10,000 points', longSeries(100, 10_000, false), 'time_series');
  await step('frame encoding, 10,000 series × 10 points', longSeries(10_000, 10, false), 'time_series');
  await step('logs, 200k lines', logLines(200_000), 'logs');
  const spanRows = spanTree(200_000, BATCH);
  await step('flame graph, 200k spans', spanRows, 'flame_graph');
  await step('traces, 200k spans', spanRows, 'traces');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
