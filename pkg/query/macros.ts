// SQL macros: the upstream Micromegas plugin's set with the same expansions, plus
// $__timeInterval. Expansion happens in code only (never inside strings, quoted
// identifiers or comments), with real argument parsing. Grafana's global time variables
// ($__from, $__to, $__range…) are rendered too (macros-globals.ts), like the frontend does.
import { adhocCondition, type AdhocFilter } from './adhoc';
import { intervalText, normalizeIntervalLiteral } from './duration';
import { MacroError } from './macros-error';
import { parseArgs, readVariableRef, segments, type VariableRef } from '../../src/shared/sql';
import { expandTimeVariables, isTimeVariableRef, renderTimeVariable, TIME_VARIABLE_FORMS } from './macros-globals';

export { intervalText, MacroError };

export interface MacroContext {
  from: Date;
  to: Date;
  /** Panel interval in ms (> 0). */
  intervalMs: number;
  /**
   * The query's ad hoc filters; `used` is set when $__adhocFilters expands, so the caller
   * knows not to apply them a second time around the statement.
   */
  adhoc?: { filters: readonly AdhocFilter[]; used?: boolean };
}

/** A documented macro, as listed by the `functions` resource and docs/macros.md. */
export interface MacroDoc {
  name: string;
  signature: string;
  description: string;
}

const TIME_GROUP_UNITS = ['minute', 'hour', 'day', 'month', 'year'] as const;
type TimeGroupUnit = (typeof TIME_GROUP_UNITS)[number];

interface MacroDef extends MacroDoc {
  /** 'none': takes no argument list; 'optional': `()` may follow; 'required': must have `(…)`. */
  parens: 'none' | 'optional' | 'required';
  expand(args: string[], ctx: MacroContext): string;
}

/** RFC 3339 in UTC; whole seconds render without a fraction (upstream form), else milliseconds. */
export function rfc3339(d: Date): string {
  if (Number.isNaN(d.getTime())) {
    throw new MacroError('needs the panel time range, but the request carries none');
  }
  return d.toISOString().replace('.000Z', 'Z');
}

function one(name: string, args: string[], shape = '(column)'): string {
  if (args.length !== 1 || args[0] === '') {
    throw new MacroError(`$__${name} expects ${shape}; got ${describeArgs(args)}`);
  }
  return args[0];
}

function describeArgs(args: string[]): string {
  if (args.length === 0) {
    return 'no arguments';
  }
  return `(${args.join(', ')})`;
}

