// Client memory while streaming a large result: peak heapUsed / RSS growth while
// streaming 5M rows through queryStream, against the bytes streamed, and the same for
// queryArrow (which materializes) as the contrast. Figures are ratios from one run.
//   node --import tsx scripts/bench/client-stream-memory.ts [rows]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { connect } from '../../pkg/micromegas';
import { startDevServer } from '../../tests/harness/devserver';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ROWS = Number(process.argv[2] ?? 5_000_000);
const SQL = `SELECT i AS id, i * 0.5 AS value, 'row-' || (i % 1000) AS label FROM range(${ROWS}) t(i)`;

interface Sample {
  heap: number;
  /** heapUsed + ArrayBuffer backing stores (Arrow buffers live outside the V8 heap). */
  js: number;
  rss: number;
}

function baseline(): Sample {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, js: m.heapUsed + m.arrayBuffers, rss: m.rss };
}

function tracker(base: Sample): { sample(): void; peak: Sample } {
  const peak = { heap: 0, js: 0, rss: 0 };
  return {
    peak,
    sample() {
      const m = process.memoryUsage();
      peak.heap = Math.max(peak.heap, m.heapUsed - base.heap);
      peak.js = Math.max(peak.js, m.heapUsed + m.arrayBuffers - base.js);
      peak.rss = Math.max(peak.rss, m.rss - base.rss);
    },
  };
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const server = await startDevServer({ scale: 0.01 });
  try {
    const client = connect(server.uri);
    await client.query('SELECT 1'); // warm the channel

    // 1. queryStream: consume and drop every batch.
    let base = baseline();
    let t = tracker(base);
    const timer = setInterval(t.sample, 5);
    const stream = client.queryStream(SQL);
    let rows = 0;
    for await (const batch of stream) {
      rows += batch.numRows;
      t.sample();
    }
    clearInterval(timer);
    const streamed = stream.bytesReceived;
    const streamPeak = { ...t.peak };

    // 2. queryArrow: the whole result held in memory.
    base = baseline();
    t = tracker(base);
    const timer2 = setInterval(t.sample, 5);
    const table = await client.queryArrow(SQL);
    t.sample();
    clearInterval(timer2);
    const arrowPeak = { ...t.peak };
    const tableRows = table.numRows;
    client.close();

    if (rows !== ROWS || tableRows !== ROWS) {
      throw new Error(`expected ${ROWS} rows, streamed ${rows}, materialized ${tableRows}`);
    }
    console.log(`rows streamed:                 ${rows}`);
    console.log(`Arrow IPC bytes streamed:      ${mb(streamed)}`);
    for (const [label, peak] of [
      ['queryStream', streamPeak],
      ['queryArrow ', arrowPeak],
    ] as const) {
      console.log(
        `${label} peak heap growth:  ${mb(peak.heap)}  ratio to bytes streamed ${(peak.heap / streamed).toFixed(3)}`
      );
      console.log(`${label} peak heap+ArrayBuffers growth: ${mb(peak.js)}  ratio ${(peak.js / streamed).toFixed(3)}`);
      console.log(
        `${label} peak RSS growth:   ${mb(peak.rss)}  ratio to bytes streamed ${(peak.rss / streamed).toFixed(3)}`
      );
    }
    console.log(
      `streaming / materializing (heap+ArrayBuffers): ${(streamPeak.js / Math.max(1, arrowPeak.js)).toFixed(3)}`
    );
    console.log(`streaming / materializing (RSS): ${(streamPeak.rss / Math.max(1, arrowPeak.rss)).toFixed(3)}`);
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
