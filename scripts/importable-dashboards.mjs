// The provisioned dashboards (provisioning/dashboards/micromegas, wired to the provisioned
// data source uid) as the plugin ships them for its Dashboards tab (plugin.json "includes"):
// the data source is an import input, ${DS_MICROMEGAS}, that Grafana fills with the data
// source the dashboard is imported from. Run after webpack by `npm run build`.
//   node scripts/importable-dashboards.mjs [--out DIR]   (default dist/dashboards)
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PROVISIONED_DIR = path.join(root, 'provisioning', 'dashboards', 'micromegas');
export const PLUGIN_ID = 'micromegas-micromegas-datasource';
/** The import input's name; dashboards reference it as "${DS_MICROMEGAS}". */
export const DS_INPUT = 'DS_MICROMEGAS';

/** Every data source reference of our type, with its uid replaced by `uid`. */
function withDataSourceUid(value, uid) {
  if (Array.isArray(value)) {
    return value.map((v) => withDataSourceUid(v, uid));
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      k === 'datasource' && v !== null && typeof v === 'object' && v.type === PLUGIN_ID
        ? { ...v, uid }
        : withDataSourceUid(v, uid);
  }
  return out;
}

/** A provisioned dashboard as an importable one: `__inputs` first, no data source uid. */
export function importableDashboard(dashboard) {
  const rest = withDataSourceUid(dashboard, `\${${DS_INPUT}}`);
  // A database id belongs to the Grafana the dashboard came from.
  delete rest.id;
  return {
    __inputs: [
      {
        name: DS_INPUT,
        label: 'Micromegas',
        description: 'The Micromegas data source the dashboard queries',
        type: 'datasource',
        pluginId: PLUGIN_ID,
        pluginName: 'Micromegas',
      },
    ],
    __requires: [{ type: 'datasource', id: PLUGIN_ID, name: 'Micromegas', version: '' }],
    ...rest,
  };
}

/** [file name, provisioned dashboard] pairs, in file name order. */
export function provisionedDashboards() {
  return readdirSync(PROVISIONED_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(path.join(PROVISIONED_DIR, f), 'utf8'))]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? path.resolve(process.argv[i + 1]) : path.join(root, 'dist', 'dashboards');
  mkdirSync(out, { recursive: true });
  for (const [file, dashboard] of provisionedDashboards()) {
    writeFileSync(path.join(out, file), JSON.stringify(importableDashboard(dashboard), null, 2) + '\n');
  }
  console.log(`wrote ${provisionedDashboards().length} importable dashboards to ${path.relative(root, out)}`);
}
