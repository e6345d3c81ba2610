// The query builder end to end: each mode's state → the SQL the builder writes
// (src/components/builder/sql.ts, the same module the editor uses) → the built executable
// → the dev server → frames that pass Grafana's frame rules, in the mode's format. Also:
// the heatmap format from plain `time, bucket, count` SQL, and the drill-down links the
// backend sets on the frames (pointing at the plugin context's data source uid).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { defaultBuilderState, type BuilderState } from '../../src/components/builder/model';
import { builderFormat, builderSql } from '../../src/components/builder/sql';
import { startDevServer, type DevServer } from '../harness/devserver';
import { assertGrafanaFrame } from '../harness/frame-validate';
import { dataQuery, ensureBackendBuilt, frameTable, GrafanaHost, pluginContext } from '../harness/grafana-host';

const UID = 'mm-builder-uid';
const NAME = 'Micromegas builder';

interface FieldLink {
  title: string;
  url: string;
  targetBlank?: boolean;
  internal?: { datasourceUid: string; datasourceName: string; query: { query: string; format: string } };
}

function fieldConfig(table: ReturnType<typeof frameTable>, name: string): { links?: FieldLink[]; unit?: string } {
  const field = table.schema.fields.find((f) => f.name === name);
  assert.ok(field, `field ${name} in ${table.schema.fields.map((f) => f.name).join(', ')}`);
  return JSON.parse(field.metadata.get('config') ?? '{}');
}

