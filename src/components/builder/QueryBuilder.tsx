import { Button, Combobox, InlineField, RadioButtonGroup, Stack } from '@grafana/ui';
import React, { useCallback } from 'react';

import {
  AGGREGATIONS,
  BUILDER_MODES,
  LOG_COLUMNS,
  LOG_LEVELS,
  METRIC_BINS,
  type Aggregation,
  type BuilderMode,
  type BuilderState,
  type MetricBin,
  type SpansSource,
  type SpansView,
} from './model';
import { ColumnsPicker, LABEL_WIDTH, NumberField, PickerSource, TextField, ValuePicker } from './pickers';

interface Props {
  state: BuilderState;
  onChange: (state: BuilderState) => void;
  source: PickerSource;
}

const row = { display: 'flex', flexWrap: 'wrap' as const, gap: 4, alignItems: 'center' };

/** The builder's forms: one per mode, every choice fed by the backend's resources. */
export function QueryBuilder({ state, onChange, source }: Props) {
  const set = <K extends Exclude<keyof BuilderState, 'mode'>>(key: K, patch: Partial<BuilderState[K]>) =>
    onChange({ ...state, [key]: { ...state[key], ...patch } });
  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Build" labelWidth={LABEL_WIDTH}>
        <RadioButtonGroup<BuilderMode>
          aria-label="Builder mode"
          size="sm"
          options={BUILDER_MODES.map((m) => ({ label: m.label, value: m.value, description: m.description }))}
          value={state.mode}
          onChange={(mode) => onChange({ ...state, mode })}
        />
      </InlineField>
      {state.mode === 'logs' && <LogsForm state={state} set={set} source={source} />}
      {state.mode === 'metrics' && <MetricsForm state={state} set={set} source={source} />}
      {state.mode === 'spans' && <SpansForm state={state} set={set} source={source} />}
      {state.mode === 'processes' && <ProcessesForm state={state} set={set} source={source} />}
      {state.mode === 'table' && <TableForm state={state} set={set} source={source} />}
    </Stack>
  );
}

type Setter = <K extends Exclude<keyof BuilderState, 'mode'>>(key: K, patch: Partial<BuilderState[K]>) => void;
interface FormProps {
  state: BuilderState;
  set: Setter;
  source: PickerSource;
}

function LogsForm({ state, set, source }: FormProps) {
  const s = state.logs;
  const logColumns = useCallback(() => source.columns('log_entries'), [source]);
  return (
    <>
      <div style={row}>
        <ValuePicker
          label="Process"
          tooltip="One process: its logs are read with view_instance('log_entries', process_id)"
          value={s.processId}
          load={() => source.values('processes', 'process_id', { exe: s.exe })}
          onChange={(processId) => set('logs', { processId })}
        />
        <ValuePicker
          label="Executable"
          value={s.exe}
          load={() => source.values('log_entries', 'exe')}
          onChange={(exe) => set('logs', { exe })}
        />
        <ValuePicker
          label="Computer"
          value={s.computer}
          load={() => source.values('log_entries', 'computer', { exe: s.exe })}
          onChange={(computer) => set('logs', { computer })}
        />
      </div>
      <div style={row}>
        <InlineField label="Level at least" labelWidth={LABEL_WIDTH}>
          <Combobox<number>
            width={16}
            aria-label="Level at least"
            value={s.maxLevel ?? null}
            placeholder="any"
            isClearable
            options={LOG_LEVELS.map((l) => ({ label: l.label, value: l.value }))}
            onChange={(o) => set('logs', { maxLevel: o?.value })}
          />
        </InlineField>
        <TextField
          label="Search"
          tooltip="Case-insensitive text in msg or target"
          value={s.search}
          placeholder="text in msg or target"
          onChange={(search) => set('logs', { search })}
        />
        <NumberField label="Limit" value={s.limit} onChange={(limit) => limit && set('logs', { limit })} />
      </div>
      <ColumnsPicker
        label="Columns"
        value={s.columns}
        load={async () => {
          const cols = await logColumns();
          return cols.length > 0 ? cols : LOG_COLUMNS.map((name) => ({ name, type: '' }));
        }}
        onChange={(columns) => set('logs', { columns })}
      />
    </>
  );
}

