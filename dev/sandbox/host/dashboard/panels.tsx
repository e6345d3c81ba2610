// Panels of the sandbox dashboards: a scene object drawing its SceneQueryRunner's PanelData —
// a time series (@grafana/ui TimeSeries), a table, or log lines with Grafana's "Show context".
// Grafana draws panels through VizPanel and its panel plugins (not published); what the plugin
// under test controls is the data, so these panels expose it as data-* attributes for the tests.
import {
  FieldColorModeId,
  FieldType,
  LoadingState,
  LogRowContextQueryDirection,
  applyFieldOverrides,
  createTheme,
  type DataFrame,
  type DataQueryResponse,
  type DataSourceApi,
  type LogRowModel,
  type PanelData,
} from '@grafana/data';
import { LegendDisplayMode } from '@grafana/schema';
import { SceneObjectBase, sceneGraph, type SceneComponentProps, type SceneObjectState } from '@grafana/scenes';
import { Alert, Button, TimeSeries } from '@grafana/ui';
import React, { useMemo, useState } from 'react';

export type PanelKind = 'timeseries' | 'table' | 'logs';

export interface SandboxPanelState extends SceneObjectState {
  title: string;
  kind: PanelKind;
  /** The data source instance, for log context (Grafana finds it through the DataSourceSrv). */
  datasource?: DataSourceApi;
}

const theme = createTheme({ colors: { mode: 'dark' } });

function panelErrors(data: PanelData | undefined): string[] {
  if (!data) {
    return [];
  }
  const all = [...(data.errors ?? []), ...(data.error && !data.errors?.length ? [data.error] : [])];
  return all.map((e) => e.message ?? e.data?.message ?? 'Query error');
}

/** Per series (number field of a frame with a time field): its first and last time. */
function seriesExtents(frames: DataFrame[]): Array<{ name: string; first: number; last: number; points: number }> {
  const out: Array<{ name: string; first: number; last: number; points: number }> = [];
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      continue;
    }
    for (const field of frame.fields.filter((f) => f.type === FieldType.number)) {
      let first = Infinity;
      let last = -Infinity;
      let points = 0;
      for (let i = 0; i < frame.length; i++) {
        const v = field.values[i];
        if (v === null || v === undefined) {
          continue;
        }
        const t = Number(time.values[i]);
        first = Math.min(first, t);
        last = Math.max(last, t);
        points++;
      }
      const labels = field.labels ? Object.values(field.labels).join(' ') : '';
      out.push({ name: field.config.displayNameFromDS ?? (labels || field.name), first, last, points });
    }
  }
  return out;
}

function TimeSeriesBody({ data }: { data: PanelData }) {
  const frames = useMemo(
    () =>
      applyFieldOverrides({
        data: data.series,
        fieldConfig: {
          defaults: { color: { mode: FieldColorModeId.PaletteClassic }, custom: { drawStyle: 'line', lineWidth: 1 } },
          overrides: [],
        },
        replaceVariables: (v: string) => v,
        theme,
      }),
    [data.series]
  );
  const extents = seriesExtents(data.series);
  return (
    <div
      data-testid="dashboard-timeseries"
      data-series={JSON.stringify(extents)}
      data-from={data.timeRange.from.valueOf()}
      data-to={data.timeRange.to.valueOf()}
      data-annotations={data.annotations?.reduce((n, f) => n + f.length, 0) ?? 0}
    >
      {frames.length > 0 && (
        <TimeSeries
          frames={frames}
          width={1100}
          height={240}
          timeRange={data.timeRange}
          timeZone="utc"
          legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
        />
      )}
    </div>
  );
}

