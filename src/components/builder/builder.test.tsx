import { CoreApp, dateTime, TimeRange } from '@grafana/data';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import '../../__testutils__/jsdomPolyfills';
import { FakeBackend, FakeTemplateSrv, instanceSettings, RecordedRequest } from '../../__testutils__/fakeGrafana';
import { DataSource } from '../../datasource';
import { MicromegasQuery } from '../../types';
import { QueryEditor } from '../QueryEditor';
import { defaultBuilderState, fromUpstreamBuilder, type BuilderState } from './model';
import { builderSql, literal, logsSql, metricsSql, processesSql, spansSql, tableSql } from './sql';
import { applyBuilder, canUseBuilder, openQuery } from './switching';

jest.setTimeout(120_000); // a shared, busy machine renders @grafana/ui slowly

const range: TimeRange = {
  from: dateTime('2024-05-01T10:00:00Z'),
  to: dateTime('2024-05-01T12:00:00Z'),
  raw: { from: 'now-2h', to: 'now' },
};

function setup(initial: MicromegasQuery) {
  const backend = new FakeBackend()
    .on('tables', () => ({ data: { tables: [{ name: 'measures', kind: 'view', description: '' }] } }))
    .on('functions', () => ({ data: { functions: [], macros: [] } }))
    .on('columns', () => ({
      data: { table: 'measures', columns: [{ name: 'value', type: 'Float64', nullable: false }] },
    }))
    .on('values', (req) => {
      const body = req.data as { column: string };
      return { data: { values: body.column === 'unit' ? ['percent'] : [`${body.column}-1`, `${body.column}-2`] } };
    })
    .install();
  new FakeTemplateSrv().install();
  const ds = new DataSource(instanceSettings({ url: 'grpc://h:1' }));
  const changes: MicromegasQuery[] = [];
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        query={query}
        datasource={ds}
        app={CoreApp.PanelEditor}
        range={range}
        onRunQuery={() => undefined}
        onChange={(q) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Host />);
  return { backend, changes, last: () => changes[changes.length - 1] };
}

const valuesBodies = (backend: FakeBackend) =>
  backend.requests
    .filter((r: RecordedRequest) => r.url.endsWith('/resources/values'))
    .map((r) => r.data as Record<string, unknown>);

const ours = (extra: Partial<MicromegasQuery>): MicromegasQuery => ({
  refId: 'A',
  format: 'table',
  timeFilter: true,
  autoLimit: true,
  version: 3,
  ...extra,
});

describe('builder SQL', () => {
  it('writes each mode as a person would, with the time macros', () => {
    const s = defaultBuilderState();
    expect(logsSql({ ...s.logs, maxLevel: 3, exe: "o'neil.exe", search: '50%' })).toBe(
      [
        'SELECT time, level, exe, target, msg, process_id',
        'FROM log_entries',
        'WHERE $__timeFilter(time)',
        '  AND level <= 3',
        "  AND exe = 'o''neil.exe'",
        "  AND (msg ILIKE '%50\\%%' OR target ILIKE '%50\\%%')",
        'ORDER BY time DESC',
        'LIMIT 100',
      ].join('\n')
    );
    expect(logsSql({ ...s.logs, processId: 'p-1' })).toContain("FROM view_instance('log_entries', 'p-1')");
    expect(metricsSql({ ...s.metrics, measure: 'cpu_usage', groupBy: 'exe' })).toBe(
      [
        'SELECT $__timeInterval(time) AS time, exe, unit, avg(value) AS cpu_usage',
        'FROM measures',
        'WHERE $__timeFilter(time)',
        "  AND name = 'cpu_usage'",
        'GROUP BY 1, 2, 3',
        'ORDER BY 1',
      ].join('\n')
    );
    expect(metricsSql({ ...s.metrics, measure: 'frame.time', bin: '1 minute', groupBy: 'property:version' })).toContain(
      "SELECT date_bin(INTERVAL '1 minute', time) AS time, property_get(process_properties, 'version') AS version, unit, avg(value) AS \"frame.time\""
    );
    expect(spansSql({ ...s.spans, streamId: 's-1' })).toBe(
      [
        'SELECT begin, "end", duration, name, target, depth, id, parent',
        "FROM view_instance('thread_spans', 's-1')",
        'ORDER BY duration DESC',
        'LIMIT 100',
      ].join('\n')
    );
    expect(spansSql({ ...s.spans, source: 'async', processId: 'p', view: 'flame_graph' })).not.toContain('LIMIT');
    expect(processesSql({ ...s.processes, exe: 'a.exe' })).toContain("WHERE exe = 'a.exe'");
    expect(
      tableSql({
        table: 'log_entries',
        columns: ['time', 'msg'],
        wheres: ['level <= 2', ''],
        orderBy: 'time',
        limit: 5,
      })
    ).toBe('SELECT time, msg\nFROM log_entries\nWHERE level <= 2\nORDER BY time\nLIMIT 5');
    expect(literal("a'b")).toBe("'a''b'");
  });

  it('offers the builder back only while the SQL is the one it wrote', () => {
    const state: BuilderState = {
      ...defaultBuilderState('metrics'),
      metrics: { ...defaultBuilderState().metrics, measure: 'm' },
    };
    const q = applyBuilder(ours({}), state);
    expect(q).toMatchObject({ editorMode: 'builder', format: 'time_series', builder: state, query: builderSql(state) });
    expect(canUseBuilder(state, q.query!)).toBe(true);
    expect(canUseBuilder(state, `  ${q.query!.replace(/\n/g, '\n\n ')}  `)).toBe(true); // layout only
    expect(canUseBuilder(state, q.query!.replace('avg(', 'max('))).toBe(false);
    // Spaces inside a string literal are content, not layout: such an edit is kept in SQL.
    const search: BuilderState = { ...defaultBuilderState('logs') };
    search.logs = { ...search.logs, search: 'a  b' };
    expect(canUseBuilder(search, builderSql(search).replace(/a {2}b/g, 'a b'))).toBe(false);
    expect(openQuery({ ...q, editorMode: 'builder', query: q.query + ' LIMIT 3' }).mode).toBe('code');
  });

  it('opens upstream builder queries (rawEditor false, table, columns/wheres as [{value}]) in Table mode', () => {
    const upstream = {
      refId: 'A',
      rawEditor: false,
      table: 'log_entries',
      columns: [{ value: 'time' }, { value: 'msg' }],
      wheres: [{ value: 'level <= 2' }, { value: "exe = 'x'" }],
      orderBy: 'time DESC',
      groupBy: '',
      limit: '50',
      version: 2,
      query: "SELECT time,msg FROM log_entries WHERE level <= 2 and exe = 'x' ORDER BY time DESC LIMIT 50",
    } as MicromegasQuery;
    const opened = openQuery(upstream);
    expect(opened.mode).toBe('builder');
    expect(opened.state.mode).toBe('table');
    expect(opened.state.table).toEqual({
      table: 'log_entries',
      columns: ['time', 'msg'],
      wheres: ['level <= 2', "exe = 'x'"],
      orderBy: 'time DESC',
      groupBy: undefined,
      limit: 50,
    });
    // String lists (the upstream type) too; the SQL editor's queries stay SQL.
    expect(fromUpstreamBuilder({ table: '"t"', columns: ['a'], wheres: ['x'] })).toMatchObject({
      table: 't',
      columns: ['a'],
    });
    expect(openQuery({ ...upstream, rawEditor: true }).mode).toBe('code');
    expect(openQuery({ ...upstream, query: 'SELECT 1' }).mode).toBe('code');
  });
});