function MetricsForm({ state, set, source }: FormProps) {
  const s = state.metrics;
  const groupKey = s.groupBy.startsWith('property:') ? 'property' : s.groupBy;
  return (
    <>
      <div style={row}>
        <ValuePicker
          label="Measure"
          value={s.measure}
          placeholder="pick a measure"
          load={async () => {
            const names = await source.values('measures', 'name', { exe: s.exe });
            return names;
          }}
          onChange={(measure) => set('metrics', { measure })}
        />
        <MeasureUnit source={source} measure={s.measure} />
      </div>
      <div style={row}>
        <InlineField label="Aggregation" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<Aggregation>
            size="sm"
            options={AGGREGATIONS.map((a) => ({ label: a, value: a }))}
            value={s.aggregation}
            onChange={(aggregation) => set('metrics', { aggregation })}
          />
        </InlineField>
        <InlineField label="Bin" labelWidth={8} tooltip="auto = the panel interval ($__timeInterval)">
          <RadioButtonGroup<MetricBin>
            size="sm"
            options={METRIC_BINS.map((b) => ({ label: b === 'auto' ? '$__interval' : b, value: b }))}
            value={s.bin}
            onChange={(bin) => set('metrics', { bin })}
          />
        </InlineField>
      </div>
      <div style={row}>
        <InlineField label="Group by" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<string>
            size="sm"
            options={['none', 'exe', 'process_id', 'computer', 'property'].map((g) => ({ label: g, value: g }))}
            value={groupKey}
            onChange={(g) => set('metrics', { groupBy: g === 'property' ? 'property:version' : (g as 'none') })}
          />
        </InlineField>
        {groupKey === 'property' && (
          <TextField
            label="Property"
            value={s.groupBy.slice('property:'.length)}
            onChange={(key) => set('metrics', { groupBy: `property:${key ?? 'version'}` })}
          />
        )}
      </div>
      <div style={row}>
        <ValuePicker
          label="Process"
          value={s.processId}
          load={() => source.values('processes', 'process_id', { exe: s.exe })}
          onChange={(processId) => set('metrics', { processId })}
        />
        <ValuePicker
          label="Executable"
          value={s.exe}
          load={() => source.values('measures', 'exe', { name: s.measure })}
          onChange={(exe) => set('metrics', { exe })}
        />
      </div>
    </>
  );
}

/** The measure's unit, read from `measures.unit` over the range. */
function MeasureUnit({ source, measure }: { source: PickerSource; measure?: string }) {
  const [unit, setUnit] = React.useState<{ measure: string; text: string }>();
  React.useEffect(() => {
    let live = true;
    if (measure) {
      source
        .values('measures', 'unit', { name: measure })
        .then((u) => live && setUnit({ measure, text: u.join(', ') }));
    }
    return () => {
      live = false;
    };
  }, [source, measure]);
  // Only the unit of the measure shown now (an older answer is ignored).
  return unit && unit.measure === measure && unit.text ? (
    <span data-testid="micromegas-builder-unit">unit: {unit.text}</span>
  ) : null;
}