function TableBody({ data }: { data: PanelData }) {
  const frame = data.series[0];
  return (
    <table data-testid="dashboard-table" data-rows={frame?.length ?? 0}>
      <thead>
        <tr>
          {frame?.fields.map((f) => (
            <th key={f.name}>{f.name}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: Math.min(frame?.length ?? 0, 20) }, (_, i) => (
          <tr key={i}>
            {frame!.fields.map((f) => (
              <td key={f.name}>{String(f.values[i])}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function parseLabels(value: unknown): Record<string, string> {
  const obj = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj ?? {}) as Record<string, unknown>)) {
    out[k] = String(v);
  }
  return out;
}

/**
 * Log rows as Grafana's logs model makes them from a dataplane logs frame (timestamp, body,
 * severity, labels): the fields LogRowModel consumers such as getLogRowContext read.
 */
function toLogRows(frames: DataFrame[]): LogRowModel[] {
  const rows: LogRowModel[] = [];
  for (const frame of frames) {
    const time =
      frame.fields.find((f) => f.name === 'timestamp') ?? frame.fields.find((f) => f.type === FieldType.time);
    const body = frame.fields.find((f) => f.name === 'body');
    const labels = frame.fields.find((f) => f.name === 'labels');
    const severity = frame.fields.find((f) => f.name === 'severity');
    const ns = time?.nanos;
    if (!time || !body) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      const ms = Number(time.values[i]);
      const timeEpochNs = (BigInt(Math.round(ms)) * BigInt(1_000_000) + BigInt(ns?.[i] ?? 0)).toString();
      rows.push({
        uid: `${frame.refId}_${i}`,
        rowIndex: i,
        rowId: frame.fields.find((f) => f.name === 'id')?.values[i],
        dataFrame: frame,
        entry: String(body.values[i]),
        raw: String(body.values[i]),
        labels: labels ? parseLabels(labels.values[i]) : {},
        logLevel: String(severity?.values[i] ?? 'unknown'),
        timeEpochMs: ms,
        timeEpochNs,
        timeFromNow: '',
        timeLocal: new Date(ms).toISOString(),
        timeUtc: new Date(ms).toISOString(),
        entryFieldIndex: frame.fields.indexOf(body),
        hasAnsi: false,
        hasUnescapedContent: false,
        searchWords: [],
      } as unknown as LogRowModel);
    }
  }
  return rows;
}

type ContextSide = { rows?: number; error?: string };

/**
 * Grafana's log context modal (public/app/features/logs/components/log-context/
 * LogRowContextModal.tsx) asks for the lines before and after at the same time; so does this.
 */
function LogContext({ ds, row }: { ds: DataSourceApi; row: LogRowModel }) {
  const [sides, setSides] = useState<{ backward: ContextSide; forward: ContextSide } | undefined>();
  const withContext = ds as unknown as {
    getLogRowContext(
      r: LogRowModel,
      o: { direction: LogRowContextQueryDirection; limit: number }
    ): Promise<DataQueryResponse>;
  };
  const side = async (direction: LogRowContextQueryDirection): Promise<ContextSide> => {
    try {
      const rsp = await withContext.getLogRowContext(row, { direction, limit: 20 });
      const errors = [...(rsp.errors ?? []), ...(rsp.error ? [rsp.error] : [])];
      if (errors.length) {
        return { error: errors.map((e) => e.message).join('; ') };
      }
      return { rows: rsp.data.reduce((n: number, f: DataFrame) => n + f.length, 0) };
    } catch (err) {
      return { error: (err as Error)?.message ?? String(err) };
    }
  };
  const open = async () => {
    const [backward, forward] = await Promise.all([
      side(LogRowContextQueryDirection.Backward),
      side(LogRowContextQueryDirection.Forward),
    ]);
    setSides({ backward, forward });
  };
  return (
    <span>
      <Button size="sm" variant="secondary" onClick={open} data-testid="dashboard-log-show-context">
        Show context
      </Button>
      {sides && (
        <span
          data-testid="dashboard-log-context"
          data-backward={sides.backward.rows ?? ''}
          data-forward={sides.forward.rows ?? ''}
          data-errors={[sides.backward.error, sides.forward.error].filter(Boolean).join(' | ')}
        >
          {` before: ${sides.backward.rows ?? sides.backward.error}, after: ${sides.forward.rows ?? sides.forward.error}`}
        </span>
      )}
    </span>
  );
}

function LogsBody({ data, ds }: { data: PanelData; ds?: DataSourceApi }) {
  const rows = toLogRows(data.series);
  const canContext = (row: LogRowModel) =>
    Boolean(ds && (ds as { showContextToggle?: (r: LogRowModel) => boolean }).showContextToggle?.(row));
  return (
    <div data-testid="dashboard-logs" data-rows={rows.length}>
      {rows.slice(0, 50).map((row) => (
        <div
          key={row.uid}
          data-testid="dashboard-log-row"
          data-level={row.logLevel}
          data-labels={JSON.stringify(row.labels)}
        >
          <code>
            {row.timeUtc} {row.logLevel} {row.entry}
          </code>{' '}
          {ds && canContext(row) && <LogContext ds={ds} row={row} />}
        </div>
      ))}
    </div>
  );
}

export class SandboxPanel extends SceneObjectBase<SandboxPanelState> {
  static Component = ({ model }: SceneComponentProps<SandboxPanel>) => {
    const { title, kind, datasource } = model.useState();
    const { data } = sceneGraph.getData(model).useState();
    const errors = panelErrors(data);
    return (
      <section
        data-testid="dashboard-panel"
        data-title={title}
        data-state={data?.state ?? LoadingState.NotStarted}
        style={{ border: `1px solid ${theme.colors.border.weak}`, padding: 8, marginBottom: 8 }}
      >
        <h4>{title}</h4>
        {errors.length > 0 && (
          <div data-testid="dashboard-panel-error">
            <Alert severity="error" title={errors.join('; ')} />
          </div>
        )}
        {data && data.state === LoadingState.Done && kind === 'timeseries' && <TimeSeriesBody data={data} />}
        {data && data.state === LoadingState.Done && kind === 'table' && <TableBody data={data} />}
        {data && data.state === LoadingState.Done && kind === 'logs' && <LogsBody data={data} ds={datasource} />}
      </section>
    );
  };
}
