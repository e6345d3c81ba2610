// The sandbox's dashboards, built with @grafana/scenes (the engine Grafana 12+ dashboards run
// on): SceneVariableSet with query variables of the data source, an ad hoc filters variable,
// SceneQueryRunner panels, an annotations layer. Open one with /dashboard?name=<name>.
//
// To add one: write a function returning dashboard({ ... }) below and list it in DASHBOARDS;
// a browser test opens it with env.open('/dashboard', '?name=<name>') and reads the scene
// through window.__sandboxScene.
import type { DataSourceApi, DataSourcePluginMeta, DataSourceRef } from '@grafana/data';
import {
  AdHocFiltersVariable,
  EmbeddedScene,
  QueryVariable,
  SceneControlsSpacer,
  SceneDataLayerControls,
  SceneDataLayerSet,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimePicker,
  SceneTimeRange,
  SceneVariableSet,
  VariableValueSelectors,
  dataLayers,
  type SceneVariable,
} from '@grafana/scenes';

import { SandboxPanel, type PanelKind } from './panels';

export interface DashboardContext {
  ds: DataSourceRef;
  instance: DataSourceApi;
  meta: DataSourcePluginMeta;
  from: string;
  to: string;
}

interface PanelSpec {
  title: string;
  kind: PanelKind;
  sql: string;
  format: 'table' | 'time_series' | 'logs';
  /** Grafana sends the panel's width in pixels as maxDataPoints. */
  maxDataPoints?: number;
}

/**
 * A query variable as Grafana's variable editor saves it for a data source with custom
 * variable support: the editor's query object with refId "metricFindQuery" (as found in
 * issue 11), so every variable of the data source carries the same refId.
 */
function queryVariable(ctx: DashboardContext, name: string, sql: string): QueryVariable {
  return new QueryVariable({
    name,
    datasource: ctx.ds,
    query: { refId: 'metricFindQuery', query: sql, version: 3 },
    refresh: 1,
  });
}

/**
 * An ad hoc filters variable as Grafana's dashboard loader builds it (grafana/grafana
 * public/app/features/dashboard-scene/serialization/, the AdHocFiltersVariable of a saved
 * "adhoc" variable): keys from the panel queries, and multi-value operators (=|, !=|) only
 * when the data source's plugin.json declares multiValueFilterOperators.
 */
function adhocVariable(ctx: DashboardContext): AdHocFiltersVariable {
  return new AdHocFiltersVariable({
    name: 'filters',
    datasource: ctx.ds,
    applyMode: 'auto',
    layout: 'combobox',
    filters: [],
    useQueriesAsFilterForOptions: true,
    supportsMultiValueOperators: Boolean(
      (ctx.meta as { multiValueFilterOperators?: boolean }).multiValueFilterOperators
    ),
  });
}

function panel(ctx: DashboardContext, spec: PanelSpec): SceneFlexItem {
  return new SceneFlexItem({
    minHeight: 120,
    body: new SandboxPanel({
      title: spec.title,
      kind: spec.kind,
      datasource: ctx.instance,
      $data: new SceneQueryRunner({
        datasource: ctx.ds,
        queries: [{ refId: 'A', query: spec.sql, format: spec.format, version: 3 }],
        maxDataPoints: spec.maxDataPoints ?? 1100,
      }),
    }),
  });
}

function dashboard(
  ctx: DashboardContext,
  parts: { variables?: SceneVariable[]; panels: PanelSpec[]; annotations?: dataLayers.AnnotationsDataLayer[] }
): EmbeddedScene {
  return new EmbeddedScene({
    $timeRange: new SceneTimeRange({ from: ctx.from, to: ctx.to, timeZone: 'utc' }),
    $variables: new SceneVariableSet({ variables: parts.variables ?? [] }),
    $data: parts.annotations ? new SceneDataLayerSet({ layers: parts.annotations }) : undefined,
    controls: [
      new VariableValueSelectors({}),
      ...(parts.annotations ? [new SceneDataLayerControls()] : []),
      new SceneControlsSpacer(),
      new SceneTimePicker({}),
      new SceneRefreshPicker({}),
    ],
    body: new SceneFlexLayout({ direction: 'column', children: parts.panels.map((p) => panel(ctx, p)) }),
  });
}

/** Six metrics (six series) binned on the panel interval. */
export const SIX_SERIES_SQL = `SELECT $__timeInterval(time) AS time, name, avg(value) AS value
FROM measures
WHERE $__timeFilter(time)
  AND name IN ('cpu_usage', 'memory_used', 'request_rate', 'request_latency', 'queue_depth', 'frame_time')
GROUP BY 1, 2
ORDER BY 1`;

export const DASHBOARDS: Record<string, (ctx: DashboardContext) => EmbeddedScene> = {
  /** Two independent query variables (Scenes loads them in parallel) and a panel using both. */
  variables: (ctx) =>
    dashboard(ctx, {
      variables: [
        queryVariable(ctx, 'exe', 'SELECT DISTINCT exe FROM processes ORDER BY exe'),
        queryVariable(ctx, 'computer', 'SELECT DISTINCT computer FROM processes ORDER BY computer'),
      ],
      panels: [
        {
          title: 'Processes of $exe on $computer',
          kind: 'table',
          format: 'table',
          sql: "SELECT process_id, exe, computer FROM processes WHERE exe = '$exe' AND computer = '$computer'",
        },
      ],
    }),

  /** A variable whose SQL fails and one whose request a test makes fail (e.g. a proxy's 502). */
  'failing-variables': (ctx) =>
    dashboard(ctx, {
      variables: [
        queryVariable(ctx, 'broken', 'SELECT nope FROM processes'),
        queryVariable(ctx, 'proxied', 'SELECT DISTINCT exe AS proxied FROM processes'),
      ],
      panels: [],
    }),

  /** Six series over the dashboard range, error annotations, ad hoc filters. */
  metrics: (ctx) =>
    dashboard(ctx, {
      variables: [adhocVariable(ctx)],
      panels: [{ title: 'Six metrics', kind: 'timeseries', format: 'time_series', sql: SIX_SERIES_SQL }],
      annotations: [
        new dataLayers.AnnotationsDataLayer({
          name: 'Errors',
          query: {
            name: 'Errors',
            enable: true,
            iconColor: 'red',
            datasource: ctx.ds,
            target: {
              refId: 'Anno',
              query:
                'SELECT time, msg AS text FROM log_entries WHERE $__timeFilter(time) AND level <= 2 ORDER BY time LIMIT 100',
            },
          } as never,
        }),
      ],
    }),

  /** Log lines with "Show context", ad hoc filters. */
  logs: (ctx) =>
    dashboard(ctx, {
      variables: [adhocVariable(ctx)],
      panels: [
        {
          title: 'Log lines',
          kind: 'logs',
          format: 'logs',
          sql: 'SELECT time, level, exe, process_id, target, msg FROM log_entries WHERE $__timeFilter(time) ORDER BY time DESC LIMIT 200',
        },
      ],
    }),
};
