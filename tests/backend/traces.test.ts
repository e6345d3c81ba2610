// Traces and Flame graph formats through the built executable (launched as Grafana
// launches it) against the dev server's thread spans: the frames pass Grafana's rules,
// carry the contract fields, and agree with plain SQL over the same spans.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type * as arrow from 'apache-arrow';

import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame, TRACE_FRAME_FIELDS } from '../harness/frame-validate';
import {
  dataQuery,
  ensureBackendBuilt,
  frameTable,
  GrafanaHost,
  pluginContext,
  REPO_ROOT,
} from '../harness/grafana-host';

const column = (t: arrow.Table, name: string): unknown[] => {
  const c = t.getChild(name);
  assert.ok(c, `no column ${name} in ${t.schema.fields.map((f) => f.name).join(', ')}`);
  return Array.from(c.toArray() as ArrayLike<unknown>);
};

describe('traces and flame graph formats against the dev server', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  let streamId: string;
  const ctx = () => pluginContext({ uid: 'mm-spans', jsonData: { url: dev.uri } });
  const to = Date.now();
  const from = to - 3600_000;

  async function query(json: Record<string, unknown>) {
    const res = await host.queryData(ctx(), [dataQuery('A', { version: 3, ...json }, { from, to })]);
    return res.A;
  }

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.05 }),
      GrafanaHost.start({ minPort: 26000, maxPort: 26499 }),
    ]);
    const res = await query({
      query:
        "SELECT stream_id FROM streams WHERE array_has(tags, 'cpu') AND NOT array_has(tags, 'async') ORDER BY stream_id LIMIT 1",
      format: 'table',
    });
    assert.equal(res.error, '');
    streamId = String(column(frameTable(res.frames[0]), 'stream_id')[0]);
    assert.ok(streamId, 'the dev server has a thread (cpu) stream');
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('format "traces": one trace frame of the thread spans, ids and parents consistent, times in ms', async () => {
    const res = await query({
      query: `SELECT * FROM view_instance('thread_spans', '${streamId}') ORDER BY begin`,
      format: 'traces',
      autoLimit: false,
    });
    assert.equal(res.error, '');
    assert.equal(res.frames.length, 1);
    const { table, meta } = assertGrafanaFrame(res.frames[0]);
    assert.equal(meta?.preferredVisualisationType, 'trace');
    const names = table.schema.fields.map((f) => [f.name, f.metadata.get('tstype')]);
    for (const [name, tstype] of TRACE_FRAME_FIELDS) {
      assert.ok(
        names.some(([n, t]) => n === name && t === tstype),
        `field ${name} (${tstype}) in ${JSON.stringify(names)}`
      );
    }
    assert.ok(table.numRows > 10, `${table.numRows} spans`);

    const spanIds = column(table, 'spanID') as string[];
    const parents = column(table, 'parentSpanID') as string[];
    const ids = new Set(spanIds);
    assert.equal(ids.size, spanIds.length, 'span ids are unique');
    assert.ok(
      spanIds.every((id) => /^\d+$/.test(id)),
      'thread span ids are decimal text'
    );
    assert.ok(
      parents.every((p) => p === '' || ids.has(p)),
      'every parent is a span of the frame or empty'
    );
    const roots = parents.filter((p) => p === '').length;
    assert.ok(roots > 0 && roots < spanIds.length, `${roots} roots`);

    // The same spans through plain SQL: the number of top-level spans, begin and duration per id.
    const sql = await query({
      query: `SELECT id, depth, begin, duration FROM view_instance('thread_spans', '${streamId}') ORDER BY begin`,
      format: 'table',
      autoLimit: false,
    });
    const plain = frameTable(sql.frames[0]);
    assert.equal(plain.numRows, table.numRows);
    assert.equal(column(plain, 'depth').filter((d) => Number(d) === 0).length, roots);
    const startMs = column(table, 'startTime') as number[];
    const durationMs = column(table, 'duration') as number[];
    const byId = new Map(spanIds.map((id, k) => [id, k]));
    const plainIds = column(plain, 'id');
    const plainBegin = column(plain, 'begin');
    const plainDuration = column(plain, 'duration');
    plainIds.forEach((id, r) => {
      const k = byId.get(String(id))!;
      assert.ok(Math.abs(startMs[k] - Number(plainBegin[r] as bigint) / 1e6) < 1e-3, `begin of span ${String(id)}`);
      assert.equal(durationMs[k], Number(plainDuration[r] as bigint) / 1e6, `duration of span ${String(id)}`);
    });
    assert.ok(
      startMs.every((t) => t >= from - 3600_000 && t <= to),
      'start times are epoch ms around the range'
    );
  });

  it('format "flame_graph": a nested set whose root totals the top-level spans of the range', async () => {
    const res = await query({
      query: `SELECT id, parent, depth, name, duration FROM view_instance('thread_spans', '${streamId}')`,
      format: 'flame_graph',
      autoLimit: false,
    });
    assert.equal(res.error, '');
    const { table, meta } = assertGrafanaFrame(res.frames[0]);
    assert.equal(meta?.preferredVisualisationType, 'flamegraph');
    assert.deepEqual(
      table.schema.fields.map((f) => [f.name, f.metadata.get('tstype')]),
      [
        ['level', 'number'],
        ['value', 'number'],
        ['self', 'number'],
        ['label', 'string'],
      ]
    );
    for (const name of ['value', 'self']) {
      const config = JSON.parse(table.schema.fields.find((f) => f.name === name)!.metadata.get('config') ?? '{}');
      assert.equal(config.unit, 'ns');
    }
    const level = column(table, 'level').map(Number);
    const value = column(table, 'value').map(Number);
    const self = column(table, 'self').map(Number);
    const label = column(table, 'label') as string[];
    assert.equal(level[0], 0);
    assert.equal(level.filter((l) => l === 0).length, 1, 'a single root');
    for (let k = 0; k < level.length; k++) {
      assert.ok(value[k] >= self[k] && self[k] >= 0, `row ${k}`);
      if (k > 0) {
        assert.ok(level[k] >= 1 && level[k] <= level[k - 1] + 1, `row ${k} is depth-first`);
      }
      let children = 0;
      for (let j = k + 1; j < level.length && level[j] > level[k]; j++) {
        if (level[j] === level[k] + 1) {
          children += value[j];
        }
      }
      assert.equal(children + self[k], value[k], `row ${k} (${label[k]}): children + self = value`);
    }
    // Merged call paths: each label appears once per path, so far fewer rows than spans.
    const top = await query({
      query: `SELECT count(*) AS spans, sum(CASE WHEN depth = 0 THEN duration ELSE 0 END) AS top FROM view_instance('thread_spans', '${streamId}')`,
      format: 'table',
    });
    const t = frameTable(top.frames[0]);
    assert.equal(value[0], Number(column(t, 'top')[0] as bigint), 'root = sum of top-level durations');
    assert.ok(table.numRows < Number(column(t, 'spans')[0] as bigint) / 5, `${table.numRows} call paths`);
  });

  it("the provisioned spans dashboard's trace panel shows one call: a single root, the slowest of the range", async () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'provisioning', 'dashboards', 'micromegas', 'spans.json'), 'utf8')
    ) as { panels: Array<{ type: string; targets: Array<Record<string, unknown> & { query: string }> }> };
    const target = dashboard.panels.find((p) => p.type === 'traces')!.targets[0];
    const res = await query({ ...target, query: target.query.replaceAll('$stream', streamId) });
    assert.equal(res.error, '');
    const { table } = assertGrafanaFrame(res.frames[0]);
    const parents = column(table, 'parentSpanID');
    assert.equal(parents.filter((p) => p === '').length, 1, 'one root');
    assert.ok(table.numRows > 1, `${table.numRows} spans`);
    const longest = await query({
      query: `SELECT max(duration) AS d FROM view_instance('thread_spans', '${streamId}') WHERE depth = 0`,
      format: 'table',
    });
    const rootDuration = (column(table, 'duration') as number[])[parents.indexOf('')];
    assert.equal(rootDuration, Number(column(frameTable(longest.frames[0]), 'd')[0] as bigint) / 1e6);
  });

  it('a truncated span result says so, and a non-span result gets an actionable error', async () => {
    const res = await query({
      query: `SELECT * FROM view_instance('thread_spans', '${streamId}') ORDER BY begin`,
      format: 'traces',
      rowLimit: 10,
      autoLimit: false,
    });
    assert.equal(res.error, '');
    const { table, meta } = assertGrafanaFrame(res.frames[0]);
    assert.equal(table.numRows, 10);
    const texts = (meta?.notices as Array<{ text: string }>).map((n) => n.text).join('\n');
    assert.match(texts, /truncated to the row limit of 10 rows/);

    const bad = await query({ query: 'SELECT exe, start_time FROM processes', format: 'flame_graph' });
    assert.match(bad.error, /Flame graph format needs span name and duration/);
    assert.match(bad.error, /Found: exe \(Utf8\), start_time/);
    assert.equal(bad.errorSource, 'plugin');
    const unknown = await query({ query: 'SELECT 1', format: 'trace' });
    assert.match(unknown.error, /"format" must be one of table, time_series, logs, traces, flame_graph/);
  });
});