function SpansForm({ state, set, source }: FormProps) {
  const s = state.spans;
  return (
    <>
      <div style={row}>
        <InlineField label="Spans" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<SpansSource>
            size="sm"
            options={[
              { label: 'Thread', value: 'thread' },
              { label: 'Async', value: 'async' },
            ]}
            value={s.source}
            onChange={(src) => set('spans', { source: src })}
          />
        </InlineField>
        <InlineField label="Show" labelWidth={8}>
          <RadioButtonGroup<SpansView>
            size="sm"
            options={[
              { label: 'Slowest', value: 'slowest' },
              { label: 'Flame graph', value: 'flame_graph' },
              { label: 'Trace', value: 'trace' },
            ]}
            value={s.view}
            onChange={(view) => set('spans', { view })}
          />
        </InlineField>
      </div>
      <div style={row}>
        <ValuePicker
          label="Process"
          value={s.processId}
          load={() => source.values('processes', 'process_id')}
          onChange={(processId) => set('spans', { processId, streamId: undefined })}
        />
        {s.source === 'thread' && (
          <ValuePicker
            label="Thread"
            tooltip="A thread stream of the process (streams.stream_id)"
            value={s.streamId}
            placeholder="pick a thread stream"
            load={() => source.values('streams', 'stream_id', { process_id: s.processId })}
            onChange={(streamId) => set('spans', { streamId })}
          />
        )}
      </div>
      <div style={row}>
        <TextField label="Span name" value={s.name} placeholder="any" onChange={(name) => set('spans', { name })} />
        {s.view !== 'flame_graph' && (
          <NumberField label="Limit" value={s.limit} onChange={(limit) => limit && set('spans', { limit })} />
        )}
      </div>
    </>
  );
}

function ProcessesForm({ state, set, source }: FormProps) {
  const s = state.processes;
  return (
    <div style={row}>
      <ValuePicker
        label="Executable"
        value={s.exe}
        load={() => source.values('processes', 'exe')}
        onChange={(exe) => set('processes', { exe })}
      />
      <ValuePicker
        label="Computer"
        value={s.computer}
        load={() => source.values('processes', 'computer', { exe: s.exe })}
        onChange={(computer) => set('processes', { computer })}
      />
      <ValuePicker
        label="User"
        value={s.username}
        load={() => source.values('processes', 'username', { exe: s.exe })}
        onChange={(username) => set('processes', { username })}
      />
      <NumberField label="Limit" value={s.limit} onChange={(limit) => limit && set('processes', { limit })} />
    </div>
  );
}

function TableForm({ state, set, source }: FormProps) {
  const s = state.table;
  const table = s.table;
  const loadColumns = useCallback(() => (table ? source.columns(table) : Promise.resolve([])), [source, table]);
  const wheres = s.wheres.length > 0 ? s.wheres : [''];
  return (
    <>
      <div style={row}>
        <ValuePicker
          label="Table"
          value={s.table}
          placeholder="pick a view"
          load={async () => (await source.tables()).map((t) => t.name)}
          onChange={(t) => set('table', { table: t, columns: [] })}
        />
        <TextField
          label="Instance"
          tooltip="view_instance id: a process id (log_entries, measures, async_events) or a stream id (thread_spans); empty = the global view"
          value={s.instance}
          placeholder="global"
          onChange={(instance) => set('table', { instance })}
        />
      </div>
      <ColumnsPicker
        key={table ?? ''}
        label="Columns"
        value={s.columns}
        placeholder="* (every column)"
        load={loadColumns}
        onChange={(columns) => set('table', { columns })}
      />
      {wheres.map((w, i) => (
        <div style={row} key={i}>
          <TextField
            label={i === 0 ? 'Where' : 'And'}
            width={60}
            value={w || undefined}
            placeholder="e.g. level <= 3"
            onChange={(text) => {
              const next = [...wheres];
              next[i] = text ?? '';
              set('table', { wheres: next });
            }}
          />
          {i === wheres.length - 1 && (
            <Button
              size="sm"
              variant="secondary"
              icon="plus"
              aria-label="Add condition"
              onClick={() => set('table', { wheres: [...wheres, ''] })}
            />
          )}
        </div>
      ))}
      <div style={row}>
        <TextField label="Group by" value={s.groupBy} onChange={(groupBy) => set('table', { groupBy })} />
        <TextField label="Order by" value={s.orderBy} onChange={(orderBy) => set('table', { orderBy })} />
        <NumberField label="Limit" optional value={s.limit} onChange={(limit) => set('table', { limit })} />
      </div>
    </>
  );
}