/** Derives `<name><suffix>` from a column reference (plain, quoted or qualified). */
function aliasFor(name: string, column: string, suffix: string): string {
  const parts = column.match(
    /^(?:(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)\s*\.\s*)*("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)$/
  );
  if (!parts) {
    throw new MacroError(
      `$__${name} needs a column name to derive its alias; got ${column}. Use the non-alias macro with AS <name> instead`
    );
  }
  const last = parts[1];
  if (last.startsWith('"')) {
    return `"${last.slice(1, -1)}${suffix}"`;
  }
  return `${last}${suffix}`;
}

function dateBin(column: string, ctx: MacroContext): string {
  return `date_bin(interval '${intervalText(ctx.intervalMs)}', ${column}, timestamp '1970-01-01T00:00:00Z')`;
}

function timeGroupUnit(name: string, args: string[]): { column: string; unit: TimeGroupUnit } {
  const shape = `(column, unit) with unit one of ${TIME_GROUP_UNITS.join('|')}`;
  if (args.length !== 2 || args[0] === '') {
    throw new MacroError(`$__${name} expects ${shape}; got ${describeArgs(args)}`);
  }
  const unit = args[1]
    .replace(/^'(.*)'$/, '$1')
    .replace(/^"(.*)"$/, '$1')
    .trim()
    .toLowerCase();
  if (!(TIME_GROUP_UNITS as readonly string[]).includes(unit)) {
    throw new MacroError(`$__${name} expects ${shape}; got unit ${args[1]}`);
  }
  return { column: args[0], unit: unit as TimeGroupUnit };
}

function timeGroup(column: string, unit: TimeGroupUnit, alias: boolean, name: string): string {
  const units = TIME_GROUP_UNITS.slice(TIME_GROUP_UNITS.indexOf(unit));
  return units
    .map((u) => `datepart('${u}', ${column})${alias ? ` as ${aliasFor(name, column, `_${u}`)}` : ''}`)
    .join(',');
}

const DEFS: MacroDef[] = [
  {
    name: '$__timeFilter',
    signature: '$__timeFilter(column)',
    description:
      'column within the panel time range: column >= from AND column <= to (RFC 3339 UTC literals, pruning-friendly)',
    parens: 'required',
    expand: (args, ctx) => {
      const c = one('timeFilter', args);
      return `${c} >= '${rfc3339(ctx.from)}' AND ${c} <= '${rfc3339(ctx.to)}'`;
    },
  },
  {
    name: '$__timeRange',
    signature: '$__timeRange(column)',
    description: 'same as $__timeFilter(column)',
    parens: 'required',
    expand: (args, ctx) => {
      const c = one('timeRange', args);
      return `${c} >= '${rfc3339(ctx.from)}' AND ${c} <= '${rfc3339(ctx.to)}'`;
    },
  },
  {
    name: '$__timeRangeFrom',
    signature: '$__timeRangeFrom(column)',
    description: "column at or after the range start: column >= 'from'",
    parens: 'required',
    expand: (args, ctx) => `${one('timeRangeFrom', args)} >= '${rfc3339(ctx.from)}'`,
  },
  {
    name: '$__timeRangeTo',
    signature: '$__timeRangeTo(column)',
    description: "column at or before the range end: column <= 'to'",
    parens: 'required',
    expand: (args, ctx) => `${one('timeRangeTo', args)} <= '${rfc3339(ctx.to)}'`,
  },
  {
    name: '$__timeFrom',
    signature: '$__timeFrom()',
    description: "range start as a timestamp: cast('from' as timestamp); arguments are ignored",
    parens: 'optional',
    expand: (_args, ctx) => `cast('${rfc3339(ctx.from)}' as timestamp)`,
  },
  {
    name: '$__timeTo',
    signature: '$__timeTo()',
    description: "range end as a timestamp: cast('to' as timestamp); arguments are ignored",
    parens: 'optional',
    expand: (_args, ctx) => `cast('${rfc3339(ctx.to)}' as timestamp)`,
  },
  {
    name: '$__interval',
    signature: '$__interval',
    description: "the panel interval as an SQL interval: interval 'N second' (milliseconds below 1 s)",
    parens: 'none',
    expand: (_args, ctx) => `interval '${intervalText(ctx.intervalMs)}'`,
  },
  {
    name: '$__interval_ms',
    signature: '$__interval_ms',
    description: 'the panel interval in milliseconds, as an integer',
    parens: 'none',
    expand: (_args, ctx) => `${Math.floor(ctx.intervalMs)}`,
  },
  {
    name: '$__dateBin',
    signature: '$__dateBin(column)',
    description:
      "column binned on the panel interval: date_bin(interval 'N second', column, timestamp '1970-01-01T00:00:00Z')",
    parens: 'required',
    expand: (args, ctx) => dateBin(one('dateBin', args), ctx),
  },
  {
    name: '$__dateBinAlias',
    signature: '$__dateBinAlias(column)',
    description: '$__dateBin(column) as column_binned',
    parens: 'required',
    expand: (args, ctx) => {
      const c = one('dateBinAlias', args);
      return `${dateBin(c, ctx)} as ${aliasFor('dateBinAlias', c, '_binned')}`;
    },
  },
  {
    name: '$__timeInterval',
    signature: '$__timeInterval(column)',
    description: 'column binned on the panel interval (date_bin, like $__dateBin); alias it AS time for time series',
    parens: 'required',
    expand: (args, ctx) => dateBin(one('timeInterval', args), ctx),
  },
  {
    name: '$__timeGroup',
    signature: '$__timeGroup(column, unit)',
    description:
      'calendar parts from unit up to year: datepart(unit, column),…,datepart(year, column); unit one of minute|hour|day|month|year',
    parens: 'required',
    expand: (args) => {
      const { column, unit } = timeGroupUnit('timeGroup', args);
      return timeGroup(column, unit, false, 'timeGroup');
    },
  },
  {
    name: '$__timeGroupAlias',
    signature: '$__timeGroupAlias(column, unit)',
    description: '$__timeGroup with aliases column_minute, column_hour, …',
    parens: 'required',
    expand: (args) => {
      const { column, unit } = timeGroupUnit('timeGroupAlias', args);
      return timeGroup(column, unit, true, 'timeGroupAlias');
    },
  },
  {
    name: '$__adhocFilters',
    signature: '$__adhocFilters',
    description:
      "the dashboard's ad hoc filters as conditions (key = 'value' AND …), 1=1 without filters; without it they filter the query's result",
    parens: 'optional',
    expand: (_args, ctx) => {
      if (ctx.adhoc) {
        ctx.adhoc.used = true;
      }
      return adhocCondition(ctx.adhoc?.filters ?? []);
    },
  },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name, d]));

/** The macro reference (name, signature, one-line description). */
export const MACROS: readonly MacroDoc[] = DEFS.map(({ name, signature, description }) => ({
  name,
  signature,
  description,
}));

/** Whether the code just before offset `i` ends with the word INTERVAL (then blanks). */
function afterIntervalKeyword(sql: string, i: number): boolean {
  let j = i;
  while (j > 0 && /\s/.test(sql[j - 1])) {
    j--;
  }
  return j >= 8 && sql.slice(j - 8, j).toLowerCase() === 'interval' && (j === 8 || !/[A-Za-z0-9_$]/.test(sql[j - 9]));
}

