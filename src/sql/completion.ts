import {
  ColumnDefinition,
  CompletionItemInsertTextRule,
  CompletionItemKind,
  CompletionItemPriority,
  LanguageCompletionProvider,
  LanguageDefinition,
  PositionContext,
  StatementPosition,
  SuggestionKind,
  SuggestionKindProvider,
  TableDefinition,
} from '@grafana/plugin-ui';

import { interpolateSql } from '../query/interpolate';
import { SchemaClient } from '../resources';
import { ColumnInfo, FunctionInfo, TableInfo } from '../types';
import { columnPrefixBefore, wordRangeAtCursor } from './cursorWord';
import { formatSql } from './format';
import { tablesInStatement } from './tableRefs';

type SQLCompletionItemProvider = ReturnType<LanguageCompletionProvider>;
type CustomSuggestion = Awaited<ReturnType<ReturnType<SuggestionKindProvider>[number]['suggestionsResolver']>>[number];

/** Statement position of a column name being typed right before the cursor (see cursorWord.ts). */
export const COLUMN_PREFIX_POSITION = 'micromegas-column-prefix';

/** Where plugin-ui itself asks for columns (its own registry, mirrored for our resolver). */
const PLUGIN_UI_COLUMN_POSITIONS: string[] = [
  StatementPosition.AfterSelectKeyword,
  StatementPosition.AfterSelectArguments,
  StatementPosition.AfterSelectFuncFirstArgument,
  StatementPosition.SelectAlias,
  StatementPosition.WhereKeyword,
  StatementPosition.AfterWhereValue,
  StatementPosition.AfterWhereFunctionArgument,
  StatementPosition.AfterGroupByKeywords,
  StatementPosition.AfterGroupByFunctionArgument,
  StatementPosition.AfterOrderByKeywords,
];

/** Where a function or macro call makes sense in a statement. */
const EXPRESSION_POSITIONS = [
  COLUMN_PREFIX_POSITION,
  StatementPosition.AfterSelectKeyword,
  StatementPosition.AfterSelectArguments,
  StatementPosition.AfterSelectFuncFirstArgument,
  StatementPosition.SelectAlias,
  StatementPosition.WhereKeyword,
  StatementPosition.WhereValue,
  StatementPosition.AfterWhereValue,
  StatementPosition.AfterWhereFunctionArgument,
  StatementPosition.AfterGroupByKeywords,
  StatementPosition.AfterGroupByFunctionArgument,
  StatementPosition.AfterOrderByKeywords,
];

/** Snippet text for a table entry: view sets and table functions need their arguments. */
export function tableCompletion(table: TableInfo): string {
  if (table.kind === 'view_set') {
    return `view_instance('${table.name}', '\${1:process_id}')`;
  }
  if (table.kind === 'function') {
    return `${table.name}($1)`;
  }
  return table.name;
}

export function toTableDefinitions(tables: TableInfo[]): TableDefinition[] {
  return tables.map((t) => ({ name: t.name, completion: tableCompletion(t) }));
}

/** Columns of every table the statement reads, labelled with their type (and table when ambiguous). */
export async function columnsForStatement(schema: SchemaClient, sql: string): Promise<ColumnDefinition[]> {
  const tables = tablesInStatement(sql);
  const perTable = await Promise.all(tables.map(async (t) => ({ table: t, columns: await schema.columns(t) })));
  const out: ColumnDefinition[] = [];
  const seen = new Set<string>();
  for (const { table, columns } of perTable) {
    for (const c of columns) {
      if (seen.has(c.name)) {
        continue;
      }
      seen.add(c.name);
      out.push({
        name: c.name,
        type: columnType(c),
        description: `${table}.${c.name}`,
        completion: quoteIfNeeded(c.name),
      });
    }
  }
  return out;
}

function columnType(c: ColumnInfo): string {
  return c.nullable ? `${c.type} (nullable)` : c.type;
}

