import { TimeRange } from '@grafana/data';
import { Alert, RadioButtonGroup, Stack, Text } from '@grafana/ui';
import React, { ReactNode, useMemo, useState } from 'react';

import type { DataSource } from '../../datasource';
import type { MicromegasQuery, ValuesResponse } from '../../types';
import type { BuilderState } from './model';
import type { PickerSource } from './pickers';
import { QueryBuilder } from './QueryBuilder';
import { missingInput } from './sql';
import { applyBuilder, canUseBuilder, EditorMode, NOT_REPRESENTABLE, openQuery } from './switching';

interface Props {
  query: MicromegasQuery;
  onChange: (query: MicromegasQuery) => void;
  datasource: DataSource;
  range?: TimeRange;
  /** The SQL editor, shown in SQL mode. */
  children: ReactNode;
}

/** Picker choices from the backend's resources, bounded by the panel's time range. */
function pickerSource(datasource: DataSource, range?: TimeRange): PickerSource {
  return {
    async values(table, column, filters) {
      const list = Object.entries(filters ?? {})
        .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
        .map(([key, value]) => ({ key, operator: '=', value }));
      try {
        const r = await datasource.postResource<ValuesResponse>('values', {
          table,
          column,
          from: range?.from.toISOString(),
          to: range?.to.toISOString(),
          limit: 1000,
          filters: list,
        });
        return Array.isArray(r?.values) ? r.values : [];
      } catch {
        return [];
      }
    },
    tables: () => datasource.schema.tables(),
    columns: (table) => datasource.schema.columns(table),
  };
}

/**
 * Builder | SQL switch around the SQL editor. The builder writes its state and SQL into the
 * query; SQL mode keeps that SQL; going back is refused (with the reason) once the SQL no
 * longer is what the builder generates, so an edit is never thrown away.
 */
export function BuilderSwitch({ query, onChange, datasource, range, children }: Props) {
  const opened = useMemo(() => openQuery(query), []); // eslint-disable-line react-hooks/exhaustive-deps
  const [chosen, setMode] = useState<EditorMode>(opened.mode);
  const [refused, setRefused] = useState(false);
  const from = range?.from.valueOf();
  const to = range?.to.valueOf();
  const source = useMemo(
    () => pickerSource(datasource, range),
    [datasource, from, to] // eslint-disable-line react-hooks/exhaustive-deps
  );

  const state: BuilderState = query.builder ?? opened.state;
  const sql = query.query ?? '';
  // SQL set from elsewhere (an example, undo) that the builder did not write shows as SQL.
  const mode: EditorMode = chosen === 'builder' && canUseBuilder(state, sql) ? 'builder' : 'code';

  const switchTo = (next: EditorMode) => {
    if (next === mode) {
      return;
    }
    if (next === 'code') {
      setRefused(false);
      setMode('code');
      onChange({ ...query, editorMode: 'code', builder: state });
      return;
    }
    if (!canUseBuilder(state, sql)) {
      setRefused(true);
      return;
    }
    setRefused(false);
    setMode('builder');
    onChange(applyBuilder(query, state));
  };

  const missing = mode === 'builder' ? missingInput(state) : undefined;
  return (
    <Stack direction="column" gap={1}>
      <div style={{ alignSelf: 'flex-start' }}>
        <RadioButtonGroup<EditorMode>
          aria-label="Editor"
          size="sm"
          options={[
            { label: 'Builder', value: 'builder', icon: 'list-ul' },
            { label: 'SQL', value: 'code', icon: 'brackets-curly' },
          ]}
          value={mode}
          onChange={switchTo}
        />
      </div>
      {refused && (
        <Alert severity="info" title="The builder cannot show this SQL" onRemove={() => setRefused(false)}>
          {NOT_REPRESENTABLE}
        </Alert>
      )}
      {mode === 'builder' ? (
        <>
          <QueryBuilder state={state} source={source} onChange={(next) => onChange(applyBuilder(query, next))} />
          {missing && (
            <Text variant="bodySmall" color="warning">
              {missing}
            </Text>
          )}
          <pre data-testid="micromegas-builder-sql" aria-label="Generated SQL" style={{ margin: 0 }}>
            {sql}
          </pre>
        </>
      ) : (
        children
      )}
    </Stack>
  );
}
