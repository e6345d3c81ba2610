// The perfetto resource through the built executable (launched as Grafana launches it)
// against the dev server: a process's spans as a Perfetto trace download, for data links.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import {
  dataQuery,
  ensureBackendBuilt,
  frameTable,
  GrafanaHost,
  pluginContext,
  REPO_ROOT,
} from '../harness/grafana-host';
import { decodePerfettoTrace, SLICE_BEGIN, SLICE_END } from '../harness/perfetto-trace';

describe('perfetto resource', () => {
  let dev: DevServer;
  let host: GrafanaHost;
  let processId: string;
  const ctx = () => pluginContext({ uid: 'mm-perfetto', jsonData: { url: dev.uri } });
  const to = Date.now();
  const from = to - 24 * 3600_000;
  const get = (query: string) =>
    host.callResource(ctx(), { path: 'perfetto', method: 'GET', url: `perfetto?${query}` });

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.02 }),
      GrafanaHost.start({ minPort: 26500, maxPort: 26999 }),
    ]);
    const res = await host.queryData(ctx(), [
      dataQuery(
        'A',
        {
          query: "SELECT process_id FROM streams WHERE array_has(tags, 'cpu') ORDER BY process_id LIMIT 1",
          format: 'table',
        },
        { from, to }
      ),
    ]);
    assert.equal(res.A.error, '');
    processId = String(frameTable(res.A.frames[0]).getChild('process_id')!.get(0));
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it("answers the process's trace as a download named after the process, decodable as a Perfetto trace", async () => {
    const r = await get(`process_id=${encodeURIComponent(processId)}&begin=${from}&end=${to}`);
    assert.equal(r.code, 200, r.body.toString().slice(0, 300));
    assert.deepEqual(r.headers['content-type'], ['application/octet-stream']);
    assert.match(r.headers['content-disposition'][0], /^attachment; filename="micromegas-[A-Za-z0-9._-]+\.pftrace"$/);
    const packets = decodePerfettoTrace(r.body);
    const begins = packets.filter((p) => p.track_event?.type === SLICE_BEGIN).length;
    const ends = packets.filter((p) => p.track_event?.type === SLICE_END).length;
    assert.ok(begins > 0 && begins === ends, `${begins} slice begins, ${ends} ends`);
    // span_types=both holds the thread and the async tracks.
    const tracks = packets.flatMap((p) => (p.track_descriptor ? [p.track_descriptor.name] : []));
    assert.ok(
      tracks.some((t) => t.startsWith('thread ')),
      tracks.join(', ')
    );
    const threadOnly = await get(
      `process_id=${encodeURIComponent(processId)}&begin=${new Date(from).toISOString()}&end=${new Date(to).toISOString()}&span_types=thread`
    );
    assert.equal(threadOnly.code, 200);
    assert.ok(threadOnly.body.byteLength <= r.body.byteLength);
  });

  it("the fleet dashboard's process_id data link reaches this resource and downloads the trace", async () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'provisioning', 'dashboards', 'micromegas', 'fleet-overview.json'), 'utf8')
    ) as {
      panels: Array<{
        title: string;
        fieldConfig?: { overrides?: Array<{ properties: Array<{ id: string; value: Array<{ url: string }> }> }> };
      }>;
    };
    const links = dashboard.panels
      .flatMap((p) => p.fieldConfig?.overrides ?? [])
      .flatMap((o) => o.properties)
      .filter((p) => p.id === 'links');
    const url = links
      .flatMap((l) => l.value)
      .map((v) => v.url)
      .find((u) => u.includes('/resources/perfetto'));
    assert.ok(url, 'a data link to the perfetto resource');
    // As Grafana interpolates it, then routes /api/datasources/uid/<uid>/resources/<path> to CallResource.
    const resolved = url
      .replaceAll('${__value.raw}', encodeURIComponent(processId))
      .replaceAll('${__from}', String(from))
      .replaceAll('${__to}', String(to));
    const m = /^\/api\/datasources\/uid\/([^/]+)\/resources\/(.+)$/.exec(resolved);
    assert.ok(m, resolved);
    assert.equal(m[1], 'micromegas', 'the provisioned data source uid');
    const r = await host.callResource(ctx(), { path: m[2].split('?')[0], method: 'GET', url: m[2] });
    assert.equal(r.code, 200, r.body.toString().slice(0, 300));
    assert.ok(decodePerfettoTrace(r.body).length > 0);
  });

  it('rejects bad requests with actionable messages', async () => {
    const cases: Array<[string, RegExp]> = [
      [`begin=${from}&end=${to}`, /process_id is required/],
      [`process_id=x&end=${to}`, /begin is required/],
      [`process_id=x&begin=yesterday&end=${to}`, /begin "yesterday" is not a time/],
      [`process_id=x&begin=${to}&end=${from}`, /begin must be before end/],
      [`process_id=x&begin=${from}&end=${to}&span_types=cpu`, /span_types must be one of thread, async, both/],
    ];
    for (const [query, message] of cases) {
      const r = await get(query);
      assert.equal(r.code, 400, `${query}: ${r.code}`);
      assert.match(String((r.json as { error: string }).error), message, query);
    }
    const unknown = await get(`process_id=no-such-process&begin=${from}&end=${to}`);
    assert.equal(unknown.code, 400);
    assert.match(String((unknown.json as { error: string }).error), /no Perfetto trace for process no-such-process/);
  });
});
