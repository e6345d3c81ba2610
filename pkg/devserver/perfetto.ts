// perfetto_trace_chunks(process_id, span_types, begin, end) for the dev server: a Perfetto
// trace (protobuf `Trace`) of each process's thread spans and/or async spans, built once at
// startup from the sample and served in chunks like the Micromegas server does. The
// time arguments are accepted but the whole sample trace is returned (docs/devserver.md).
//
// Perfetto field numbers used: Trace.packet = 1; TracePacket.timestamp = 8,
// trusted_packet_sequence_id = 10, track_event = 11, track_descriptor = 60;
// TrackDescriptor.uuid = 1, name = 2; TrackEvent.type = 9 (SLICE_BEGIN = 1,
// SLICE_END = 2), track_uuid = 11, name = 23.
import type { DuckDBConnection } from '@duckdb/node-api';
import protobuf from 'protobufjs';

/** Chunk size of the served trace (small, so a sample trace spans several chunks). */
export const PERFETTO_CHUNK_BYTES = 16 * 1024;
const SLICE_BEGIN = 1;
const SLICE_END = 2;

export interface TraceSpan {
  /** Track: one per thread (or async) stream. */
  track: string;
  name: string;
  beginNs: bigint;
  endNs: bigint;
  depth: number;
}

interface TraceEvent {
  ts: bigint;
  type: number;
  depth: number;
  track: number;
  name: string;
}

/** Events in time order; at one instant, ends (deepest first) before begins (outermost first), so slices nest. */
function orderedEvents(spans: TraceSpan[], trackIds: Map<string, number>): TraceEvent[] {
  const events: TraceEvent[] = [];
  for (const s of spans) {
    const track = trackIds.get(s.track)!;
    events.push({ ts: s.beginNs, type: SLICE_BEGIN, depth: s.depth, track, name: s.name });
    events.push({ ts: s.endNs, type: SLICE_END, depth: s.depth, track, name: s.name });
  }
  return events.sort((a, b) => {
    if (a.ts !== b.ts) {
      return a.ts < b.ts ? -1 : 1;
    }
    if (a.type !== b.type) {
      return a.type === SLICE_END ? -1 : 1;
    }
    return a.type === SLICE_END ? b.depth - a.depth : a.depth - b.depth;
  });
}

/**
 * A protobuf `Trace`: one track descriptor per track, then slice begin/end events. Track
 * uuids come from `trackIds` (shared between traces, so that two traces of one process,
 * concatenated, are still one valid trace: `packet` is a repeated field).
 */
export function perfettoTrace(spans: TraceSpan[], trackIds: Map<string, number>, sequenceId: number): Uint8Array {
  const tracks = new Map<string, number>();
  for (const s of spans) {
    if (!trackIds.has(s.track)) {
      trackIds.set(s.track, trackIds.size + 1);
    }
    tracks.set(s.track, trackIds.get(s.track)!);
  }
  const w = protobuf.Writer.create();
  const packet = (body: (p: protobuf.Writer) => void) => {
    w.uint32((1 << 3) | 2).fork();
    body(w);
    w.uint32((10 << 3) | 0).uint32(sequenceId);
    w.ldelim();
  };
  for (const [name, uuid] of tracks) {
    packet((p) => {
      p.uint32((60 << 3) | 2).fork();
      p.uint32((1 << 3) | 0).uint64(uuid);
      p.uint32((2 << 3) | 2).string(name);
      p.ldelim();
    });
  }
  for (const e of orderedEvents(spans, tracks)) {
    packet((p) => {
      p.uint32((8 << 3) | 0).uint64(uint64(e.ts));
      p.uint32((11 << 3) | 2).fork();
      p.uint32((9 << 3) | 0).int32(e.type);
      p.uint32((11 << 3) | 0).uint64(e.track);
      if (e.type === SLICE_BEGIN) {
        p.uint32((23 << 3) | 2).string(e.name);
      }
      p.ldelim();
    });
  }
  return w.finish();
}

