// Shows a panel's data the way the matching Grafana panel would: a logs list for log frames,
// a time series chart when there is a time field and a number field, and always a table of
// each frame with its executed query. Display processors come from applyFieldOverrides,
// exactly as Grafana prepares frames for panels.
import {
  applyFieldOverrides,
  dateTimeFormat,
  FieldColorModeId,
  FieldType,
  LoadingState,
  type DataFrame,
  type PanelData,
} from '@grafana/data';
import { LegendDisplayMode } from '@grafana/schema';
import { Alert, LoadingBar, Table, TimeSeries, useTheme2 } from '@grafana/ui';
import React, { useEffect, useMemo, useRef, useState } from 'react';

function useWidth(): [React.RefObject<HTMLDivElement>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useEffect(() => {
    if (!ref.current) {
      return;
    }
    const obs = new ResizeObserver((entries) => setWidth(Math.max(200, Math.floor(entries[0].contentRect.width))));
    obs.observe(ref.current);
    return () => obs.disconnect();
  }, []);
  return [ref, width];
}

function isLogsFrame(frame: DataFrame): boolean {
  if (frame.meta?.preferredVisualisationType === 'logs' || frame.meta?.type === 'log-lines') {
    return true;
  }
  return (
    frame.fields.some((f) => f.name === 'body' && f.type === FieldType.string) &&
    frame.fields.some((f) => f.type === FieldType.time)
  );
}

function isTimeSeriesFrame(frame: DataFrame): boolean {
  return frame.fields.some((f) => f.type === FieldType.time) && frame.fields.some((f) => f.type === FieldType.number);
}

function LogsList({ frames }: { frames: DataFrame[] }) {
  const theme = useTheme2();
  const rows: Array<{ time: number; level: string; body: string }> = [];
  for (const frame of frames) {
    const time =
      frame.fields.find((f) => f.name === 'timestamp') ?? frame.fields.find((f) => f.type === FieldType.time);
    const body = frame.fields.find((f) => f.name === 'body') ?? frame.fields.find((f) => f.type === FieldType.string);
    const level = frame.fields.find((f) => f.name === 'severity' || f.name === 'level');
    for (let i = 0; i < frame.length; i++) {
      const lv = level?.display ? level.display(level.values[i]).text : String(level?.values[i] ?? '');
      rows.push({ time: Number(time?.values[i]), level: lv, body: String(body?.values[i] ?? '') });
    }
  }
  return (
    <div
      data-testid="sandbox-logs"
      data-rows={rows.length}
      style={{ fontFamily: theme.typography.fontFamilyMonospace, fontSize: 12, maxHeight: 300, overflow: 'auto' }}
    >
      {rows.slice(0, 500).map((r, i) => (
        <div
          key={i}
          data-testid="sandbox-log-row"
          style={{ display: 'flex', gap: 12, borderBottom: `1px solid ${theme.colors.border.weak}`, padding: '2px 0' }}
        >
          <span style={{ color: theme.colors.text.secondary, whiteSpace: 'nowrap' }}>
            {dateTimeFormat(r.time, { timeZone: 'utc' })}
          </span>
          <span
            style={{
              width: 56,
              color: theme.visualization.getColorByName(
                /err|fatal|crit/i.test(r.level) ? 'red' : /warn/i.test(r.level) ? 'orange' : 'green'
              ),
            }}
          >
            {r.level}
          </span>
          <span style={{ whiteSpace: 'pre-wrap' }}>{r.body}</span>
        </div>
      ))}
    </div>
  );
}

export function Results({ data }: { data: PanelData }) {
  const theme = useTheme2();
  const [ref, width] = useWidth();
  const frames = useMemo(
    () =>
      applyFieldOverrides({
        data: data.series,
        fieldConfig: { defaults: {}, overrides: [] },
        replaceVariables: (v: string) => v,
        theme,
        timeZone: 'utc',
      }),
    [data.series, theme]
  );
  // The time series panel's own defaults: palette colours, thin lines with a light fill.
  const chartFrames = useMemo(
    () =>
      applyFieldOverrides({
        data: data.series.filter((f) => !isLogsFrame(f) && isTimeSeriesFrame(f)),
        fieldConfig: {
          defaults: {
            color: { mode: FieldColorModeId.PaletteClassic },
            custom: {
              drawStyle: 'line',
              lineWidth: 1,
              fillOpacity: 10,
              showPoints: 'auto',
              pointSize: 5,
              spanNulls: false,
            },
          },
          overrides: [],
        },
        replaceVariables: (v: string) => v,
        theme,
        timeZone: 'utc',
      }),
    [data.series, theme]
  );
  const logs = frames.filter(isLogsFrame);
  const series = chartFrames;
  const rowCount = frames.reduce((n, f) => n + f.length, 0);

  return (
    <div
      ref={ref}
      data-testid="sandbox-results"
      data-state={data.state}
      data-frames={frames.length}
      data-rows={rowCount}
    >
      {data.state === LoadingState.Loading && <LoadingBar width={width} />}
      {data.state === LoadingState.Done && frames.length === 0 && (
        <div
          data-testid="sandbox-no-data"
          style={{ padding: 24, textAlign: 'center', color: theme.colors.text.secondary }}
        >
          No data
        </div>
      )}
      {logs.length > 0 && <LogsList frames={logs} />}
      {series.length > 0 && (
        <div data-testid="sandbox-timeseries">
          <TimeSeries
            frames={series}
            width={width}
            height={260}
            timeRange={data.timeRange}
            timeZone="utc"
            legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
          />
        </div>
      )}
      {frames.map((frame, i) => (
        <div key={i} style={{ marginTop: 8 }}>
          {frame.meta?.executedQueryString && (
            <pre
              data-testid="sandbox-executed-query"
              style={{ fontSize: 11, whiteSpace: 'pre-wrap', color: theme.colors.text.secondary }}
            >
              {frame.meta.executedQueryString}
            </pre>
          )}
          {frame.meta?.notices?.map((n, j) => (
            <Alert
              key={j}
              severity={n.severity === 'error' ? 'error' : n.severity === 'warning' ? 'warning' : 'info'}
              title={n.text}
              data-testid="sandbox-notice"
            />
          ))}
          <div data-testid="sandbox-table">
            <Table data={frame} width={width} height={Math.min(300, 36 + 36 * Math.max(1, frame.length))} />
          </div>
        </div>
      ))}
    </div>
  );
}
