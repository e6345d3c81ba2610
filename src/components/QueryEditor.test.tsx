import {
  CoreApp,
  createDataFrame,
  getDefaultTimeRange,
  LoadingState,
  PanelData,
  QueryEditorHelpProps,
} from '@grafana/data';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from '../__testutils__/fakeGrafana';
import { registeredCompletionProviders } from '../__testutils__/monacoDouble';
import { DataSource } from '../datasource';
import { QUERY_EXAMPLES } from '../examples';
import { plugin } from '../module';
import { MicromegasQuery } from '../types';
import { QueryEditor } from './QueryEditor';

jest.setTimeout(30_000);

function setup(initial: MicromegasQuery, app = CoreApp.PanelEditor, backend = new FakeBackend(), data?: PanelData) {
  backend.install();
  new FakeTemplateSrv().install();
  if (!backend.requests.length) {
    backend
      .on('tables', () => ({ data: { tables: [{ name: 'log_entries', kind: 'view', description: '' }] } }))
      .on('functions', () => ({ data: { functions: [], macros: [] } }));
  }
  const ds = new DataSource(instanceSettings({ url: 'grpc://h:1', rowLimit: 10_000 }));
  const changes: MicromegasQuery[] = [];
  const onRunQuery = jest.fn();
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={ds}
        app={app}
        data={data}
        onRunQuery={onRunQuery}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Host />);
  const last = () => changes[changes.length - 1];
  return { changes, last, onRunQuery, ds };
}

const ours = (sql: string, extra: Partial<MicromegasQuery> = {}): MicromegasQuery => ({
  refId: 'A',
  query: sql,
  format: 'table',
  timeFilter: true,
  autoLimit: true,
  version: 3,
  ...extra,
});