/** A bigint as the low/high words protobufjs writes without losing precision (ns timestamps exceed 2^53). */
function uint64(v: bigint): protobuf.Long {
  return { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true } as protobuf.Long;
}

type SpanKinds = 'thread' | 'async';

/** A SQL list literal of strings. */
const lit = (values: string[]): string => `[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]`;

/** Reads the sample's spans of each process (before the stage schema is dropped) and stores the chunked traces. */
export async function storePerfettoTraces(conn: DuckDBConnection): Promise<void> {
  // Names and tracks come back as small integer codes and times as exact microsecond doubles:
  // converting 10^5 rows of strings and BigInts to JS values was most of the startup cost.
  const sources: Record<SpanKinds, string> = {
    thread: `SELECT s.process_id, 'thread ' || ts.stream_id AS track, ts.name, epoch_us(ts.begin) AS b, epoch_us(ts."end") AS e, ts.depth
             FROM stage.thread_spans ts JOIN __streams s USING (stream_id)`,
    async: `SELECT b.process_id, 'async ' || b.stream_id AS track, b.name, epoch_us(b.time) AS b, epoch_us(e.time) AS e, b.depth
            FROM stage.async_events b JOIN stage.async_events e
              ON e.stream_id = b.stream_id AND e.span_id = b.span_id AND e.event_type = 'end'
            WHERE b.event_type = 'begin'`,
  };
  const byProcess = new Map<string, Record<SpanKinds, TraceSpan[]>>();
  for (const kind of ['thread', 'async'] as const) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE __perfetto_src AS ${sources[kind]}`);
    const texts = async (column: string): Promise<string[]> =>
      (await conn.runAndReadAll(`SELECT DISTINCT ${column} FROM __perfetto_src ORDER BY 1`))
        .getRows()
        .map((r) => String(r[0]));
    const [pids, tracks, names] = [await texts('process_id'), await texts('track'), await texts('name')];
    const rows = (
      await conn.runAndReadAll(
        `SELECT CAST(list_position(${lit(pids)}, process_id) AS INTEGER), CAST(list_position(${lit(tracks)}, track) AS INTEGER),
                CAST(list_position(${lit(names)}, name) AS INTEGER), CAST(b AS DOUBLE), CAST(e AS DOUBLE), CAST(depth AS INTEGER)
         FROM __perfetto_src`
      )
    ).getRows();
    for (const [p, t, n, b, e, depth] of rows) {
      const pid = pids[Number(p) - 1];
      const entry = byProcess.get(pid) ?? { thread: [], async: [] };
      byProcess.set(pid, entry);
      entry[kind].push({
        track: tracks[Number(t) - 1],
        name: names[Number(n) - 1],
        beginNs: BigInt(b as number) * 1000n,
        endNs: BigInt(e as number) * 1000n,
        depth: Number(depth),
      });
    }
  }
  await conn.run('DROP TABLE __perfetto_src');
  await conn.run(
    'CREATE TABLE lake.__perfetto (process_id VARCHAR, span_types VARCHAR, chunk_id INTEGER, chunk_data BLOB)'
  );
  const appender = await conn.createAppender('__perfetto', 'lake');
  for (const [pid, spans] of byProcess) {
    const trackIds = new Map<string, number>();
    const thread = perfettoTrace(spans.thread, trackIds, 1);
    const async = perfettoTrace(spans.async, trackIds, 2);
    const traces: Record<string, Uint8Array> = { thread, async, both: Buffer.concat([thread, async]) };
    for (const [types, bytes] of Object.entries(traces)) {
      for (let at = 0, id = 0; at < bytes.byteLength || id === 0; at += PERFETTO_CHUNK_BYTES, id++) {
        appender.appendVarchar(pid);
        appender.appendVarchar(types);
        appender.appendInteger(id);
        appender.appendBlob(bytes.subarray(at, at + PERFETTO_CHUNK_BYTES));
        appender.endRow();
      }
    }
  }
  appender.closeSync();
}