/**
 * A `$__name`, `${__name…}` or `[[__name…]]` the backend does not know. In a dashboard
 * Grafana's frontend would have replaced it (or it is a typo); alert rules and API calls
 * have no frontend, so the message says what is available and what is not.
 */
function unknownVariable(text: string): MacroError {
  return new MacroError(
    `unknown macro or variable ${text}; known macros: ${DEFS.map((d) => d.name).join(', ')}; ` +
      `Grafana time variables: ${TIME_VARIABLE_FORMS.join(', ')}. ` +
      `Other Grafana variables (dashboard variables such as $host, $__dashboard, $__user, …) are replaced by ` +
      `Grafana's frontend in dashboards only: alert rules and API calls never pass through it, so write the value into the query there`
  );
}

/** Braced or bracketed `$__interval` / `$__interval_ms` (any format): our frontend leaves them to us. */
function intervalVariable(ref: VariableRef): MacroDef | undefined {
  if (ref.syntax === 'plain' || ref.fieldPath !== undefined) {
    return undefined;
  }
  if (ref.name === '__interval' || ref.name === '__interval_ms') {
    return BY_NAME.get(`$${ref.name}`);
  }
  return undefined;
}

/**
 * Expands every macro in `sql` and Grafana's time variables (also inside strings and
 * comments, as the frontend's text replacement does). Also rewrites Grafana duration text
 * inside INTERVAL string literals (`INTERVAL '30s'` → `INTERVAL '30 second'`,
 * `INTERVAL '$__interval'` → the panel interval), which is what the frontend leaves after
 * replacing `$__interval`. Dashboard variables (`$host`, `${host}`) are left as written.
 */
export function expandMacros(sql: string, ctx: MacroContext): string {
  // One pass over the lexer's segments; the output is collected in parts and joined once,
  // so the work is linear in the text (a multi-value variable can make it megabytes).
  const out: string[] = [];
  const segs = segments(sql);
  let k = 0;
  let i = 0;
  while (k < segs.length) {
    const seg = segs[k];
    const segEnd = seg.start + seg.text.length;
    if (segEnd <= i) {
      k++; // consumed by a macro's argument list
      continue;
    }
    if (seg.kind !== 'code') {
      const token = expandTimeVariables(seg.text, ctx);
      out.push(
        seg.kind === 'string' && afterIntervalKeyword(sql, seg.start)
          ? normalizeIntervalLiteral(token, ctx.intervalMs)
          : token
      );
      i = segEnd;
      k++;
      continue;
    }
    i = Math.max(i, seg.start);
    let copied = i;
    while (i < segEnd) {
      const c = sql[i];
      const ref = c === '$' || c === '[' ? readVariableRef(sql, i) : undefined;
      if (!ref) {
        i++;
        continue;
      }
      if (i > copied) {
        out.push(sql.slice(copied, i));
      }
      const expanded = expandRef(sql, i, ref, ctx);
      out.push(expanded.text);
      i = expanded.end;
      copied = i;
    }
    if (copied < segEnd && copied < i) {
      out.push(sql.slice(copied, Math.min(i, segEnd)));
    }
    k++;
  }
  return out.join('');
}

/** The expansion of the reference at `i` and the offset after it (with its argument list). */
function expandRef(sql: string, i: number, ref: VariableRef, ctx: MacroContext): { text: string; end: number } {
  const end = i + ref.text.length;
  if (isTimeVariableRef(ref)) {
    return { text: renderTimeVariable(ref, ctx), end };
  }
  const interval = intervalVariable(ref);
  if (interval) {
    return { text: interval.expand([], ctx), end };
  }
  if (!ref.name.startsWith('__')) {
    // A dashboard variable the frontend did not replace: not ours to judge.
    return { text: ref.text, end };
  }
  if (ref.syntax === 'braced') {
    // Never valid SQL: a Grafana variable only the frontend knows (or a typo).
    throw unknownVariable(ref.text);
  }
  if (ref.syntax === 'bracketed') {
    // `[[__x]]` may be a nested array literal of a column named __x: leave it.
    return { text: ref.text, end };
  }
  const def = BY_NAME.get(ref.text);
  if (!def) {
    throw unknownVariable(ref.text);
  }
  let after = end;
  let args: string[] = [];
  if (def.parens !== 'none' && sql[end] === '(') {
    const parsed = parseArgs(sql, end);
    if (!parsed) {
      throw new MacroError(`${def.name}: missing closing parenthesis in ${def.signature}`);
    }
    // Macros inside arguments expand first (e.g. a nested $__interval).
    args = parsed.args.map((a) => expandMacros(a, ctx));
    after = parsed.end;
  } else if (def.parens === 'required') {
    throw new MacroError(`${def.name} expects an argument list: ${def.signature}`);
  }
  try {
    return { text: def.expand(args, ctx), end: after };
  } catch (e) {
    if (e instanceof MacroError && !e.message.startsWith('$__')) {
      throw new MacroError(`${def.name} ${e.message}`);
    }
    throw e;
  }
}
