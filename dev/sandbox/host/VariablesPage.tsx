// Variables page: the plugin's variable query editor (CustomVariableSupport.editor) and the
// values list Grafana would offer, from variables.query (frames → text/value) or, for
// plugins without custom support, metricFindQuery.
import {
  CoreApp,
  FieldType,
  type DataFrame,
  type DataQuery,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type MetricFindValue,
  type TimeRange,
} from '@grafana/data';
import { Alert, Button, ErrorBoundaryAlert, Stack } from '@grafana/ui';
import React, { useState } from 'react';
import { from, isObservable, lastValueFrom, type Observable } from 'rxjs';

import { toTimeRange } from './PanelPage';
import { templateSrv } from './template-srv';

/** Grafana's rule: fields named text/value when present, otherwise the first field for both. */
function framesToValues(frames: DataFrame[]): MetricFindValue[] {
  const out: MetricFindValue[] = [];
  for (const frame of frames) {
    const byName = (n: string) => frame.fields.find((f) => f.name.toLowerCase() === n);
    const value =
      byName('value') ?? byName('__value') ?? frame.fields.find((f) => f.type === FieldType.string) ?? frame.fields[0];
    const text = byName('text') ?? byName('__text') ?? value;
    if (!value) {
      continue;
    }
    for (let i = 0; i < frame.length; i++) {
      out.push({ text: String(text.values[i]), value: value.values[i] as string | number });
    }
  }
  return out;
}

interface VariableSupportLike {
  editor?: React.ComponentType<Record<string, unknown>>;
  query?: (request: DataQueryRequest) => Observable<DataQueryResponse> | Promise<DataQueryResponse>;
  getDefaultQuery?: () => Partial<DataQuery>;
}

export function VariablesPage({ ds }: { ds: DataSourceApi }) {
  const support = (ds as unknown as { variables?: VariableSupportLike }).variables;
  const [query, setQuery] = useState<DataQuery>(
    () => ({ ...(support?.getDefaultQuery?.() ?? {}), refId: 'variable-query' }) as DataQuery
  );
  const [values, setValues] = useState<MetricFindValue[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const range: TimeRange = toTimeRange({ from: 'now-6h', to: 'now' });
  const Editor = support?.editor;

  const run = async (q: DataQuery = query) => {
    setRunning(true);
    setError(undefined);
    templateSrv.updateTimeRange(range);
    try {
      if (support?.query) {
        const request = {
          app: CoreApp.Dashboard,
          requestId: 'sandbox-variable',
          range,
          rangeRaw: range.raw,
          targets: [q],
          interval: '1m',
          intervalMs: 60_000,
          scopedVars: {},
          timezone: 'utc',
          startTime: Date.now(),
        } as DataQueryRequest;
        const result = support.query(request);
        const rsp = await lastValueFrom(isObservable(result) ? result : from(result));
        const errors = rsp.errors ?? (rsp.error ? [rsp.error] : []);
        if (errors.length) {
          throw new Error(errors.map((e) => e.message).join('; '));
        }
        setValues(framesToValues(rsp.data ?? []));
      } else if (ds.metricFindQuery) {
        setValues(await ds.metricFindQuery(q, { range, variable: { name: 'sandbox' } } as never));
      } else {
        throw new Error('the data source supports no variable queries');
      }
    } catch (err) {
      setValues(undefined);
      setError(
        (err as { data?: { message?: string } })?.data?.message ?? (err instanceof Error ? err.message : String(err))
      );
    } finally {
      setRunning(false);
    }
  };

  return (
    <div data-testid="sandbox-variables-page">
      <h2>Variable query</h2>
      <ErrorBoundaryAlert>
        {Editor ? (
          <Editor
            datasource={ds}
            query={query}
            onChange={(q: DataQuery) => setQuery(q)}
            onRunQuery={() => run()}
            range={range}
            app={CoreApp.Dashboard}
          />
        ) : (
          <Alert severity="info" title="The plugin has no variable editor (variables.editor)" />
        )}
      </ErrorBoundaryAlert>
      <Stack gap={1}>
        <Button onClick={() => run()} disabled={running} data-testid="sandbox-variable-run">
          Run variable query
        </Button>
      </Stack>
      {error && (
        <div data-testid="sandbox-variable-error" style={{ marginTop: 8 }}>
          <Alert severity="error" title={error} />
        </div>
      )}
      {values && (
        <div data-testid="sandbox-variable-values" data-count={values.length} style={{ marginTop: 8 }}>
          <h4>Preview of values ({values.length})</h4>
          <Stack gap={1} wrap="wrap">
            {values.slice(0, 200).map((v, i) => (
              <span
                key={i}
                data-testid="sandbox-variable-value"
                data-value={String(v.value ?? v.text)}
                style={{ padding: '2px 8px', border: '1px solid #555', borderRadius: 2 }}
              >
                {v.text}
              </span>
            ))}
          </Stack>
        </div>
      )}
    </div>
  );
}
