import {
  ColumnDefinition,
  CompletionItemInsertTextRule,
  CompletionItemKind,
  CompletionItemPriority,
  LanguageCompletionProvider,
  LanguageDefinition,
  StatementPosition,
  SuggestionKindProvider,
  TableDefinition,
} from '@grafana/plugin-ui';

import { interpolateSql } from '../query/interpolate';
import { SchemaClient } from '../resources';
import { ColumnInfo, FunctionInfo, TableInfo } from '../types';
import { formatSql } from './format';
import { tablesInStatement } from './tableRefs';

type SQLCompletionItemProvider = ReturnType<LanguageCompletionProvider>;
type CustomSuggestion = Awaited<ReturnType<ReturnType<SuggestionKindProvider>[number]['suggestionsResolver']>>[number];

/** Where a function or macro call makes sense in a statement. */
const EXPRESSION_POSITIONS = [
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
      out.push({ name: c.name, type: columnType(c), description: `${table}.${c.name}`, completion: quoteIfNeeded(c.name) });
    }
  }
  return out;
}

function columnType(c: ColumnInfo): string {
  return c.nullable ? `${c.type} (nullable)` : c.type;
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
      columns: { resolve: async () => columnsForStatement(schema, withVariables(currentSql())) },
      customSuggestionKinds: () => [
        {
          id: 'micromegas-functions',
          applyTo: EXPRESSION_POSITIONS,
          suggestionsResolver: async () => {
            const { functions, macros } = await schema.functions();
            return functionSuggestions(functions, macros);
          },
        },
      ],
    }),
  };
}
