// Frame conversion cost: 1M rows × 5 columns (time, int, float, dictionary string,
// string) in 8192-row batches read from an Arrow IPC stream, as the client gets them.
// Reports, from one run: framesFromBatches (table format) time / tableToIPC time of
// the same batches, bytes out / bytes in, and peak RSS / Arrow bytes (in a child
// process, so earlier allocations do not count).
//   node --import tsx scripts/bench/frames-convert.ts [rows]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as arrow from 'apache-arrow';

import { chunksLength, framesFromBatches, type FrameFormat } from '../../pkg/frames';

const BATCH = 8192;
const T0 = 1_700_000_000_000_000_000n;

function makeInput(rows: number): Uint8Array {
  const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
  const schema = new arrow.Schema([
    new arrow.Field('time', new arrow.TimestampNanosecond('+00:00'), false),
    new arrow.Field('count', new arrow.Int64(), false),
    new arrow.Field('value', new arrow.Float64(), false),
    new arrow.Field('exe', dictType, false),
    new arrow.Field('msg', new arrow.Utf8(), false),
  ]);
  const exes = arrow.vectorFromArray(
    Array.from({ length: 100 }, (_, k) => `service-${k}.exe`),
    new arrow.Utf8()
  );
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(undefined, schema);
  for (let start = 0; start < rows; start += BATCH) {
    const n = Math.min(BATCH, rows - start);
    const time = new BigInt64Array(n);
    const count = new BigInt64Array(n);
    const value = new Float64Array(n);
    const idx = new Int32Array(n);
    const msgs: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = start + i;
      time[i] = T0 + BigInt(r) * 1_000_000n;
      count[i] = BigInt(r);
      value[i] = r * 0.25;
      idx[i] = (r * 7) % 100;
      msgs[i] = `request ${r % 5000} handled in ${r % 97} ms`;
    }
    const children = [
      arrow.makeData({ type: schema.fields[0].type, length: n, data: time }),
      arrow.makeData({ type: new arrow.Int64(), length: n, data: count }),
      arrow.makeData({ type: new arrow.Float64(), length: n, data: value }),
      arrow.makeData({ type: dictType, length: n, data: idx, dictionary: exes }),
      arrow.vectorFromArray(msgs, new arrow.Utf8()).data[0],
    ];
    const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children });
    writer.write(new arrow.RecordBatch(schema, struct));
  }
  writer.finish();
  return writer.toUint8Array(true);
}

function readBatches(ipc: Uint8Array): { schema: arrow.Schema; batches: arrow.RecordBatch[] } {
  const reader = arrow.RecordBatchReader.from(ipc).open();
  return { schema: reader.schema, batches: [...reader] };
}

function arrowBytes(batches: arrow.RecordBatch[]): number {
  let bytes = 0;
  for (const b of batches) {
    for (const c of b.data.children) {
      bytes += c.byteLength;
    }
  }
  return bytes;
}

/** Our frame as the backend sends it: IPC file chunks, never joined. */
async function ours(
  input: { schema: arrow.Schema; batches: arrow.RecordBatch[] },
  format: FrameFormat
): Promise<{ length: number }> {
  const r = await framesFromBatches(input.schema, input.batches, {
    refId: 'A',
    format,
    executedQueryString: 'SELECT …',
  });
  return { length: chunksLength(r.frames[0]) };
}

function raw(input: { schema: arrow.Schema; batches: arrow.RecordBatch[] }): Uint8Array {
  return arrow.tableToIPC(new arrow.Table(input.batches), 'file');
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - start) / 1e6, out];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Peak resident memory of this process (VmHWM), in bytes. */
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Child mode: convert the IPC file given and report peak RSS against the Arrow bytes. */
async function child(file: string, format: FrameFormat | 'raw'): Promise<void> {
  // Peak since this process started, minus its RSS before the input exists: the
  // received batches (read from a file here, from gRPC in the backend) plus the work.
  const idle = process.memoryUsage().rss;
  writeFileSync('/proc/self/clear_refs', '5'); // start the peak from here (Linux)
  const input = readBatches(new Uint8Array(readFileSync(file)));
  const bytes = arrowBytes(input.batches);
  const out = format === 'raw' ? raw(input) : await ours(input, format);
  const peak = peakRss();
  console.log(JSON.stringify({ arrowBytes: bytes, outBytes: out.length, idle, peak }));
}

