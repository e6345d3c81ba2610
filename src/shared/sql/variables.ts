// Grafana template variables and macros as they appear in SQL text: `$name`, `${name}`,
// `${name.path}`, `${name:format}`, `[[name]]`, `[[name:format]]` (Grafana's templateSrv
// variable syntax) and macro calls `$__name(…)`. Read by the backend's macro expansion and
// by the frontend's placeholders (formatter, interpolation); dependency-free.
import { parseArgs } from './lexer';

/** One template variable reference, in any of Grafana's three syntaxes. */
export interface VariableRef {
  /** The reference as written, e.g. `${__from:date:iso}`. */
  text: string;
  /** Variable name without `$`, e.g. `__from`. */
  name: string;
  syntax: 'plain' | 'braced' | 'bracketed';
  /** What follows the first `:` (`date:iso`), if any. */
  format?: string;
  /** `${name.path}` field path, if any. */
  fieldPath?: string;
}

// `${…}` and `[[…]]` end on their line: an unclosed one is not a reference (and is never
// scanned past its line, which keeps a text with many of them linear).
const REF = /\$(\w+)|\$\{(\w+)(?:\.([^:}\n]+))?(?::([^}\n]+))?\}|\[\[(\w+?)(?::(\w+))?\]\]/y;

/** Reads the variable reference starting at `i`, if there is one. */
export function readVariableRef(sql: string, i: number): VariableRef | undefined {
  const c = sql[i];
  if (c !== '$' && c !== '[') {
    return undefined;
  }
  REF.lastIndex = i;
  const m = REF.exec(sql);
  if (!m) {
    return undefined;
  }
  if (m[1] !== undefined) {
    return { text: m[0], name: m[1], syntax: 'plain' };
  }
  if (m[2] !== undefined) {
    return { text: m[0], name: m[2], syntax: 'braced', fieldPath: m[3], format: m[4] };
  }
  return { text: m[0], name: m[5], syntax: 'bracketed', format: m[6] };
}

export interface TemplateSpan {
  start: number;
  /** Exclusive; a macro call's span includes its argument list. */
  end: number;
  text: string;
  ref: VariableRef;
}

/**
 * Every variable reference and macro call of the text, in order, wherever it is (Grafana's
 * frontend replaces variables inside quotes and comments too). `$__name(…)` swallows its
 * balanced argument list, so `$__timeFilter(time)` is one span.
 */
export function templateSpans(sql: string): TemplateSpan[] {
  const spans: TemplateSpan[] = [];
  let i = sql.indexOf('$') < 0 && sql.indexOf('[[') < 0 ? sql.length : 0;
  // An unclosed argument list is read to the end of the text; after one, later calls are
  // taken without their arguments, so a text of many unclosed calls stays linear (the
  // backend rejects the first one anyway).
  let unclosedSeen = false;
  while (i < sql.length) {
    const ref = readVariableRef(sql, i);
    if (!ref) {
      i++;
      continue;
    }
    let end = i + ref.text.length;
    if (!unclosedSeen && ref.syntax === 'plain' && ref.name.startsWith('__') && sql[end] === '(') {
      const args = parseArgs(sql, end);
      if (args) {
        end = args.end;
      } else {
        unclosedSeen = true;
      }
    }
    spans.push({ start: i, end, text: sql.slice(i, end), ref });
    i = end;
  }
  return spans;
}
