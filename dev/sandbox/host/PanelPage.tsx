// Panel editor: the plugin's QueryEditor, a time range picker and a Run button, running the
// query through the data source instance like PanelQueryRunner does, and the results as a
// table, a time series chart or a logs list, with errors shown like Grafana's query error box.
import {
  CoreApp,
  dateMath,
  LoadingState,
  rangeUtil,
  type DataQuery,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelData,
  type RawTimeRange,
  type TimeRange,
} from '@grafana/data';
import { Alert, Button, ErrorBoundaryAlert, Stack, TimeRangePicker } from '@grafana/ui';
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { from, isObservable, type Subscription } from 'rxjs';

import { Results } from './Results';
import { templateSrv } from './template-srv';

const MAX_DATA_POINTS = 1000;

export function toTimeRange(raw: RawTimeRange): TimeRange {
  const from = dateMath.toDateTime(raw.from, { roundUp: false });
  const to = dateMath.toDateTime(raw.to, { roundUp: true });
  if (!from || !to) {
    throw new Error(`invalid time range ${JSON.stringify(raw)}`);
  }
  return { from, to, raw };
}

function initialRange(): TimeRange {
  const params = new URLSearchParams(window.location.search);
  return toTimeRange({ from: params.get('from') ?? 'now-1h', to: params.get('to') ?? 'now' });
}

function initialQuery(ds: DataSourceApi): DataQuery {
  const defaults = (ds.getDefaultQuery?.(CoreApp.PanelEditor) ?? {}) as Partial<DataQuery>;
  return { ...defaults, refId: 'A', datasource: { type: ds.type, uid: ds.uid } };
}

const emptyData = (range: TimeRange): PanelData => ({ state: LoadingState.NotStarted, series: [], timeRange: range });

export function PanelPage({ ds }: { ds: DataSourceApi }) {
  const [range, setRange] = useState<TimeRange>(initialRange);
  const [query, setQuery] = useState<DataQuery>(() => initialQuery(ds));
  const [data, setData] = useState<PanelData>(() => emptyData(range));
  const subscription = useRef<Subscription | undefined>(undefined);
  // Latest query and range for callbacks created once (Monaco's run action).
  const queryRef = useRef(query);
  const rangeRef = useRef(range);
  useEffect(() => {
    queryRef.current = query;
    rangeRef.current = range;
  }, [query, range]);
  const QueryEditor = ds.components?.QueryEditor;

  useEffect(() => () => subscription.current?.unsubscribe(), []);

  const run = useCallback(() => {
    // Re-evaluate relative ranges ("now-1h") at run time, as the dashboard does on refresh.
    const timeRange = toTimeRange(rangeRef.current.raw);
    templateSrv.updateTimeRange(timeRange);
    const { interval, intervalMs } = rangeUtil.calculateInterval(timeRange, MAX_DATA_POINTS);
    const target = queryRef.current;
    const targets = [target].filter((q) => (ds.filterQuery ? ds.filterQuery(q) : true));
    subscription.current?.unsubscribe();
    if (targets.length === 0) {
      // Grafana drops filtered queries and shows the panel's "No data".
      setData({ state: LoadingState.Done, series: [], timeRange });
      return;
    }
    const request: DataQueryRequest = {
      app: CoreApp.PanelEditor,
      requestId: 'sandbox-panel',
      interval,
      intervalMs,
      maxDataPoints: MAX_DATA_POINTS,
      range: timeRange,
      rangeRaw: timeRange.raw,
      scopedVars: {
        __interval: { text: interval, value: interval },
        __interval_ms: { text: String(intervalMs), value: intervalMs },
      },
      targets,
      timezone: 'utc',
      startTime: Date.now(),
    };
    setData((prev) => ({ ...prev, state: LoadingState.Loading, request, timeRange }));
    let result;
    try {
      result = ds.query(request);
    } catch (err) {
      setData({
        state: LoadingState.Error,
        series: [],
        errors: [{ message: err instanceof Error ? err.message : String(err) }],
        request,
        timeRange,
      });
      return;
    }
    const stream = isObservable(result) ? result : from(result as Promise<DataQueryResponse>);
    subscription.current = stream.subscribe({
      next: (rsp: DataQueryResponse) => {
        const errors = rsp.errors ?? (rsp.error ? [rsp.error] : undefined);
        setData({
          state: errors?.length ? LoadingState.Error : (rsp.state ?? LoadingState.Done),
          series: rsp.data ?? [],
          errors,
          request,
          timeRange,
        });
      },
      error: (err: unknown) => {
        const message =
          (err as { message?: string; data?: { message?: string } })?.data?.message ??
          (err as Error)?.message ??
          String(err);
        setData({ state: LoadingState.Error, series: [], errors: [{ message }], request, timeRange });
      },
    });
  }, [ds]);

  const onRangeChange = (next: TimeRange) => setRange(next);
  const shift = (direction: -1 | 1) => {
    const span = range.to.valueOf() - range.from.valueOf();
    const from = range.from.valueOf() + direction * span;
    setRange(
      toTimeRange({
        from: dateMath.toDateTime(new Date(from), {})!,
        to: dateMath.toDateTime(new Date(from + span), {})!,
      })
    );
  };

  return (
    <div data-testid="sandbox-panel-page">
      <Stack gap={1} alignItems="center" justifyContent="flex-end">
        <span data-testid="sandbox-range" data-from={range.from.valueOf()} data-to={range.to.valueOf()} />
        <TimeRangePicker
          value={range}
          timeZone="utc"
          onChange={onRangeChange}
          onChangeTimeZone={() => {}}
          onMoveBackward={() => shift(-1)}
          onMoveForward={() => shift(1)}
          onZoom={() => {}}
        />
        <Button icon="sync" onClick={run} data-testid="sandbox-run">
          Run query
        </Button>
      </Stack>
      <div style={{ margin: '12px 0' }}>
        <Results data={data} />
      </div>
      <div data-testid="sandbox-query-editor">
        <ErrorBoundaryAlert>
          {QueryEditor ? (
            <QueryEditor
              datasource={ds}
              query={query}
              onChange={setQuery}
              onRunQuery={run}
              data={data}
              range={range}
              app={CoreApp.PanelEditor}
              queries={[query]}
            />
          ) : (
            <Alert title="The plugin has no QueryEditor" />
          )}
        </ErrorBoundaryAlert>
      </div>
      {data.errors?.map((e, i) => (
        <div key={i} data-testid="sandbox-query-error" style={{ marginTop: 8 }}>
          <Alert severity="error" title={e.message ?? 'Query error'}>
            {e.status ? `status ${e.status}` : null}
          </Alert>
        </div>
      ))}
    </div>
  );
}
