// Every panel query of every provisioned dashboard, and of a dashboard saved in the
// upstream Micromegas plugin's shapes (tests/fixtures), runs through the built backend
// executable (launched as Grafana launches it) against the dev server, with the
// dashboard's variables resolved the way the frontend resolves them, and returns
// frames with rows and without error.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startDevServer, type DevServer } from '../harness/devserver';
import {
  dataQuery,
  ensureBackendBuilt,
  frameTable,
  GrafanaHost,
  pluginContext,
  REPO_ROOT,
} from '../harness/grafana-host';
import { formatVariableValue } from '../../src/query/variableFormat';

const DASHBOARD_DIR = path.join(REPO_ROOT, 'provisioning', 'dashboards', 'micromegas');

interface Target {
  refId: string;
  query?: string;
  queryText?: string;
  format?: string;
  [key: string]: unknown;
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  multi?: boolean;
  includeAll?: boolean;
  current?: { value?: string };
}
interface DsRef {
  type?: string;
  uid?: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: Array<Target & { datasource?: DsRef }>;
  repeat?: string;
  datasource?: DsRef;
}
interface Dashboard {
  uid: string;
  title: string;
  templating: { list: Variable[] };
  panels: Panel[];
}

const readDashboard = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Dashboard;
const dashboards: Dashboard[] = readdirSync(DASHBOARD_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => readDashboard(path.join(DASHBOARD_DIR, f)));
const upstreamSaved = readDashboard(path.join(REPO_ROOT, 'tests', 'fixtures', 'upstream-dashboard.json'));
const PLUGIN_ID = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as { id: string }).id;

type Resolved = Map<string, { values: string[]; variable: Variable }>;

/** Replaces $name / ${name} of dashboard variables like Grafana's templateSrv with our format function. */
function interpolate(sql: string, vars: Resolved, single?: { name: string; value: string }): string {
  return sql.replace(/\$\{(\w+)\}|\$(\w+)/g, (token, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    if (single && single.name === name) {
      return formatVariableValue(single.value, {});
    }
    const v = vars.get(name);
    if (!v) {
      return token;
    } // macros ($__…) and unknown names stay for the backend
    const value = v.variable.multi || v.variable.includeAll ? v.values : (v.values[0] ?? '');
    return formatVariableValue(value, v.variable);
  });
}

let devserver: DevServer;
let host: GrafanaHost;
const ctx = () => pluginContext({ uid: 'micromegas', jsonData: { url: devserver.uri } });

/** Runs a target as saved, its SQL (query, or the upstream v1 queryText) replaced by `sql`. */
async function run(sql: string, target: Partial<Target>, refId = 'A') {
  const text = target.query === undefined && target.queryText !== undefined ? { queryText: sql } : { query: sql };
  const res = await host.queryData(ctx(), [
    dataQuery(refId, { ...target, refId, ...text }, { intervalMS: 30_000, maxDataPoints: 1000 }),
  ]);
  return res[refId];
}

async function resolveVariables(d: Dashboard): Promise<Resolved> {
  const vars: Resolved = new Map();
  for (const v of d.templating.list) {
    if (v.type === 'custom') {
      vars.set(v.name, { values: [String(v.current?.value ?? '')], variable: v });
    } else if (v.type === 'textbox') {
      vars.set(v.name, { values: [String(v.current?.value ?? '')], variable: v });
    } else if (v.type === 'query') {
      const q = v.query as Target & { variable?: { valueField?: string } };
      const res = await run(interpolate(q.query ?? q.queryText ?? '', vars), q, `var-${v.name}`);
      assert.equal(res.error, '', `${d.title}: variable ${v.name} failed: ${res.error}`);
      const table = frameTable(res.frames[0]);
      const column = q.variable?.valueField ?? table.schema.fields[0].name;
      const values = (table.getChild(column)?.toArray() ?? []).map((x: unknown) => String(x));
      assert.ok(values.length > 0, `${d.title}: variable ${v.name} has no values`);
      vars.set(v.name, { values, variable: v });
    }
  }
  return vars;
}

describe('provisioned dashboards', () => {
  before(async () => {
    ensureBackendBuilt();
    devserver = await startDevServer({ scale: 0.05 });
    host = await GrafanaHost.start();
  });
  after(async () => {
    await host?.shutdown().catch(() => host.kill());
    await devserver?.stop();
  });

  test('there are at least four dashboards, each driven by variables', () => {
    assert.ok(dashboards.length >= 4, `found ${dashboards.length}`);
    for (const d of dashboards) {
      const names = d.templating.list.map((v) => v.name);
      assert.ok(names.includes('exe'), `${d.title} has an exe variable`);
      assert.ok(d.panels.length > 0);
    }
  });

  test('the upstream plugin id is kept, so dashboards saved with the upstream plugin resolve to this one', () => {
    assert.equal(PLUGIN_ID, 'micromegas-micromegas-datasource');
    for (const d of [...dashboards, upstreamSaved]) {
      for (const p of d.panels) {
        for (const ref of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
          if (ref?.type !== undefined) {
            assert.equal(ref.type, PLUGIN_ID, `${d.title} / ${p.title}`);
          }
        }
      }
    }
  });

  for (const d of [...dashboards, upstreamSaved]) {
    test(`${d.title}: every panel query returns rows without error`, async () => {
      const vars = await resolveVariables(d);
      for (const panel of d.panels) {
        for (const target of panel.targets ?? []) {
          const repeatValues = panel.repeat ? vars.get(panel.repeat)!.values : [undefined];
          for (const value of repeatValues) {
            const single = value !== undefined ? { name: panel.repeat!, value } : undefined;
            const sql = interpolate(target.query ?? target.queryText ?? '', vars, single);
            const res = await run(sql, target);
            const where = `${d.title} / ${panel.title}${value ? ` [${value}]` : ''}`;
            assert.equal(res.error, '', `${where}: ${res.error}\nSQL: ${sql}`);
            assert.ok(res.frames.length > 0, `${where}: no frame`);
            const rows = res.frames.reduce((n, f) => n + frameTable(f).numRows, 0);
            assert.ok(rows > 0, `${where}: no rows\nSQL: ${sql}`);
          }
        }
      }
    });
  }
});
