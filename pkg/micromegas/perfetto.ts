// Perfetto trace export, as the Python client's micromegas.perfetto: the server renders a
// process's spans as a Perfetto protobuf trace and streams it in chunks
// (perfetto_trace_chunks); the chunks are joined in chunk_id order.
import { rename, rm, writeFile } from 'node:fs/promises';

import type { RecordBatch } from 'apache-arrow';

import type { CallOptions, FlightSQLClient } from './client';
import { sqlString } from './sql';
import { formatDatetime, type TimeInput } from './time';

export type PerfettoSpanTypes = 'thread' | 'async' | 'both';
export const PERFETTO_SPAN_TYPES: readonly PerfettoSpanTypes[] = ['thread', 'async', 'both'];

/** What reading a trace needs of a client (FlightSQLClient, or the plugin's query client). */
export interface TraceSource {
  queryStream(
    sql: string,
    begin: TimeInput,
    end: TimeInput,
    opts?: CallOptions
  ): AsyncIterable<RecordBatch> | Promise<AsyncIterable<RecordBatch>>;
}

/**
 * The chunks of a process's Perfetto trace over [begin, end], in order. Throws when a
 * chunk is missing or repeated, so a truncated trace never passes for a complete one.
 */
export async function* processTraceChunks(
  client: TraceSource,
  processId: string,
  begin: TimeInput,
  end: TimeInput,
  spanTypes: PerfettoSpanTypes = 'both',
  opts: CallOptions = {}
): AsyncGenerator<Uint8Array> {
  if (!PERFETTO_SPAN_TYPES.includes(spanTypes)) {
    throw new Error(`spanTypes must be one of ${PERFETTO_SPAN_TYPES.join(', ')}; got ${JSON.stringify(spanTypes)}`);
  }
  const sql =
    `SELECT chunk_id, chunk_data FROM perfetto_trace_chunks(${sqlString(processId)}, ${sqlString(spanTypes)}, ` +
    `TIMESTAMP ${sqlString(formatDatetime(begin))}, TIMESTAMP ${sqlString(formatDatetime(end))})`;
  // Chunks arriving in order are passed on at once; others wait for their turn.
  const pending = new Map<number, Uint8Array>();
  let next = 0;
  for await (const batch of await client.queryStream(sql, begin, end, opts)) {
    const ids = batch.getChild('chunk_id');
    const data = batch.getChild('chunk_data');
    if (!ids || !data) {
      throw new Error('perfetto_trace_chunks answered without chunk_id and chunk_data columns');
    }
    for (let i = 0; i < batch.numRows; i++) {
      const id = Number(ids.get(i));
      if (id < next || pending.has(id)) {
        throw new Error(`perfetto_trace_chunks sent chunk ${id} twice`);
      }
      pending.set(id, (data.get(i) as Uint8Array | null) ?? new Uint8Array(0));
      for (let chunk = pending.get(next); chunk !== undefined; chunk = pending.get(next)) {
        pending.delete(next++);
        yield chunk;
      }
    }
  }
  if (pending.size > 0) {
    throw new Error(
      `the Perfetto trace is incomplete: chunk ${next} is missing (received up to ${Math.max(...pending.keys())})`
    );
  }
}

/**
 * Writes a process's Perfetto trace to `filePath` (open it in ui.perfetto.dev). The file
 * appears only once the whole trace arrived: it is written beside it, then renamed.
 */
export async function writeProcessTrace(
  client: FlightSQLClient,
  processId: string,
  begin: TimeInput,
  end: TimeInput,
  filePath: string,
  spanTypes: PerfettoSpanTypes = 'both',
  opts: CallOptions = {}
): Promise<{ bytes: number; chunks: number }> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of processTraceChunks(client, processId, begin, end, spanTypes, opts)) {
    chunks.push(chunk);
    bytes += chunk.byteLength;
  }
  if (bytes === 0) {
    throw new Error(
      `no Perfetto trace for process ${processId} between ${formatDatetime(begin)} and ${formatDatetime(end)}: check the process id and the time range`
    );
  }
  const partial = `${filePath}.partial-${process.pid}`;
  try {
    await writeFile(partial, chunks);
    await rename(partial, filePath);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
  return { bytes, chunks: chunks.length };
}
