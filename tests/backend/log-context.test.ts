// "Show context" end to end on the backend side: the context SQL the frontend builds for a
// log line (src/query/logContext.ts) runs through the built executable against the dev
// server, and the lines it returns are that line's neighbours in its process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { buildLogContextQuery, type ContextDirection } from '../../src/query/logContext';
import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

interface Line {
  ns: bigint;
  pid: string;
  body: string;
}

describe('log context through the backend executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const ctx = () => pluginContext({ uid: 'log-context', jsonData: { url: dev.uri } });
  const now = Date.now();

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.05, hours: 2, now: new Date(now).toISOString() }),
      GrafanaHost.start({ minPort: 27600, maxPort: 27699 }),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  /** Log lines of a logs frame: time in ns, process_id from the labels, body. */
  function lines(frame: Buffer): Line[] {
    const t = frameTable(frame);
    // Raw timestamps (get() would round them to fractional ms), scaled to ns by the unit.
    const time = t.getChild('timestamp')!;
    const scale = [1_000_000_000n, 1_000_000n, 1_000n, 1n][(time.type as { unit: number }).unit];
    const raw = time.data.flatMap((d) =>
      Array.from((d.values as BigInt64Array).subarray(d.offset, d.offset + d.length))
    );
    const out: Line[] = [];
    for (let i = 0; i < t.numRows; i++) {
      const labels = JSON.parse(Buffer.from(t.getChild('labels')!.get(i) as Uint8Array).toString('utf8')) as Record<
        string,
        string
      >;
      out.push({ ns: raw[i] * scale, pid: labels.process_id, body: String(t.getChild('body')!.get(i)) });
    }
    return out;
  }

  async function run(sql: string, from: number, to: number): Promise<Line[]> {
    const r = await host.queryData(ctx(), [
      dataQuery('A', { query: sql, format: 'logs', version: 3, autoLimit: false, timeFilter: true }, { from, to }),
    ]);
    assert.equal(r.A.error, '', r.A.error);
    return r.A.frames.length ? lines(r.A.frames[0]) : [];
  }

  it('returns the lines of the same process strictly before / after the chosen one, nearest first, at most limit', async () => {
    const from = now - 2 * 3600_000;
    const all = await run(
      'SELECT time, level, msg, process_id FROM log_entries WHERE $__timeFilter(time) ORDER BY time',
      from,
      now
    );
    assert.ok(all.length > 20, `sample data has log lines (${all.length})`);
    // A line with neighbours on both sides in its own process.
    const byPid = (pid: string): Line[] => all.filter((l) => l.pid === pid);
    const chosen: Line | undefined = all.find((l, i) => {
      const mine = byPid(l.pid);
      const k = mine.indexOf(l);
      return i > all.length / 3 && k >= 3 && k < mine.length - 3;
    });
    assert.ok(chosen, 'a line with context on both sides');
    const limit = 3;
    const row = { timeEpochNs: chosen.ns.toString(), labels: { process_id: chosen.pid } };

    for (const direction of ['BACKWARD', 'FORWARD'] as ContextDirection[]) {
      const built = buildLogContextQuery(row, direction, limit);
      assert.ok(built);
      const got = await run(String(built.query.query), built.fromMs, built.toMs);
      const backward = direction === 'BACKWARD';
      const expected: Line[] = byPid(chosen.pid)
        .filter((l) => (backward ? l.ns < chosen.ns : l.ns > chosen.ns))
        .sort((a, b) => (a.ns === b.ns ? 0 : a.ns < b.ns === backward ? 1 : -1))
        .slice(0, limit);
      assert.ok(got.length > 0 && got.length <= limit, `${direction}: ${got.length} line(s)`);
      assert.ok(
        got.every((l) => l.pid === chosen.pid),
        `${direction}: same process`
      );
      assert.ok(
        got.every((l) => (backward ? l.ns < chosen.ns : l.ns > chosen.ns)),
        `${direction}: strictly on its side of the line`
      );
      assert.deepEqual(
        got.map((l) => l.ns),
        expected.map((l) => l.ns),
        `${direction}: the nearest lines, nearest first`
      );
    }
  });

  it('exe/computer context (no process_id in the query) stays within that exe', async () => {
    const from = now - 2 * 3600_000;
    const r = await host.queryData(ctx(), [
      dataQuery(
        'A',
        {
          query: 'SELECT time, msg, exe FROM log_entries WHERE $__timeFilter(time) ORDER BY time',
          format: 'table',
          version: 3,
          autoLimit: false,
        },
        { from, to: now }
      ),
    ]);
    assert.equal(r.A.error, '');
    const t = frameTable(r.A.frames[0]);
    const mid = Math.floor(t.numRows / 2);
    const exe = String(t.getChild('exe')!.get(mid));
    const ms = Number(t.getChild('time')!.get(mid));
    const built = buildLogContextQuery({ timeEpochMs: ms, labels: { exe } }, 'BACKWARD', 5);
    assert.ok(built);
    const q = await host.queryData(ctx(), [
      dataQuery('C', { ...built.query, refId: 'C' }, { from: built.fromMs, to: built.toMs }),
    ]);
    assert.equal(q.C.error, '');
    const ct = frameTable(q.C.frames[0]);
    assert.ok(ct.numRows > 0 && ct.numRows <= 5);
    for (let i = 0; i < ct.numRows; i++) {
      const labels = JSON.parse(Buffer.from(ct.getChild('labels')!.get(i) as Uint8Array).toString('utf8')) as Record<
        string,
        string
      >;
      assert.equal(labels.exe, exe);
    }
  });
});
