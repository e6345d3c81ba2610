import { InlineField, InlineSwitch, Input, RadioButtonGroup } from '@grafana/ui';
import React, { useState } from 'react';

import { MicromegasQuery, QUERY_FORMATS, QueryFormat } from '../types';

export const TIME_BINDING_TOOLTIP =
  'Sends the dashboard time range with the query: Micromegas keeps only rows in range and skips partitions outside it (partition elimination). Turn off only for queries that must see all of history.';

interface TimeBindingProps {
  value: boolean;
  onChange: (value: boolean) => void;
  labelWidth?: number;
}

export function TimeBindingSwitch({ value, onChange, labelWidth }: TimeBindingProps) {
  return (
    <InlineField label="Bind to dashboard time range" tooltip={TIME_BINDING_TOOLTIP} labelWidth={labelWidth}>
      <InlineSwitch
        aria-label="Bind to dashboard time range"
        value={value}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
    </InlineField>
  );
}

/** Parses the row limit box: empty means "no per-query limit". */
export function parseRowLimit(text: string): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') {
    return {};
  }
  const n = Number(trimmed);
  if (!Number.isInteger(n) || n <= 0) {
    return { error: 'Enter a whole number of rows greater than 0, or leave empty.' };
  }
  return { value: n };
}

interface Props {
  query: MicromegasQuery;
  onChange: (query: MicromegasQuery) => void;
  /** The data source's row limit, the ceiling for the per-query one. */
  maxRows?: number;
}

/** Format, time range binding, auto limit and row limit of a panel query. */
export function QueryOptions({ query, onChange, maxRows }: Props) {
  const shown = query.rowLimit === undefined ? '' : String(query.rowLimit);
  const [rowLimitText, setRowLimitText] = useState(shown);
  // A row limit changed from outside (undo, another editor) replaces what is typed.
  const [lastSeen, setLastSeen] = useState(query.rowLimit);
  if (lastSeen !== query.rowLimit) {
    setLastSeen(query.rowLimit);
    setRowLimitText(shown);
  }
  const parsed = parseRowLimit(rowLimitText);
  const overMax = parsed.value !== undefined && maxRows !== undefined && parsed.value > maxRows;
  const rowLimitError = parsed.error ?? (overMax ? `The data source caps results at ${maxRows} rows.` : undefined);

  return (
    <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
      <InlineField label="Format" labelWidth={10}>
        <RadioButtonGroup<QueryFormat>
          options={QUERY_FORMATS.map((f) => ({ label: f.label, value: f.value, description: f.description }))}
          value={query.format ?? 'table'}
          onChange={(format) => onChange({ ...query, format })}
          size="sm"
        />
      </InlineField>
      <TimeBindingSwitch
        value={query.timeFilter ?? true}
        onChange={(timeFilter) => onChange({ ...query, timeFilter })}
      />
      <InlineField
        label="Auto limit"
        tooltip="Caps rows at the panel's max data points (time series: points per series); a notice tells when the result was cut."
      >
        <InlineSwitch
          aria-label="Auto limit"
          value={query.autoLimit ?? true}
          onChange={(e) => onChange({ ...query, autoLimit: e.currentTarget.checked })}
        />
      </InlineField>
      <InlineField
        label="Row limit"
        tooltip={`Optional per-query row cap${maxRows ? `, at most ${maxRows}` : ''}.`}
        invalid={Boolean(rowLimitError)}
        error={rowLimitError}
      >
        <Input
          aria-label="Row limit"
          width={14}
          placeholder={maxRows ? String(maxRows) : 'none'}
          value={rowLimitText}
          onChange={(e) => setRowLimitText(e.currentTarget.value)}
          onBlur={() => {
            const p = parseRowLimit(rowLimitText);
            if (!p.error && p.value !== query.rowLimit) {
              onChange({ ...query, rowLimit: p.value });
            }
          }}
        />
      </InlineField>
    </div>
  );
}