async function main(): Promise<void> {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const ipc = makeInput(rows);
  const input = readBatches(ipc);
  const inBytes = arrowBytes(input.batches);

  // Warm up both paths, then alternate runs so both see the same machine load.
  await ours({ schema: input.schema, batches: input.batches.slice(0, 4) }, 'table');
  raw({ schema: input.schema, batches: input.batches.slice(0, 4) });
  const tOurs: number[] = [];
  const tRaw: number[] = [];
  let outBytes = 0;
  let rawBytes = 0;
  for (let k = 0; k < 3; k++) {
    const [a, frame] = await timed(() => ours(input, 'table'));
    const [b, file] = await timed(() => raw(input));
    tOurs.push(a);
    tRaw.push(b);
    outBytes = frame.length;
    rawBytes = file.length;
  }
  console.log(
    `rows ${rows} × 5 columns in ${input.batches.length} batches; Arrow bytes in memory ${(inBytes / 1e6).toFixed(1)} MB, IPC stream in ${(ipc.length / 1e6).toFixed(1)} MB`
  );
  console.log(
    `table format: framesFromBatches ${median(tOurs).toFixed(0)} ms vs tableToIPC ${median(tRaw).toFixed(0)} ms → ratio ${(median(tOurs) / median(tRaw)).toFixed(2)}`
  );
  console.log(
    `bytes out / bytes in (IPC stream): ${(outBytes / ipc.length).toFixed(2)} (frame ${(outBytes / 1e6).toFixed(1)} MB; tableToIPC file ${(rawBytes / 1e6).toFixed(1)} MB, the dictionary hydrated in ours)`
  );

  // Time series over the numeric columns (already wide, sorted): time, count, value.
  const wide = input.batches.map((b) => b.select(['time', 'count', 'value']));
  const [tsMs] = await timed(() => ours({ schema: wide[0].schema, batches: wide }, 'time_series'));
  const [tsRaw] = await timed(() => raw({ schema: wide[0].schema, batches: wide }));
  console.log(
    `time_series (time, count, value; already wide and sorted) ${tsMs.toFixed(0)} ms vs tableToIPC ${tsRaw.toFixed(0)} ms → ratio ${(tsMs / tsRaw).toFixed(2)}`
  );

  // Peak memory, each in a fresh process.
  const dir = mkdtempSync(path.join(tmpdir(), 'frames-bench-'));
  try {
    const file = path.join(dir, 'input.arrows');
    writeFileSync(file, ipc);
    const self = fileURLToPath(import.meta.url);
    for (const mode of ['table', 'raw'] as const) {
      const res = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', file, mode], { encoding: 'utf8' });
      if (res.status !== 0) {
        throw new Error(`child ${mode} failed: ${res.stderr}`);
      }
      const m = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
        arrowBytes: number;
        outBytes: number;
        peak: number;
        idle: number;
      };
      const label = mode === 'raw' ? 'tableToIPC' : 'framesFromBatches (table)';
      console.log(
        `${label}: peak RSS above idle (input + conversion + output) = ${((m.peak - m.idle) / m.arrowBytes).toFixed(2)}× the input's Arrow bytes; ` +
          `${((m.peak - m.idle) / m.outBytes).toFixed(2)}× the output frame (output / input ${(m.outBytes / m.arrowBytes).toFixed(2)})`
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
(args[0] === '--child' ? child(args[1], args[2] as FrameFormat | 'raw') : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