describe('QueryEditor', () => {
  it('migrates an upstream query once, keeping its behaviour', async () => {
    const { changes } = setup({ refId: 'A', queryText: 'SELECT time, value FROM measures' } as MicromegasQuery);
    await waitFor(() => expect(changes).toHaveLength(1));
    expect(changes[0]).toEqual({
      refId: 'A',
      query: 'SELECT time, value FROM measures',
      format: 'time_series',
      timeFilter: true,
      autoLimit: true,
      version: 3,
    });
    expect(screen.getByRole('radio', { name: 'Time series' })).toBeChecked();
  });

  it('format picker and toggles change the query', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(ours('SELECT 1'));
    await user.click(screen.getByRole('radio', { name: 'Logs' }));
    expect(last().format).toBe('logs');
    await user.click(screen.getByLabelText('Bind to dashboard time range'));
    expect(last().timeFilter).toBe(false);
    await user.click(screen.getByLabelText('Auto limit'));
    expect(last()).toMatchObject({ format: 'logs', timeFilter: false, autoLimit: false, query: 'SELECT 1' });
  });

  it('format picker offers Traces and Flame graph, and the query help has a ready example of each', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(ours('SELECT 1'), CoreApp.Unknown);
    await user.click(screen.getByRole('radio', { name: 'Traces' }));
    expect(last().format).toBe('traces');
    await user.click(screen.getByRole('radio', { name: 'Flame graph' }));
    expect(last().format).toBe('flame_graph');
    for (const format of ['traces', 'flame_graph'] as const) {
      await user.click(screen.getByRole('button', { name: 'Query help' }));
      const example = QUERY_EXAMPLES.find((e) => e.format === format)!;
      expect(example.sql).toContain("view_instance('thread_spans'");
      await user.click(screen.getByRole('button', { name: `Use example: ${example.title}` }));
      expect(last()).toMatchObject({ query: example.sql, format });
    }
  });

  it('row limit: applied on blur, validated against the data source limit', async () => {
    const { last, changes } = setup(ours('SELECT 1'));
    const box = screen.getByLabelText('Row limit');
    fireEvent.change(box, { target: { value: 'abc' } });
    fireEvent.blur(box);
    expect(screen.getByText('Enter a whole number of rows greater than 0, or leave empty.')).toBeInTheDocument();
    expect(changes).toHaveLength(0);
    fireEvent.change(box, { target: { value: '50000' } });
    expect(screen.getByText('The data source caps results at 10000 rows.')).toBeInTheDocument();
    fireEvent.change(box, { target: { value: '500' } });
    fireEvent.blur(box);
    expect(last().rowLimit).toBe(500);
    fireEvent.change(box, { target: { value: '' } });
    fireEvent.blur(box);
    expect(last().rowLimit).toBeUndefined();
  });

  it('formats SQL without touching macros, and runs on demand', async () => {
    const user = userEvent.setup({ delay: null });
    const { last, onRunQuery } = setup(
      ours('select $__dateBin(time) as time, count(*) from log_entries where exe in ($exe) group by 1'),
      CoreApp.Unknown
    );
    await user.click(screen.getByRole('button', { name: 'Format SQL' }));
    expect(await screen.findByLabelText('SQL editor')).toHaveValue(last().query);
    expect(last().query).toBe(
      'SELECT\n  $__dateBin(time) AS time,\n  count(*)\nFROM\n  log_entries\nWHERE\n  exe IN ($exe)\nGROUP BY\n  1'
    );
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('typing edits the SQL; Ctrl+Enter and Cmd+Enter run the query', async () => {
    const { last, onRunQuery } = setup(ours('SELECT 1'));
    const editor = await screen.findByLabelText('SQL editor');
    expect(editor).toHaveValue('SELECT 1');
    fireEvent.change(editor, { target: { value: 'SELECT 2' } });
    expect(last().query).toBe('SELECT 2');
    expect(onRunQuery).not.toHaveBeenCalled();
    fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(editor, { key: 'Enter', metaKey: true });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
    fireEvent.keyDown(editor, { key: 'Enter' });
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('registers the Micromegas completion provider with the editor', async () => {
    setup(ours('SELECT 1'));
    await screen.findByLabelText('SQL editor');
    await waitFor(() => expect(registeredCompletionProviders.size).toBeGreaterThan(0));
    const provider = [...registeredCompletionProviders.values()].pop() as { triggerCharacters: string[] };
    expect(provider.triggerCharacters).toContain('$');
  });

  it('shows a hint for empty SQL', () => {
    setup(ours(''));
    expect(screen.getByText(/empty queries are not run/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Format SQL' })).toBeDisabled();
  });

  it('query help examples fill in SQL and format', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(ours(''), CoreApp.Unknown);
    await user.click(screen.getByRole('button', { name: 'Query help' }));
    const logs = QUERY_EXAMPLES.find((e) => e.format === 'logs')!;
    await user.click(screen.getByRole('button', { name: `Use example: ${logs.title}` }));
    expect(last()).toMatchObject({ query: logs.sql, format: 'logs' });
    expect(screen.queryByTestId('micromegas-query-help')).not.toBeInTheDocument();
  });

  it('where Grafana has its own run control and help (panel editor, Explore, alerting), shows neither twice', () => {
    for (const app of [CoreApp.PanelEditor, CoreApp.Explore, CoreApp.UnifiedAlerting]) {
      setup(ours('SELECT 1'), app);
      expect(screen.queryByRole('button', { name: 'Run query' })).not.toBeInTheDocument();
      expect(screen.queryByRole('button', { name: 'Query help' })).not.toBeInTheDocument();
      expect(screen.getByText(/Ctrl\/Cmd\+Enter runs the query/)).toBeInTheDocument();
      cleanup();
    }
  });

  it("the help is the QueryEditorHelp Grafana's query row opens; its examples replace the query", async () => {
    const user = userEvent.setup({ delay: null });
    const { ds } = setup(ours('SELECT 1'));
    const Help = plugin.components.QueryEditorHelp!;
    const onClickExample = jest.fn();
    render(
      <Help
        datasource={ds as unknown as QueryEditorHelpProps<MicromegasQuery>['datasource']}
        query={ours('SELECT 1', { refId: 'B' })}
        onClickExample={onClickExample}
      />
    );
    const logs = QUERY_EXAMPLES.find((e) => e.format === 'logs')!;
    await user.click(screen.getByRole('button', { name: `Use example: ${logs.title}` }));
    expect(onClickExample).toHaveBeenCalledWith(
      expect.objectContaining({ refId: 'B', query: logs.sql, format: 'logs' })
    );
  });

  it('in Explore, offers the logs view for queries on log_entries', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(ours('SELECT time, msg FROM log_entries'), CoreApp.Explore);
    await user.click(screen.getByRole('button', { name: 'Show as logs' }));
    expect(last().format).toBe('logs');
    expect(screen.queryByRole('button', { name: 'Show as logs' })).not.toBeInTheDocument();
  });

  it('a backend that is down only produces an inline autocomplete hint', async () => {
    const backend = new FakeBackend()
      .on('tables', () => ({ status: 502, data: { error: 'cannot reach grpc://h:1: connection refused' } }))
      .on('functions', () => ({ status: 502, data: { error: 'cannot reach grpc://h:1: connection refused' } }));
    backend.requests.push({ url: 'seeded' });
    setup(ours('SELECT 1'), CoreApp.PanelEditor, backend);
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Autocomplete unavailable: cannot reach grpc://h:1: connection refused'
    );
    expect(screen.getByRole('radio', { name: 'Table' })).toBeEnabled();
  });

  it('after a run, shows the time range the backend sent to Micromegas for this query', () => {
    const range = { begin: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z' };
    const data = (frames: Array<{ refId: string; custom?: Record<string, unknown> }>): PanelData => ({
      state: LoadingState.Done,
      timeRange: getDefaultTimeRange(),
      series: frames.map((f) =>
        createDataFrame({ refId: f.refId, fields: [], meta: f.custom ? { custom: f.custom } : undefined })
      ),
    });
    setup(
      ours('SELECT 1'),
      CoreApp.PanelEditor,
      undefined,
      data([{ refId: 'A', custom: { queryRange: range, limit: 1001 } }])
    );
    expect(screen.getByTestId('micromegas-sent-range')).toHaveTextContent(
      `Sent to Micromegas: ${range.begin} → ${range.end}`
    );
  });

  it('shows no sent range before a run, for another query’s frames, or when the range was not bound', () => {
    const frames = (refId: string, custom?: Record<string, unknown>): PanelData => ({
      state: LoadingState.Done,
      timeRange: getDefaultTimeRange(),
      series: [createDataFrame({ refId, fields: [], meta: custom ? { custom } : undefined })],
    });
    for (const data of [
      undefined,
      frames('B', { queryRange: { begin: 'a', end: 'b' } }),
      frames('A', { limit: 1001 }),
    ]) {
      setup(ours('SELECT 1'), CoreApp.PanelEditor, undefined, data);
      expect(screen.queryByTestId('micromegas-sent-range')).not.toBeInTheDocument();
      cleanup();
    }
  });

  describe('in an alert rule (queries run on the server, never through applyTemplateVariables)', () => {
    const complete = (sql: string) => ({
      refId: 'A',
      query: sql,
      format: 'time_series',
      timeFilter: true,
      autoLimit: true,
      version: 3,
    });

    it('a query built with only {refId, query} is written out complete on first render, as the backend reads it', async () => {
      const { changes } = setup({ refId: 'A', query: 'SELECT time, value FROM measures' }, CoreApp.UnifiedAlerting);
      await waitFor(() => expect(changes).toHaveLength(1));
      // docs/ARCHITECTURE.md: without `version` the backend reads a missing format as time_series.
      expect(changes[0]).toEqual(complete('SELECT time, value FROM measures'));
      expect(screen.getByRole('radio', { name: 'Time series' })).toBeChecked();
    });

    it('a new alert query from getDefaultQuery has the same format, so both paths save the same model', async () => {
      const ds = new DataSource(instanceSettings({ url: 'grpc://h:1' }));
      const fromDefaults = {
        ...ds.getDefaultQuery(CoreApp.UnifiedAlerting),
        refId: 'A',
        query: 'SELECT time, value FROM measures',
      };
      expect(fromDefaults).toEqual(complete('SELECT time, value FROM measures'));
      const { changes } = setup(fromDefaults, CoreApp.UnifiedAlerting);
      expect(screen.getByRole('radio', { name: 'Time series' })).toBeChecked();
      expect(changes).toHaveLength(0); // nothing left to fill in
    });
  });
});
