import { AnnotationQuery, QueryEditorProps } from '@grafana/data';
import { Stack } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { ANNOTATION_DEFAULTS } from '../query/frames';
import { migrateQuery } from '../query/migrate';
import { AnnotationOptions, MicromegasOptions, MicromegasQuery } from '../types';
import { ColumnPicker } from './ColumnPicker';
import { ResultColumnsFooter } from './ResultColumnsFooter';
import { SqlCodeEditor } from './SqlCodeEditor';
import { useResultColumns } from './useResultColumns';
import { useSqlDraft } from './useSqlDraft';

type Props = QueryEditorProps<DataSource, MicromegasQuery, MicromegasOptions> & {
  annotation?: AnnotationQuery<MicromegasQuery>;
  onAnnotationChange?: (annotation: AnnotationQuery<MicromegasQuery>) => void;
};

const MAPPINGS: Array<{ key: keyof AnnotationOptions; label: string; tooltip: string }> = [
  {
    key: 'timeField',
    label: 'Time column',
    tooltip: 'When the event happened. Default: time, else the first time column.',
  },
  {
    key: 'timeEndField',
    label: 'End time column',
    tooltip: 'Optional end, which makes the annotation a region. Default: time_end.',
  },
  { key: 'textField', label: 'Text column', tooltip: 'Annotation text. Default: text, else the first text column.' },
  { key: 'tagsField', label: 'Tags column', tooltip: 'Optional tags: a list, or comma-separated text. Default: tags.' },
];

/** SQL annotations: the query and which result columns become time, end, text and tags. */
export function AnnotationQueryEditor({ query, onChange, datasource }: Props) {
  const current = migrateQuery(query, 'Anno');
  const { columns, error } = useResultColumns(datasource.schema, current.query ?? '');
  const commit = (next: Partial<MicromegasQuery>) => onChange({ ...current, ...next, format: 'table' });
  // Every committed change re-runs the annotation query: SQL is committed on blur or Ctrl/Cmd+Enter.
  const sql = useSqlDraft(current.query, (text) => commit({ query: text }));

  return (
    <div data-testid="micromegas-annotation-editor">
      <Stack direction="column" gap={1}>
        <SqlCodeEditor
          sql={sql.draft}
          schema={datasource.schema}
          height={140}
          onChange={sql.onChange}
          onBlur={sql.onBlur}
        />
        {MAPPINGS.map((m) => (
          <ColumnPicker
            key={m.key}
            label={m.label}
            tooltip={m.tooltip}
            placeholder={ANNOTATION_DEFAULTS[m.key]}
            value={current.annotation?.[m.key]}
            columns={columns}
            onChange={(v) => commit({ annotation: { ...current.annotation, [m.key]: v } })}
          />
        ))}
        <ResultColumnsFooter
          error={error}
          timeFilter={current.timeFilter ?? true}
          onTimeFilterChange={(timeFilter) => commit({ timeFilter })}
        />
      </Stack>
    </div>
  );
}
