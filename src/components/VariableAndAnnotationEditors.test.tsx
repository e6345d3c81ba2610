import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import '../__testutils__/jsdomPolyfills';
import { FakeBackend, FakeTemplateSrv, instanceSettings } from '../__testutils__/fakeGrafana';
import { DataSource } from '../datasource';
import { MicromegasQuery } from '../types';
import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.setTimeout(30_000);

function setup(
  Editor: typeof VariableQueryEditor | typeof AnnotationQueryEditor,
  initial: MicromegasQuery | string,
  schemaAnswer?: (sql: string) => { status?: number; data: unknown }
) {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv([{ name: 'exe', current: 'svc' }]).install();
  backend
    .on('tables', () => ({ data: { tables: [] } }))
    .on('functions', () => ({ data: { functions: [], macros: [] } }))
    .on('schema', (req) =>
      (
        schemaAnswer ??
        (() => ({
          data: {
            columns: [
              { name: 'process_id', type: 'Utf8', nullable: false },
              { name: 'label', type: 'Utf8', nullable: true },
            ],
          },
        }))
      )((req.data as { sql: string }).sql)
    );
  const ds = new DataSource(instanceSettings({ url: 'grpc://h:1' }));
  const changes: MicromegasQuery[] = [];
  function Host() {
    const [query, setQuery] = useState(initial);
    return (
      <Editor
        query={query as MicromegasQuery}
        datasource={ds}
        onRunQuery={() => undefined}
        onChange={(q: MicromegasQuery) => {
          changes.push(q);
          setQuery(q);
        }}
      />
    );
  }
  render(<Host />);
  return { backend, changes, last: () => changes[changes.length - 1] };
}

describe('VariableQueryEditor', () => {
  it('commits SQL on blur or Ctrl+Enter, not on every keystroke', async () => {
    const { changes, last } = setup(VariableQueryEditor, {
      refId: 'metricFindQuery',
      query: 'SELECT DISTINCT exe FROM processes',
    });
    const editor = await screen.findByLabelText('SQL editor');
    fireEvent.change(editor, { target: { value: 'SELECT DISTINCT computer FROM processes' } });
    expect(changes).toHaveLength(0);
    fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true });
    expect(last()).toMatchObject({
      query: 'SELECT DISTINCT computer FROM processes',
      format: 'table',
      autoLimit: false,
      timeFilter: true,
    });
    fireEvent.change(editor, { target: { value: 'SELECT DISTINCT username FROM processes' } });
    expect(changes).toHaveLength(1);
    fireEvent.focusOut(editor);
    expect(changes).toHaveLength(2);
    expect(last()).toMatchObject({ query: 'SELECT DISTINCT username FROM processes' });
  });

  it('accepts an upstream variable saved as a bare string and toggles time binding', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(VariableQueryEditor, 'SELECT DISTINCT exe FROM processes');
    expect(await screen.findByLabelText('SQL editor')).toHaveValue('SELECT DISTINCT exe FROM processes');
    await user.click(screen.getByLabelText('Bind to dashboard time range'));
    expect(last()).toMatchObject({ query: 'SELECT DISTINCT exe FROM processes', timeFilter: false });
  });

  it('offers result columns (with variables applied) for value and text', async () => {
    const user = userEvent.setup({ delay: null });
    const { backend, last } = setup(VariableQueryEditor, {
      refId: 'metricFindQuery',
      query: "SELECT process_id, exe AS label FROM processes WHERE exe = '$exe'",
    });
    await waitFor(() => expect(backend.requests.some((r) => r.url.endsWith('/resources/schema'))).toBe(true));
    expect(backend.requests.find((r) => r.url.endsWith('/resources/schema'))!.data).toEqual({
      sql: "SELECT process_id, exe AS label FROM processes WHERE exe = 'svc'",
    });
    // Combobox's list is virtualised (nothing measurable in jsdom): pick by typing + Enter.
    await user.type(screen.getByLabelText('Value column'), 'process_id{Enter}');
    expect(last().variable).toEqual({ valueField: 'process_id' });
    await user.type(screen.getByLabelText('Text column'), 'label{Enter}');
    expect(last().variable).toEqual({ valueField: 'process_id', textField: 'label' });
  });

  it('shows why columns could not be read, and stays editable', async () => {
    setup(VariableQueryEditor, { refId: 'metricFindQuery', query: 'SELECT nope FROM nowhere' }, () => ({
      status: 400,
      data: { error: "table 'nowhere' not found (query_id=42)" },
    }));
    expect(
      await screen.findByText("Could not read the result columns: table 'nowhere' not found (query_id=42)")
    ).toBeInTheDocument();
    expect(screen.getByLabelText('SQL editor')).toBeEnabled();
  });
});

describe('AnnotationQueryEditor', () => {
  it('edits SQL and maps columns to time, end, text and tags', async () => {
    const user = userEvent.setup({ delay: null });
    const { last } = setup(AnnotationQueryEditor, { refId: 'Anno', query: 'SELECT 1' }, () => ({
      data: {
        columns: [
          { name: 'time', type: 'Timestamp(ns)', nullable: false },
          { name: 'msg', type: 'Utf8', nullable: false },
        ],
      },
    }));
    const editor = await screen.findByLabelText('SQL editor');
    fireEvent.change(editor, { target: { value: 'SELECT time, msg FROM log_entries' } });
    fireEvent.focusOut(editor);
    expect(last()).toMatchObject({ query: 'SELECT time, msg FROM log_entries', format: 'table' });
    for (const label of ['Time column', 'End time column', 'Text column', 'Tags column']) {
      expect(screen.getByLabelText(label)).toBeInTheDocument();
    }
    await user.type(screen.getByLabelText('Text column'), 'msg{Enter}');
    expect(last().annotation).toEqual({ textField: 'msg' });
    await user.click(screen.getByLabelText('Bind to dashboard time range'));
    expect(last().timeFilter).toBe(false);
  });

  it('commits SQL on blur or Ctrl+Enter, not on every keystroke', async () => {
    const { changes, last } = setup(AnnotationQueryEditor, { refId: 'Anno', query: 'SELECT 1' });
    const editor = await screen.findByLabelText('SQL editor');
    const before = changes.length; // the first render may write the migrated query
    fireEvent.change(editor, { target: { value: 'SELECT time, msg AS text FROM log_entries' } });
    fireEvent.change(editor, { target: { value: 'SELECT time, msg AS text FROM log_entries WHERE level < 3' } });
    expect(changes).toHaveLength(before);
    fireEvent.keyDown(editor, { key: 'Enter', ctrlKey: true });
    expect(changes).toHaveLength(before + 1);
    expect(last()).toMatchObject({
      query: 'SELECT time, msg AS text FROM log_entries WHERE level < 3',
      format: 'table',
    });

    fireEvent.change(editor, { target: { value: 'SELECT time, target AS text FROM log_entries' } });
    expect(changes).toHaveLength(before + 1);
    fireEvent.focusOut(editor);
    expect(changes).toHaveLength(before + 2);
    expect(last()).toMatchObject({ query: 'SELECT time, target AS text FROM log_entries', format: 'table' });
    // Leaving again without edits commits nothing.
    fireEvent.focusOut(editor);
    expect(changes).toHaveLength(before + 2);
  });
});
