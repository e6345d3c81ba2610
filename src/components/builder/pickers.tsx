import { Combobox, ComboboxOption, InlineField, Input, MultiCombobox } from '@grafana/ui';
import React, { useEffect, useState } from 'react';

/** Where the pickers get their choices: the backend's resources, bounded by the panel range. */
export interface PickerSource {
  /** Distinct values of `column` in `table` over the range, narrowed by `filters` (`values` resource). */
  values(table: string, column: string, filters?: Record<string, string | undefined>): Promise<string[]>;
  tables(): Promise<Array<{ name: string; description?: string }>>;
  columns(table: string): Promise<Array<{ name: string; type: string }>>;
}

export const LABEL_WIDTH = 14;

const toOptions = (values: string[], input: string): Array<ComboboxOption<string>> =>
  values
    .filter((v) => v.toLowerCase().includes(input.toLowerCase()))
    .slice(0, 500)
    .map((v) => ({ label: v, value: v }));

interface ValuePickerProps {
  label: string;
  tooltip?: string;
  value?: string;
  placeholder?: string;
  load: () => Promise<string[]>;
  onChange: (value: string | undefined) => void;
  width?: number;
}

/** A single value from the server's distinct values (any value may be typed). */
export function ValuePicker({ label, tooltip, value, placeholder, load, onChange, width = 28 }: ValuePickerProps) {
  const id = `micromegas-builder-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <InlineField label={label} tooltip={tooltip} labelWidth={LABEL_WIDTH} htmlFor={id}>
      <Combobox<string>
        id={id}
        width={width}
        value={value ?? null}
        placeholder={placeholder ?? 'any'}
        options={async (input) => toOptions(await load(), input)}
        createCustomValue
        isClearable
        onChange={(o) => onChange(o?.value || undefined)}
      />
    </InlineField>
  );
}

interface ColumnsPickerProps {
  label: string;
  value: string[];
  load: () => Promise<Array<{ name: string; type: string }>>;
  onChange: (value: string[]) => void;
  placeholder?: string;
}

/** Several columns of a view, with their types; the columns load once per view. */
export function ColumnsPicker({ label, value, load, onChange, placeholder }: ColumnsPickerProps) {
  const [options, setOptions] = useState<Array<ComboboxOption<string>>>([]);
  useEffect(() => {
    let live = true;
    load().then((cols) => live && setOptions(cols.map((c) => ({ label: c.name, value: c.name, description: c.type }))));
    return () => {
      live = false;
    };
  }, [load]);
  // Chosen columns the list does not know (typed, or not loaded yet) stay selectable.
  const all = [...options, ...value.filter((v) => !options.some((o) => o.value === v)).map((v) => ({ value: v }))];
  const id = `micromegas-builder-${label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <InlineField label={label} labelWidth={LABEL_WIDTH} htmlFor={id} grow>
      <MultiCombobox<string>
        id={id}
        options={all}
        value={value}
        placeholder={placeholder}
        createCustomValue
        isClearable
        onChange={(opts) => onChange(opts.map((o) => o.value))}
      />
    </InlineField>
  );
}

interface TextProps {
  label: string;
  tooltip?: string;
  value?: string;
  placeholder?: string;
  onChange: (value: string | undefined) => void;
  width?: number;
}

/** Free text committed on blur or Enter, so typing never rewrites the SQL per keystroke. */
export function TextField({ label, tooltip, value, placeholder, onChange, width = 28 }: TextProps) {
  const [text, setText] = useState(value ?? '');
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value ?? '');
  }
  const commit = () => {
    const next = text.trim() === '' ? undefined : text;
    if (next !== value) {
      onChange(next);
    }
  };
  return (
    <InlineField label={label} tooltip={tooltip} labelWidth={LABEL_WIDTH}>
      <Input
        aria-label={label}
        width={width}
        value={text}
        placeholder={placeholder}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            commit();
          }
        }}
      />
    </InlineField>
  );
}

/** A positive whole number (row limits); anything else keeps the previous value. */
export function NumberField({
  label,
  value,
  onChange,
  optional,
}: {
  label: string;
  value?: number;
  onChange: (value: number | undefined) => void;
  optional?: boolean;
}) {
  return (
    <TextField
      label={label}
      width={12}
      value={value === undefined ? undefined : String(value)}
      placeholder={optional ? 'none' : undefined}
      onChange={(text) => {
        if (text === undefined) {
          if (optional) {
            onChange(undefined);
          }
          return;
        }
        const n = Number(text);
        if (Number.isInteger(n) && n > 0) {
          onChange(n);
        }
      }}
    />
  );
}
