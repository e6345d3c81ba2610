import { AnnotationEvent, DataFrame, Field, FieldType, MetricFindValue } from '@grafana/data';

import { AnnotationOptions, VariableOptions } from '../types';

function findField(frame: DataFrame, name: string): Field | undefined {
  return (
    frame.fields.find((f) => f.name === name) ?? frame.fields.find((f) => f.name.toLowerCase() === name.toLowerCase())
  );
}

function columnList(frame: DataFrame): string {
  return frame.fields.map((f) => f.name).join(', ') || '(none)';
}

function requireField(frame: DataFrame, name: string, role: string): Field {
  const field = findField(frame, name);
  if (!field) {
    throw new Error(`The ${role} column "${name}" is not in the result; the query returns: ${columnList(frame)}.`);
  }
  return field;
}

function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * Variable options from query results: the value column (named, else `value`, else the
 * first column) and the text column (named, else `text`, else the value). Nulls are
 * skipped and duplicate (value, text) pairs dropped, keeping the query's order.
 */
export function framesToVariableValues(frames: DataFrame[], options: VariableOptions = {}): MetricFindValue[] {
  const out: MetricFindValue[] = [];
  const seen = new Set<string>();
  for (const frame of frames) {
    if (frame.fields.length === 0) {
      continue;
    }
    const valueField = options.valueField
      ? requireField(frame, options.valueField, 'value')
      : (findField(frame, 'value') ?? frame.fields[0]);
    const textField = options.textField
      ? requireField(frame, options.textField, 'text')
      : (findField(frame, 'text') ?? valueField);
    for (let i = 0; i < frame.length; i++) {
      const value = asText(valueField.values[i]);
      const text = asText(textField.values[i]) ?? value;
      if (value === undefined || text === undefined) {
        continue;
      }
      const key = JSON.stringify([value, text]);
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ text, value });
      }
    }
  }
  return out;
}

function asEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const asNumber = Number(value);
    if (Number.isFinite(asNumber)) {
      return asNumber;
    }
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  if (value instanceof Date) {
    return value.getTime();
  }
  return undefined;
}

function asTags(value: unknown): string[] {
  if (value === null || value === undefined || value === '') {
    return [];
  }
  if (Array.isArray(value)) {
    return value.filter((v) => v !== null && v !== undefined).map(String);
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed)) {
          return asTags(parsed);
        }
      } catch {
        // Not JSON after all: fall through to comma splitting.
      }
    }
    return trimmed
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  }
  return [String(value)];
}

export const ANNOTATION_DEFAULTS: Required<AnnotationOptions> = {
  timeField: 'time',
  timeEndField: 'time_end',
  textField: 'text',
  tagsField: 'tags',
};

/**
 * Annotation events from query results. Columns are picked by name (configurable, with
 * the defaults above); without a named time column the first time-typed column is used.
 * `time_end` and `tags` are optional unless named explicitly.
 */
export function framesToAnnotations(frames: DataFrame[], options: AnnotationOptions = {}): AnnotationEvent[] {
  const events: AnnotationEvent[] = [];
  for (const frame of frames) {
    if (frame.fields.length === 0 || frame.length === 0) {
      continue;
    }
    const timeField = options.timeField
      ? requireField(frame, options.timeField, 'time')
      : (findField(frame, ANNOTATION_DEFAULTS.timeField) ?? frame.fields.find((f) => f.type === FieldType.time));
    if (!timeField) {
      throw new Error(`Annotations need a time column (name one "time"); the query returns: ${columnList(frame)}.`);
    }
    const endField = options.timeEndField
      ? requireField(frame, options.timeEndField, 'end time')
      : (findField(frame, ANNOTATION_DEFAULTS.timeEndField) ?? findField(frame, 'timeEnd'));
    const textField = options.textField
      ? requireField(frame, options.textField, 'text')
      : (findField(frame, ANNOTATION_DEFAULTS.textField) ??
        frame.fields.find((f) => f.type === FieldType.string && f !== timeField));
    const tagsField = options.tagsField
      ? requireField(frame, options.tagsField, 'tags')
      : findField(frame, ANNOTATION_DEFAULTS.tagsField);
    for (let i = 0; i < frame.length; i++) {
      const time = asEpochMs(timeField.values[i]);
      if (time === undefined) {
        continue;
      }
      const timeEnd = endField ? asEpochMs(endField.values[i]) : undefined;
      const event: AnnotationEvent = {
        time,
        text: textField ? (asText(textField.values[i]) ?? '') : '',
        tags: tagsField ? asTags(tagsField.values[i]) : [],
      };
      if (timeEnd !== undefined && timeEnd !== time) {
        event.timeEnd = timeEnd;
        event.isRegion = true;
      }
      events.push(event);
    }
  }
  return events;
}
