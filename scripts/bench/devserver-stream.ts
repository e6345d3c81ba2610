// Streaming throughput of the dev server process over gRPC: 1M rows × 5 columns
// (time, int, float, dictionary string, string) from generate_series, hydrated vs
// preserve_dictionary, plus a 1-row query for the fixed per-query cost. Ratios are
// measured in this run.
//   node --import tsx scripts/bench/devserver-stream.ts [--rows 1000000]
import { startDevServer } from '../../tests/harness/devserver';
import { TestFlightClient } from '../../tests/devserver/flight-client';

const rowsArg = process.argv.indexOf('--rows');
const ROWS = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 1_000_000;

// `exe` reads a dictionary column of log_entries, so it is dictionary-encoded when preserved.
const SQL = `SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_microseconds(g.i) AS time, g.i AS n, g.i * 0.5 AS f, e.exe AS exe, 'message ' || g.i AS msg
  FROM generate_series(1, ${ROWS}) g(i) JOIN (SELECT DISTINCT exe, row_number() OVER () - 1 AS k FROM (SELECT DISTINCT exe FROM log_entries)) e ON e.k = g.i % 4`;

async function timeQuery(
  client: TestFlightClient,
  sql: string,
  headers: Record<string, string>
): Promise<{ ms: number; rows: number; messages: number }> {
  const t0 = process.hrtime.bigint();
  const res = await client.query(sql, headers);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.error) {
    throw res.error;
  }
  return { ms, rows: res.batches.reduce((n, b) => n + b.numRows, 0), messages: res.messages };
}

async function main(): Promise<void> {
  const server = await startDevServer({ scale: 0.05 });
  const client = new TestFlightClient(server.uri);
  try {
    const smalls: number[] = [];
    for (let i = 0; i < 9; i++) {
      smalls.push((await timeQuery(client, 'SELECT 1 AS x', {})).ms);
    }
    const small = { ms: smalls.slice(2).sort((a, b) => a - b)[3]! }; // median after warm-up
    const hydrated = await timeQuery(client, SQL, {});
    const preserved = await timeQuery(client, SQL, { preserve_dictionary: 'true' });
    console.log(`devserver-stream: 1-row query ${small.ms.toFixed(1)} ms (median, warm)`);
    console.log(
      `devserver-stream: ${hydrated.rows} rows × 5 cols hydrated ${hydrated.ms.toFixed(0)} ms (${Math.round(hydrated.rows / (hydrated.ms / 1000))} rows/s, ${hydrated.messages} messages)`
    );
    console.log(
      `devserver-stream: ${preserved.rows} rows × 5 cols preserve_dictionary ${preserved.ms.toFixed(0)} ms (ratio preserved/hydrated = ${(preserved.ms / hydrated.ms).toFixed(2)})`
    );
  } finally {
    client.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
