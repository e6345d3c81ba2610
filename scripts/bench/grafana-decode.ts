// Grafana's cost of decoding our table frames, reproduced: Grafana's server hands each
// frame to the SDK's data.UnmarshalArrowFrames, which opens ONE Arrow IPC file reader
// over the frame and then, record batch by record batch, extracts every column's values
// one by one into its field vectors. Here: apache-arrow's file reader over the frame
// bytes, then every value of every column read with Vector#get. The same work in Go
// costs differently, but what the frame's layout adds (per record batch: a message to
// read, arrays to build, a loop to start) is the same kind of cost.
// Input: 704,000 rows × 5 columns (time, int, float, string from a dictionary, string),
// received in 36 batches as the dev server sends such a result. Figures, medians of
// BENCH_DECODE_RUNS: decoding our frame (small batches merged, pkg/frames/coalesce.ts)
// ÷ decoding a frame of the same rows in ONE record batch (the upstream Go plugin's
// layout); also our frame before merging (one record batch per received batch).
//   npm run bench -- grafana-decode
import * as arrow from 'apache-arrow';

import { framesFromBatches, joinChunks } from '../../pkg/frames';
import { encodeFrame } from '../../pkg/frames/encode';

const ROWS = Number(process.env.BENCH_DECODE_ROWS ?? 704_000);
const RECEIVED_BATCHES = 36;
const RUNS = Number(process.env.BENCH_DECODE_RUNS ?? 7);
const T0 = 1_700_000_000_000_000_000n;

function batches(count: number): arrow.RecordBatch[] {
  const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('n', new arrow.Int64(), false),
    new arrow.Field('f', new arrow.Float64(), false),
    new arrow.Field('process_id', dictType, false),
    new arrow.Field('msg', new arrow.Utf8(), false),
  ]);
  const procs = arrow.vectorFromArray(
    Array.from({ length: 16 }, (_, k) => `process-${k}`),
    new arrow.Utf8()
  );
  const size = Math.ceil(ROWS / count);
  const out: arrow.RecordBatch[] = [];
  for (let start = 0; start < ROWS; start += size) {
    const n = Math.min(size, ROWS - start);
    const time = new BigInt64Array(n);
    const int = new BigInt64Array(n);
    const f = new Float64Array(n);
    const idx = new Int32Array(n);
    const msgs: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = start + i;
      time[i] = T0 + BigInt(r) * 1_000_000_000n;
      int[i] = BigInt(r);
      f[i] = r * 0.5;
      idx[i] = r % 16;
      msgs[i] = `message number ${r}`;
    }
    const children = [
      arrow.makeData({ type: schema.fields[0].type, length: n, data: time }),
      arrow.makeData({ type: new arrow.Int64(), length: n, data: int }),
      arrow.makeData({ type: new arrow.Float64(), length: n, data: f }),
      arrow.makeData({ type: dictType, length: n, data: idx, dictionary: procs }),
      arrow.vectorFromArray(msgs, new arrow.Utf8()).data[0],
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    out.push(new arrow.RecordBatch(schema, struct));
  }
  return out;
}

/** What the Grafana SDK does with a frame: one file reader, every value of every column. */
function grafanaDecode(frame: Uint8Array): { batches: number; values: number } {
  const reader = arrow.RecordBatchReader.from(frame);
  let count = 0;
  let values = 0;
  for (const batch of reader) {
    count++;
    for (let c = 0; c < batch.numCols; c++) {
      const column = batch.getChildAt(c)!;
      for (let i = 0; i < column.length; i++) {
        if (column.get(i) !== null) {
          values++;
        }
      }
    }
  }
  return { batches: count, values };
}

async function ourFrame(input: arrow.RecordBatch[]): Promise<Uint8Array> {
  const r = await framesFromBatches(input[0].schema, input, { refId: 'A', format: 'table' });
  return joinChunks(r.frames[0]);
}

/** The frame written with one record batch per received batch (before merging). */
function unmergedFrame(merged: Uint8Array, received: number): Uint8Array {
  const table = arrow.tableFromIPC(merged);
  const size = Math.ceil(table.numRows / received);
  return encodeFrame({
    name: '',
    refId: 'A',
    fields: table.schema.fields.map((f, c) => {
      const chunks: arrow.Data[] = [];
      for (const data of table.getChildAt(c)!.data) {
        for (let at = 0; at < data.length; at += size) {
          chunks.push(data.slice(at, Math.min(size, data.length - at)));
        }
      }
      return { name: f.name, type: f.metadata.get('tstype') as 'number', chunks, nullable: f.nullable };
    }),
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeDecode(frame: Uint8Array): { ms: number; batches: number } {
  const times: number[] = [];
  let batchCount = 0;
  for (let i = 0; i < RUNS + 2; i++) {
    const t0 = performance.now();
    const r = grafanaDecode(frame);
    if (i >= 2) {
      times.push(performance.now() - t0);
    }
    if (r.values !== ROWS * 5) {
      throw new Error(`decoded ${r.values} values, expected ${ROWS * 5}`);
    }
    batchCount = r.batches;
  }
  return { ms: median(times), batches: batchCount };
}

async function main(): Promise<void> {
  const ours = await ourFrame(batches(RECEIVED_BATCHES));
  const single = await ourFrame(batches(1));
  const unmerged = unmergedFrame(ours, RECEIVED_BATCHES);
  // Interleaved so the three see the same machine.
  const results = { ours: [] as number[], single: [] as number[], unmerged: [] as number[] };
  let info = { ours: 0, single: 0, unmerged: 0 };
  for (let round = 0; round < 3; round++) {
    for (const [name, frame] of [
      ['ours', ours],
      ['single', single],
      ['unmerged', unmerged],
    ] as const) {
      const r = timeDecode(frame);
      results[name].push(r.ms);
      info = { ...info, [name]: r.batches };
    }
  }
  const [o, s, u] = [median(results.ours), median(results.single), median(results.unmerged)];
  console.log(
    `Grafana-side decode (one IPC file reader, every value read) of ${ROWS} rows × 5 received in ${RECEIVED_BATCHES} batches: ` +
      `ours ÷ one record batch ${(o / s).toFixed(2)} (target ≤ 1.0; ${o.toFixed(0)} ms in ${info.ours} record batches vs ${s.toFixed(0)} ms in ${info.single}); ` +
      `before merging: ${(u / s).toFixed(2)} (${u.toFixed(0)} ms in ${info.unmerged} record batches)`
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
