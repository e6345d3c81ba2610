// Grafana's global time variables ($__from, $__to, $__range, …). In dashboards Grafana's
// frontend replaces them before the backend sees the SQL; alert rules and API calls never
// pass through the browser, so the backend renders them here exactly as the frontend does:
// as plain text, wherever they appear (also inside quotes and comments).
import moment from 'moment';

import { readVariableRef, type VariableRef } from '../../src/shared/sql';

import { MacroError } from './macros-error';

export interface TimeVariableContext {
  from: Date;
  to: Date;
}

const TIME_VARIABLES = ['__from', '__to', '__range', '__range_s', '__range_ms'] as const;
type TimeVariable = (typeof TIME_VARIABLES)[number];

export type TimeVariableRef = VariableRef & { name: TimeVariable };

export function isTimeVariableRef(ref: VariableRef): ref is TimeVariableRef {
  return (TIME_VARIABLES as readonly string[]).includes(ref.name);
}

/** The documented forms, for error messages and docs/macros.md. */
export const TIME_VARIABLE_FORMS: readonly string[] = [
  '$__from',
  '$__to',
  '${__from:date}',
  '${__from:date:iso}',
  '${__from:date:seconds}',
  '${__from:date:ms}',
  '${__from:date:<format>}',
  '$__range',
  '$__range_s',
  '$__range_ms',
];

function epochMs(d: Date, ref: VariableRef): number {
  const ms = d.getTime();
  if (Number.isNaN(ms)) {
    throw new MacroError(`${ref.text} needs the panel time range, but the request carries none`);
  }
  return ms;
}

function unsupported(ref: VariableRef, detail: string, forms: string): MacroError {
  return new MacroError(`${ref.text}: ${detail}; the backend renders ${forms}`);
}

/** `$__from` / `$__to` with Grafana's `date` formats (the frontend's format registry). */
function renderBound(ms: number, ref: VariableRef): string {
  const forms = `\${${ref.name}}, \${${ref.name}:date}, \${${ref.name}:date:iso}, \${${ref.name}:date:seconds}, \${${ref.name}:date:ms} and \${${ref.name}:date:<format>}`;
  if (ref.format === undefined || ref.format === 'raw') {
    return String(ms);
  }
  const [kind, ...args] = ref.format.split(':');
  if (kind !== 'date') {
    throw unsupported(ref, `format "${kind}" is not available for ${ref.name}`, forms);
  }
  const arg = args[0] ?? 'iso';
  switch (arg) {
    case 'ms':
      return String(ms);
    case 'seconds':
      // Rounded, not truncated: the frontend uses Math.round.
      return String(Math.round(ms / 1000));
    case 'iso':
      // Always with milliseconds (`…T00:00:00.000Z`), like moment's toISOString.
      return new Date(ms).toISOString();
    default:
      if (arg.trim() === '') {
        throw unsupported(ref, 'empty date format', forms);
      }
      // Custom moment format (may contain ':'). The browser renders it in its own time
      // zone; the backend has none, so UTC (documented).
      return moment.utc(ms).format(args.join(':'));
  }
}

/** Renders a Grafana time variable as the frontend would (throws MacroError for unsupported forms). */
export function renderTimeVariable(ref: TimeVariableRef, ctx: TimeVariableContext): string {
  if (ref.fieldPath !== undefined) {
    throw unsupported(ref, `${ref.name} has no field "${ref.fieldPath}"`, TIME_VARIABLE_FORMS.join(', '));
  }
  if (ref.name === '__from' || ref.name === '__to') {
    return renderBound(epochMs(ref.name === '__from' ? ctx.from : ctx.to, ref), ref);
  }
  if (ref.format !== undefined && ref.format !== 'raw') {
    throw unsupported(ref, `format "${ref.format}" is not available for ${ref.name}`, `\${${ref.name}}`);
  }
  // Grafana's range variables: exact milliseconds, rounded seconds, `<seconds>s`.
  const rangeMs = epochMs(ctx.to, ref) - epochMs(ctx.from, ref);
  const rangeS = Math.round(rangeMs / 1000);
  switch (ref.name) {
    case '__range_ms':
      return String(rangeMs);
    case '__range_s':
      return String(rangeS);
    default:
      return `${rangeS}s`;
  }
}

/**
 * Replaces the time variables in a piece of text (a string literal, quoted identifier or
 * comment, where Grafana's frontend replaces them too). Everything else is left as written.
 */
export function expandTimeVariables(text: string, ctx: TimeVariableContext): string {
  if (!text.includes('__')) {
    return text;
  }
  const out: string[] = [];
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const ref = readVariableRef(text, i);
    if (!ref) {
      i++;
      continue;
    }
    if (isTimeVariableRef(ref)) {
      out.push(text.slice(copied, i), renderTimeVariable(ref, ctx));
      copied = i + ref.text.length;
    }
    i += ref.text.length;
  }
  out.push(text.slice(copied));
  return out.join('');
}
