import { Combobox, ComboboxOption, InlineField } from '@grafana/ui';
import React from 'react';

import { ColumnInfo } from '../types';
import { OPTION_INPUT_WIDTH, OPTION_LABEL_WIDTH } from './layout';

interface Props {
  label: string;
  tooltip: string;
  value?: string;
  placeholder: string;
  columns: ColumnInfo[];
  onChange: (column: string | undefined) => void;
  labelWidth?: number;
}

/** Picks a result column by name; any name may be typed when the columns are unknown. */
export function ColumnPicker({
  label,
  tooltip,
  value,
  placeholder,
  columns,
  onChange,
  labelWidth = OPTION_LABEL_WIDTH,
}: Props) {
  const id = `micromegas-column-${label.toLowerCase().replace(/\W+/g, '-')}`;
  const options: Array<ComboboxOption<string>> = columns.map((c) => ({
    label: c.name,
    value: c.name,
    description: c.type,
  }));
  return (
    <InlineField label={label} tooltip={tooltip} labelWidth={labelWidth} htmlFor={id}>
      <Combobox<string>
        id={id}
        width={OPTION_INPUT_WIDTH}
        options={options}
        value={value ?? null}
        placeholder={placeholder}
        createCustomValue
        isClearable
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}
