// Shared by the live tail tests: the logs query they tail, lines written into the dev
// server (DoPut into `processes`, its ingestible view: insert_time is the line's time, exe
// its text), and packets decoded as Grafana Live receives them.
import assert from 'node:assert/strict';

import { makeData, makeVector, Table, TimestampNanosecond, Utf8, vectorFromArray } from 'apache-arrow';

import type { DataFrameJSON } from '../../pkg/frames/json';
import type { FlightSQLClient } from '../../pkg/micromegas';

export interface Line {
  ns: bigint;
  body: string;
  severity: string;
  processId: string;
}

/** A logs packet as Grafana Live receives it: checks the frame shape, returns its lines. */
export function decode(packet: Buffer): Line[] {
  const frame = JSON.parse(packet.toString('utf8')) as DataFrameJSON;
  const fields = frame.schema.fields;
  const index = (name: string) => fields.findIndex((f) => f.name === name);
  assert.equal(fields[0].name, 'timestamp');
  assert.equal(fields[0].type, 'time');
  assert.equal(fields[1].name, 'body');
  assert.equal(fields[1].type, 'string');
  assert.equal(frame.schema.meta?.type, 'log-lines');
  assert.equal(frame.schema.refId, 'A');
  const n = frame.data.values[0].length;
  assert.ok(n > 0, 'a packet carries at least one line');
  const out: Line[] = [];
  for (let i = 0; i < n; i++) {
    const ms = frame.data.values[0][i] as number;
    const labels = frame.data.values[index('labels')][i] as Record<string, string>;
    out.push({
      ns: BigInt(ms) * 1_000_000n + BigInt(frame.data.nanos?.[0]?.[i] ?? 0),
      body: frame.data.values[1][i] as string,
      severity: frame.data.values[index('severity')][i] as string,
      processId: labels.process_id,
    });
  }
  return out;
}

export const allLines = (packets: Buffer[]): Line[] => packets.flatMap(decode);

/** The panel query of a live tail on lines whose text starts with `tag-`. */
export function tailLogsQuery(tag: string, pollMs: number, sql?: string): Record<string, unknown> {
  return {
    refId: 'A',
    query:
      sql ??
      `SELECT insert_time AS time, 'info' AS level, exe AS msg, process_id FROM processes WHERE exe LIKE '${tag}-%' AND $__timeFilter(insert_time)`,
    format: 'logs',
    version: 3,
    liveIntervalMs: pollMs,
  };
}

/** Writes log lines (time in ns; the dev server keeps microseconds). */
export async function ingestLines(client: FlightSQLClient, lines: Array<{ body: string; ns: bigint }>): Promise<void> {
  // One vector per column: apache-arrow cannot encode a table whose columns share buffers.
  const times = () =>
    makeVector(
      makeData({
        type: new TimestampNanosecond(),
        length: lines.length,
        data: BigInt64Array.from(lines.map((l) => l.ns)),
      })
    );
  const table = new Table({
    process_id: vectorFromArray(
      lines.map((_l, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
      new Utf8()
    ),
    exe: vectorFromArray(
      lines.map((l) => l.body),
      new Utf8()
    ),
    insert_time: times(),
    last_update_time: times(),
  });
  const r = await client.bulkIngest('processes', table);
  assert.equal(r?.recordCount, lines.length);
}
