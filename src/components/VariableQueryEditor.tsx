import { QueryEditorProps } from '@grafana/data';
import { Stack } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { VARIABLE_EXAMPLES } from '../examples';
import { migrateQuery } from '../query/migrate';
import { MicromegasOptions, MicromegasQuery, VariableOptions } from '../types';
import { ColumnPicker } from './ColumnPicker';
import { QueryExamplesHint } from './QueryExamplesHint';
import { ResultColumnsFooter } from './ResultColumnsFooter';
import { SqlCodeEditor } from './SqlCodeEditor';
import { useResultColumns } from './useResultColumns';
import { useSqlDraft } from './useSqlDraft';

type Props = QueryEditorProps<DataSource, MicromegasQuery, MicromegasOptions, MicromegasQuery>;

/**
 * Query variable editor: SQL, which columns give the value and the text, and whether the
 * dashboard range applies. SQL is committed on blur or Ctrl/Cmd+Enter, since every
 * committed change re-runs the variable query.
 */
export function VariableQueryEditor({ query, onChange, datasource }: Props) {
  // Upstream variables may be saved as a bare SQL string.
  const current = migrateQuery(query as MicromegasQuery | string, 'metricFindQuery');
  const { columns, error } = useResultColumns(datasource.schema, current.query ?? '');

  const commit = (next: Partial<MicromegasQuery>) =>
    onChange({ ...current, ...next, format: 'table', autoLimit: false });
  const sql = useSqlDraft(current.query, (text) => commit({ query: text }));
  const setVariableOption = (key: keyof VariableOptions, value: string | undefined) =>
    commit({ variable: { ...current.variable, [key]: value } });

  return (
    <div data-testid="micromegas-variable-editor">
      <Stack direction="column" gap={1}>
        <SqlCodeEditor
          sql={sql.draft}
          schema={datasource.schema}
          height={140}
          onChange={sql.onChange}
          onBlur={sql.onBlur}
        />
        <QueryExamplesHint examples={VARIABLE_EXAMPLES} />
        <ColumnPicker
          label="Value column"
          tooltip="Column holding the value inserted into queries. Default: a column named value, else the first column."
          placeholder="value / first column"
          value={current.variable?.valueField}
          columns={columns}
          onChange={(v) => setVariableOption('valueField', v)}
        />
        <ColumnPicker
          label="Text column"
          tooltip="Column shown in the drop-down. Default: a column named text, else the value."
          placeholder="text / value"
          value={current.variable?.textField}
          columns={columns}
          onChange={(v) => setVariableOption('textField', v)}
        />
        <ResultColumnsFooter
          error={error}
          timeFilter={current.timeFilter ?? true}
          onTimeFilterChange={(timeFilter) => commit({ timeFilter })}
        />
      </Stack>
    </div>
  );
}