/**
 * Completion items for the statement's columns, replacing the word typed before the cursor.
 * Only the column-prefix position with the cursor away from its word (several spaces
 * after it) gives nothing: inserting there would not complete anything.
 */
export async function columnSuggestions(
  schema: SchemaClient,
  sql: string,
  ctx: PositionContext
): Promise<CustomSuggestion[]> {
  const range = wordRangeAtCursor(ctx);
  const askedByPluginUi = ctx.statementPosition.some((p) => PLUGIN_UI_COLUMN_POSITIONS.includes(p));
  if (!range && !askedByPluginUi) {
    return [];
  }
  const columns = await columnsForStatement(schema, sql);
  return columns.map((c) => ({
    label: c.name,
    insertText: c.completion ?? c.name,
    kind: CompletionItemKind.Field,
    sortText: CompletionItemPriority.High,
    detail: c.type,
    documentation: c.description,
    ...(range ? { range } : {}),
  }));
}

/** Names with dots or capitals (`"processes.exe"`) must be double-quoted in DataFusion. */
export function quoteIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** Completion items for Micromegas functions and Grafana macros, each with its one-line doc. */
export function functionSuggestions(functions: FunctionInfo[], macros: FunctionInfo[]): CustomSuggestion[] {
  const toItem = (f: FunctionInfo, isMacro: boolean): CustomSuggestion => {
    const label = isMacro && !f.name.startsWith('$') ? `$${f.name}` : f.name;
    const takesArgs = !isMacro || /\(/.test(f.signature);
    return {
      label,
      insertText: takesArgs ? `${label}($0)` : label,
      insertTextRules: CompletionItemInsertTextRule.InsertAsSnippet,
      kind: isMacro ? CompletionItemKind.Snippet : CompletionItemKind.Function,
      detail: f.signature,
      documentation: f.description,
      sortText: isMacro ? CompletionItemPriority.MediumHigh : CompletionItemPriority.Medium,
    };
  };
  return [...macros.map((m) => toItem(m, true)), ...functions.map((f) => toItem(f, false))];
}

/** Variables applied where possible (a `$process_id` in view_instance), else the raw text. */
function withVariables(sql: string): string {
  try {
    return interpolateSql(sql, {});
  } catch {
    return sql;
  }
}

/**
 * The SQL language for plugin-ui's SQLEditor: standard SQL highlighting and keywords, plus
 * tables, columns (of the tables in the current statement, with types), Micromegas
 * functions and macros from the backend. All lookups are asynchronous and cached, and
 * resolve to nothing when the backend cannot answer, so typing is never held up.
 */
export function micromegasSqlLanguage(schema: SchemaClient, currentSql: () => string): LanguageDefinition {
  return {
    id: 'sql',
    formatter: formatSql,
    completionProvider: (): SQLCompletionItemProvider => ({
      triggerCharacters: ['.', ' ', '$', ',', '(', '\n'],
      tables: { resolve: async () => toTableDefinitions(await schema.tables()) },
      // plugin-ui misreads `SELECT ms| FROM t` (cursor right after a word) as "before FROM".
      customStatementPlacement: () => [
        { id: COLUMN_PREFIX_POSITION, resolve: (currentToken) => columnPrefixBefore(currentToken) !== null },
      ],
      customSuggestionKinds: () => [
        {
          // Replaces plugin-ui's column lookup, which only knows the identifier after FROM
          // (not view_instance(...), joins, or a word typed before the cursor).
          id: SuggestionKind.Columns,
          overrideDefault: true,
          applyTo: [COLUMN_PREFIX_POSITION],
          suggestionsResolver: async (ctx) => columnSuggestions(schema, withVariables(currentSql()), ctx),
        },
        {
          id: 'micromegas-functions',
          applyTo: EXPRESSION_POSITIONS,
          suggestionsResolver: async (ctx) => {
            const { functions, macros } = await schema.functions();
            const range = wordRangeAtCursor(ctx);
            return functionSuggestions(functions, macros).map((s) => (range ? { ...s, range } : s));
          },
        },
      ],
    }),
  };
}