describe('query builder through the backend executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  const to = Date.now();
  const from = to - 2 * 3600_000;
  const ctx = () => pluginContext({ uid: UID, name: NAME, jsonData: { url: dev.uri } });
  let processId = '';
  let streamId = '';

  async function run(json: Record<string, unknown>) {
    const r = await host.queryData(ctx(), [dataQuery('A', { version: 3, timeFilter: true, ...json }, { from, to })]);
    assert.equal(r.A.error, '', `${r.A.error}\n${String(json.query)}`);
    return r.A.frames.map((bytes) => ({ ...assertGrafanaFrame(bytes), table: frameTable(bytes) }));
  }

  async function runBuilder(state: BuilderState, format?: string) {
    const sql = builderSql(state);
    return { sql, frames: await run({ query: sql, format: builderFormat(state) ?? format ?? 'table' }) };
  }

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.05, hours: 3, now: new Date(to).toISOString() }),
      GrafanaHost.start({ minPort: 27900, maxPort: 27999 }),
    ]);
    const [procs] = await run({
      query: "SELECT process_id FROM processes WHERE exe = 'api-gateway' LIMIT 1",
      format: 'table',
    });
    processId = String(procs.table.getChild('process_id')!.get(0));
    const [streams] = await run({
      query: `SELECT stream_id FROM streams WHERE process_id = '${processId}' AND array_has(tags, 'cpu') LIMIT 1`,
      format: 'table',
    });
    streamId = String(streams.table.getChild('stream_id')!.get(0));
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('Logs mode: log lines of one process at warn or worse, with the drill-down links', async () => {
    const state = defaultBuilderState('logs');
    state.logs = { ...state.logs, processId, maxLevel: 3 };
    const { sql, frames } = await runBuilder(state);
    assert.match(sql, /FROM view_instance\('log_entries', '[^']+'\)\nWHERE \$__timeFilter\(time\)\n {2}AND level <= 3/);
    assert.equal(frames.length, 1);
    const [{ table, meta }] = frames;
    assert.equal(meta?.type, 'log-lines');
    assert.ok(table.numRows > 0, 'the process logged warnings or errors');
    for (const s of table.getChild('severity')!.toArray()) {
      assert.ok(['critical', 'error', 'warning'].includes(String(s)), String(s));
    }
    const pid = table.getChild('process_id')!;
    assert.ok(pid.toArray().every((v: unknown) => v === processId));
    const links = fieldConfig(table, 'process_id').links!;
    assert.deepEqual(
      links.map((l) => l.title),
      [
        'Process dashboard',
        'Logs of this process',
        'Metrics of this process',
        'Spans of this process (flame graph)',
        'Perfetto trace of this process',
        'Spans around this line',
      ]
    );
    const byTitle = new Map(links.map((l) => [l.title, l]));
    assert.equal(
      byTitle.get('Process dashboard')!.url,
      `/d/micromegas-process/micromegas-process?var-datasource=${UID}&var-process_id=\${__value.raw}&\${__url_time_range}`
    );
    assert.equal(
      byTitle.get('Perfetto trace of this process')!.url,
      `/api/datasources/uid/${UID}/resources/perfetto?process_id=\${__value.raw}&begin=\${__from}&end=\${__to}`
    );
    const logsLink = byTitle.get('Logs of this process')!.internal!;
    assert.equal(logsLink.datasourceUid, UID);
    assert.equal(logsLink.datasourceName, NAME);
    assert.equal(logsLink.query.format, 'logs');
    assert.match(logsLink.query.query, /view_instance\('log_entries', '\$\{__value\.raw\}'\)/);

    // The Explore link's query, with the value Grafana puts in, runs and shows this process's logs.
    const [linked] = await run({
      query: logsLink.query.query.replace('${__value.raw}', processId),
      format: logsLink.query.format,
    });
    assert.ok(linked.table.numRows > 0);
  });

  it('Metrics mode: one measure per bin as a time series, grouped by exe, with its unit', async () => {
    const state = defaultBuilderState('metrics');
    state.metrics = { ...state.metrics, measure: 'cpu_usage', groupBy: 'exe', aggregation: 'max' };
    const { frames } = await runBuilder(state);
    assert.equal(frames[0].meta?.type, 'timeseries-wide');
    const table = frames[0].table;
    const values = table.schema.fields.filter((f) => f.name === 'cpu_usage');
    assert.ok(values.length >= 2, 'one series per exe');
    for (const f of values) {
      assert.ok(JSON.parse(f.metadata.get('labels') ?? '{}').exe, 'series labelled by exe');
      assert.equal(JSON.parse(f.metadata.get('config') ?? '{}').unit, 'percent');
    }
  });

  it('Metrics mode with a fixed bin and a process: a valid alert query (time series, backend-run)', async () => {
    const state = defaultBuilderState('metrics');
    state.metrics = { ...state.metrics, measure: 'request_latency', bin: '1 minute', processId };
    const { frames } = await runBuilder(state);
    const t = frames[0].table;
    assert.equal(frames[0].meta?.type, 'timeseries-wide');
    const times = t.getChild('time')!.toArray() as ArrayLike<bigint | number>;
    assert.ok(times.length > 10);
    assert.equal((Number(times[1]) - Number(times[0])) % 60_000, 0, 'minute bins');
  });

  it('Spans mode: slowest thread spans (with span links), flame graph, trace; async spans', async () => {
    const state = defaultBuilderState('spans');
    state.spans = { ...state.spans, processId, streamId };
    const slowest = await runBuilder(state);
    const d = slowest.frames[0].table.getChild('duration')!.toArray() as ArrayLike<bigint>;
    assert.ok(d.length > 0);
    for (let i = 1; i < d.length; i++) {
      assert.ok(Number(d[i - 1]) >= Number(d[i]), 'slowest first');
    }
    const spanLinks = fieldConfig(slowest.frames[0].table, 'id').links!;
    assert.deepEqual(
      spanLinks.map((l) => l.title),
      ['Children of this span', 'Thread of this span']
    );
    assert.match(
      spanLinks[0].internal!.query.query,
      /view_instance\('thread_spans', '[^']+'\)\nWHERE parent = \$\{__value\.raw\}/
    );
    const children = await run({
      query: spanLinks[0].internal!.query.query.replace('${__value.raw}', '0'),
      format: 'table',
    });
    assert.ok(children[0].table.numRows >= 0);

    const flame = await runBuilder({ ...state, spans: { ...state.spans, view: 'flame_graph' } });
    assert.equal(flame.frames[0].meta?.preferredVisualisationType, 'flamegraph');
    const trace = await runBuilder({ ...state, spans: { ...state.spans, view: 'trace' } });
    assert.equal(trace.frames[0].meta?.preferredVisualisationType, 'trace');

    const asyncSpans = await runBuilder({ ...state, spans: { ...state.spans, source: 'async', view: 'trace' } });
    assert.equal(asyncSpans.frames[0].meta?.preferredVisualisationType, 'trace');
  });

  it('Processes mode: processes with properties; process_id carries the process links', async () => {
    const state = defaultBuilderState('processes');
    state.processes = { ...state.processes, exe: 'api-gateway' };
    const { frames } = await runBuilder(state);
    const t = frames[0].table;
    assert.ok(t.numRows >= 1);
    assert.ok(
      t
        .getChild('exe')!
        .toArray()
        .every((v: unknown) => v === 'api-gateway')
    );
    assert.ok(JSON.parse(String(t.getChild('properties')!.get(0))));
    assert.equal(fieldConfig(t, 'process_id').links!.length, 5);
    // parent_process_id is linked too when it is text (the sample's roots have none: a null column).
    if (t.getChild('parent_process_id')!.type.toString() === 'Utf8') {
      assert.equal(fieldConfig(t, 'parent_process_id').links!.length, 5);
    }
  });

  it('Table mode (as an upstream builder query is opened): columns, where, order, limit', async () => {
    const state = defaultBuilderState('table');
    state.table = {
      table: 'measures',
      instance: processId,
      columns: ['time', 'name', 'value'],
      wheres: ["name = 'cpu_usage'", 'value >= 0'],
      orderBy: 'time DESC',
      limit: 7,
    };
    const { frames } = await runBuilder(state, 'table');
    const t = frames[0].table;
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['time', 'name', 'value']
    );
    assert.equal(t.numRows, 7);
  });

  it('Heatmap format from plain time, bucket, count rows: dense heatmap-cells with bucket bounds and unit', async () => {
    const sql = [
      'SELECT $__timeInterval(time) AS time, floor(value / 10) * 10 AS bucket, unit, count(*) AS count',
      'FROM measures',
      "WHERE $__timeFilter(time) AND name = 'cpu_usage'",
      'GROUP BY 1, 2, 3',
      'ORDER BY 1, 2',
    ].join('\n');
    const [frame] = await run({ query: sql, format: 'heatmap' });
    assert.equal(frame.meta?.type, 'heatmap-cells');
    const t = frame.table;
    assert.deepEqual(
      t.schema.fields.map((f) => f.name),
      ['xMin', 'yMin', 'yMax', 'count']
    );
    assert.equal(fieldConfig(t, 'yMin').unit, 'percent');
    const lo = t.getChild('yMin')!.toArray() as Float64Array;
    const hi = t.getChild('yMax')!.toArray() as Float64Array;
    const counts = t.getChild('count')!.toArray() as Float64Array;
    for (let i = 0; i < lo.length; i++) {
      assert.equal(hi[i] - lo[i], 10, 'bucket width from the bucket spacing');
      assert.equal(lo[i] % 10, 0);
    }
    // Same total as counting the rows directly.
    const [direct] = await run({
      query: "SELECT count(*) AS n FROM measures WHERE $__timeFilter(time) AND name = 'cpu_usage'",
      format: 'table',
    });
    const total = counts.reduce((a, b) => a + b, 0);
    assert.equal(total, Number(direct.table.getChild('n')!.get(0)));
    // Dense grid: every bucket at every time.
    const buckets = new Set(lo).size;
    const times = new Set(Array.from(t.getChild('xMin')!.toArray() as ArrayLike<unknown>, String)).size;
    assert.equal(t.numRows, buckets * times);
  });

  it('Heatmap format from expand_histogram rows (bin_center, count): 20 bins of 5 over 0…100', async () => {
    const expanded = [
      'SELECT $__timeFrom AS time, bin_center, count',
      'FROM expand_histogram(',
      "  (SELECT make_histogram(0.0, 100.0, 20, value) FROM measures WHERE name = 'cpu_usage')",
      ')',
    ].join('\n');
    const [cells] = await run({ query: expanded, format: 'heatmap' });
    assert.equal(cells.meta?.type, 'heatmap-cells');
    const lo = Array.from(cells.table.getChild('yMin')!.toArray() as Float64Array);
    const hi = Array.from(cells.table.getChild('yMax')!.toArray() as Float64Array);
    assert.equal(lo.length, 20);
    assert.deepEqual([lo[0], hi[0], lo[19], hi[19]], [0, 5, 95, 100]);
    const total = (cells.table.getChild('count')!.toArray() as Float64Array).reduce((x, y) => x + y, 0);
    const [n] = await run({
      query: "SELECT count(*) AS n FROM measures WHERE name = 'cpu_usage' AND value >= 0 AND value <= 100",
      format: 'table',
    });
    assert.equal(total, Number(n.table.getChild('n')!.get(0)));
  });

  it('Heatmap format from make_histogram results (one histogram struct per bin)', async () => {
    const hist = [
      'SELECT $__timeInterval(time) AS time, make_histogram(0.0, 100.0, 10, value) AS h',
      'FROM measures',
      "WHERE $__timeFilter(time) AND name = 'cpu_usage'",
      'GROUP BY 1',
      'ORDER BY 1',
    ].join('\n');
    const [probe] = await run({ query: `${hist}\nLIMIT 1`, format: 'table' });
    const wire = probe.table.schema.fields.find((f) => f.name === 'h')!;
    // The histogram arrives as an Arrow Struct (as from Micromegas): a JSON ("other") field in a table.
    assert.equal(wire.metadata.get('tstype'), 'other', `h is ${String(wire.type)}`);
    const [frame] = await run({ query: hist, format: 'heatmap' });
    const lo = Array.from(frame.table.getChild('yMin')!.toArray() as Float64Array);
    assert.deepEqual(lo.slice(0, 10), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    const total = (frame.table.getChild('count')!.toArray() as Float64Array).reduce((x, y) => x + y, 0);
    const [counted] = await run({
      query: `SELECT sum(count_from_histogram(h)) AS n FROM (${hist}) AS x`,
      format: 'table',
    });
    assert.equal(total, Number(counted.table.getChild('n')!.get(0)));
  });

  it('Heatmap format without a bucket column: an actionable error', async () => {
    const r = await host.queryData(ctx(), [
      dataQuery(
        'A',
        { query: 'SELECT time, value FROM measures LIMIT 5', format: 'heatmap', version: 3 },
        { from, to }
      ),
    ]);
    assert.match(r.A.error, /Format "Heatmap" needs a time column, a bucket column and a count column/);
  });
});