describe('builder in the query editor', () => {
  it('builds a metrics query from the pickers (values over the panel range), shows the SQL live, keeps it in SQL mode', async () => {
    const user = userEvent.setup({ delay: null });
    const { backend, last } = setup(ours({ query: '' }));
    await user.click(screen.getByRole('radio', { name: 'Builder' }));
    expect(last()).toMatchObject({ editorMode: 'builder', format: 'logs' });
    expect(screen.getByTestId('micromegas-builder-sql').textContent).toBe(last().query);

    const modes = screen.getByRole('radio', { name: 'Metrics', hidden: false }).closest('div')!;
    await user.click(within(modes).getByRole('radio', { name: 'Metrics' }));
    expect(screen.getByText('Pick a measure.')).toBeInTheDocument();
    // Combobox's list is virtualised (nothing measurable in jsdom): pick by typing + Enter.
    await user.type(screen.getByRole('combobox', { name: 'Measure' }), 'name-2{Enter}');
    await waitFor(() => expect(last().query).toContain("name = 'name-2'"));
    expect(last().format).toBe('time_series');
    expect(await screen.findByTestId('micromegas-builder-unit')).toHaveTextContent('unit: percent');
    const body = valuesBodies(backend).find((b) => b.column === 'name')!;
    expect(body).toMatchObject({
      table: 'measures',
      from: '2024-05-01T10:00:00.000Z',
      to: '2024-05-01T12:00:00.000Z',
    });
    expect(screen.getByTestId('micromegas-builder-sql').textContent).toBe(last().query);

    const built = last().query;
    await user.click(screen.getByRole('radio', { name: 'SQL' }));
    expect(last()).toMatchObject({ editorMode: 'code', query: built });
    expect((screen.getByLabelText('SQL editor') as HTMLTextAreaElement).value).toBe(built);
    await user.click(screen.getByRole('radio', { name: 'Builder' }));
    expect(last()).toMatchObject({ editorMode: 'builder', query: built });
  });

  it('refuses to go back to the builder after an edit it cannot represent, and keeps the SQL', async () => {
    const user = userEvent.setup({ delay: null });
    const state = defaultBuilderState('processes');
    const edited = builderSql(state).replace('LIMIT 100', 'LIMIT 7');
    const { changes } = setup(ours({ query: edited, builder: state, editorMode: 'code' }));
    await user.click(screen.getByRole('radio', { name: 'Builder' }));
    expect(screen.getByText('The builder cannot show this SQL')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: 'SQL' })).toBeChecked();
    expect(changes.every((c) => c.query === edited)).toBe(true);
    expect((screen.getByLabelText('SQL editor') as HTMLTextAreaElement).value).toBe(edited);
  });

  it('opens an upstream builder query in Table mode with its fields', async () => {
    setup({
      refId: 'A',
      rawEditor: false,
      table: 'measures',
      columns: [{ value: 'time' }, { value: 'value' }],
      wheres: [{ value: "name = 'cpu'" }],
      limit: '10',
      version: 2,
      query: "SELECT time,value FROM measures WHERE name = 'cpu' LIMIT 10",
    } as MicromegasQuery);
    expect(screen.getByRole('radio', { name: 'Builder' })).toBeChecked();
    expect(screen.getByRole('radio', { name: 'Table', checked: true })).toBeInTheDocument();
    expect(screen.getByRole('combobox', { name: 'Table' })).toHaveValue('measures');
    expect(screen.getByDisplayValue("name = 'cpu'")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Limit'), { target: { value: '20' } });
    fireEvent.blur(screen.getByLabelText('Limit'));
    await waitFor(() =>
      expect(screen.getByTestId('micromegas-builder-sql').textContent).toBe(
        "SELECT time, value\nFROM measures\nWHERE name = 'cpu'\nLIMIT 20"
      )
    );
  });
});
