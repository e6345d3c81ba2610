// plugin.json as Grafana reads it: only keys of Grafana's plugin.json spec (the generated
// JSONData type @grafana/runtime publishes), a catalog category, the multi-value ad hoc
// operators switched on, and the provisioned dashboards included for the data source's
// Dashboards tab with the data source as an import input.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { REPO_ROOT } from '../harness/grafana-host';
import {
  DS_INPUT,
  importableDashboard,
  PLUGIN_ID,
  provisionedDashboards,
} from '../../scripts/importable-dashboards.mjs';

type Json = Record<string, unknown>;
const plugin = JSON.parse(readFileSync(path.join(REPO_ROOT, 'src', 'plugin.json'), 'utf8')) as Json;
const spec = readFileSync(
  path.join(REPO_ROOT, 'node_modules/@grafana/runtime/dist/types/services/pluginMeta/types/types.spec.gen.d.ts'),
  'utf8'
);

/** The properties of an interface of the generated spec, with their type text. */
function specProperties(name: string): Map<string, string> {
  const body = spec.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
  assert.ok(body, `interface ${name} in Grafana's plugin.json spec`);
  return new Map([...body[1].matchAll(/^ {4}(\w+)\??: (.*);$/gm)].map((m) => [m[1], m[2]] as [string, string]));
}

const dashboards = provisionedDashboards();

/** Every data source reference of a dashboard (panels, targets, variables, annotations). */
function dataSourceRefs(value: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(value)) {
    value.forEach((v) => dataSourceRefs(v, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'datasource' && v !== null && typeof v === 'object') {
        out.push(v as Json);
      }
      dataSourceRefs(v, out);
    }
  }
  return out;
}

/**
 * What Grafana's dashboard import does with the chosen data source: every "${INPUT}" in a
 * string becomes the input's value (pkg/services/dashboardimport/utils/dash_template_evaluator.go).
 */
function evaluateImport(dashboard: Json, inputs: Record<string, string>): Json {
  const text = JSON.stringify(dashboard, (k, v: unknown) =>
    typeof v === 'string' ? v.replace(/\$\{(\w+)\}/g, (m, name: string) => inputs[name] ?? m) : v
  );
  const { __inputs: _inputs, __requires: _requires, ...rest } = JSON.parse(text) as Json;
  return rest;
}

describe('plugin.json', () => {
  test("uses only keys of Grafana's plugin.json spec, with a catalog category", () => {
    const props = specProperties('JSONData');
    const extra = Object.keys(plugin).filter((k) => k !== '$schema' && !props.has(k));
    assert.deepEqual(extra, []);
    const categories = [...props.get('category')!.matchAll(/"(\w+)"/g)].map((m) => m[1]);
    assert.ok(categories.includes(String(plugin.category)), `category ${plugin.category} in ${categories.join(', ')}`);
    assert.equal(plugin.category, 'sql');
  });

  test('offers the multi-value ad hoc operators (=| and !=|) the backend implements', () => {
    assert.equal(plugin.multiValueFilterOperators, true);
  });

  test('includes every provisioned dashboard, named by its title', () => {
    assert.deepEqual(
      plugin.includes,
      dashboards.map(([file, d]) => ({ type: 'dashboard', name: d.title, path: `dashboards/${file}` }))
    );
  });
});

describe('included dashboards', () => {
  for (const [file, provisioned] of dashboards) {
    test(`${file}: the data source is chosen at import, and importing gives the provisioned dashboard`, () => {
      const shipped = importableDashboard(provisioned);
      assert.deepEqual(shipped.__inputs, [
        {
          name: DS_INPUT,
          label: 'Micromegas',
          description: 'The Micromegas data source the dashboard queries',
          type: 'datasource',
          pluginId: PLUGIN_ID,
          pluginName: 'Micromegas',
        },
      ]);
      const ours = dataSourceRefs(shipped).filter((r) => r.type === PLUGIN_ID);
      assert.ok(ours.length > 0);
      assert.deepEqual([...new Set(ours.map((r) => r.uid))], [`\${${DS_INPUT}}`]);
      // Grafana fills the input with the data source picked at import: the provisioned uid gives the provisioned dashboard.
      assert.deepEqual(evaluateImport(shipped, { [DS_INPUT]: 'micromegas' }), provisioned);
    });
  }

  const dist = path.join(REPO_ROOT, 'dist');
  test(
    'the build writes them where plugin.json points',
    { skip: existsSync(path.join(dist, 'plugin.json')) ? false : 'dist/ is not built (npm test builds it)' },
    () => {
      for (const include of plugin.includes as Array<{ path: string }>) {
        const file = path.join(dist, include.path);
        assert.ok(existsSync(file), `${include.path} in dist/`);
        const [, provisioned] = dashboards.find(([f]) => `dashboards/${f}` === include.path)!;
        assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), importableDashboard(provisioned));
      }
    }
  );
});
