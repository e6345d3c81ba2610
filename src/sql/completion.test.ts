import { LinkedToken, PositionContext, StatementPosition, SuggestionKind, TokenType } from '@grafana/plugin-ui';

import { FakeBackend, instanceSettings, FakeTemplateSrv } from '../__testutils__/fakeGrafana';
import { DataSource } from '../datasource';
import {
  columnsForStatement,
  columnSuggestions,
  COLUMN_PREFIX_POSITION,
  functionSuggestions,
  micromegasSqlLanguage,
  quoteIfNeeded,
  tableCompletion,
} from './completion';
import { columnPrefixBefore, wordRangeAtCursor } from './cursorWord';

/** Token classes as Monaco's SQL tokenizer (plugin-ui's Monarch grammar) assigns them. */
const KEYWORDS = new Set([
  'select',
  'from',
  'where',
  'and',
  'or',
  'as',
  'by',
  'group',
  'order',
  'time',
  'level',
  'distinct',
]);
function tokenType(text: string): TokenType {
  if (/^\s+$/.test(text)) {
    return TokenType.Whitespace;
  }
  if (text === ',') {
    return TokenType.Delimiter;
  }
  if (text === '(' || text === ')') {
    return TokenType.Parenthesis;
  }
  if (/^'.*'$/.test(text)) {
    return TokenType.String;
  }
  if (/^[=<>!]+$/.test(text)) {
    return TokenType.Operator;
  }
  if (['and', 'or'].includes(text.toLowerCase())) {
    return TokenType.Operator;
  }
  return KEYWORDS.has(text.toLowerCase()) ? TokenType.Keyword : TokenType.Identifier;
}

/**
 * Linked tokens of a one-line statement with `|` marking the cursor, and the token
 * plugin-ui's linkedTokenBuilder picks there: the last one whose range contains the cursor.
 */
function cursorIn(
  marked: string,
  ...statementPosition: string[]
): { ctx: PositionContext; current: LinkedToken | null } {
  const column = marked.indexOf('|') + 1;
  const sql = marked.replace('|', '');
  const parts = sql.match(/\s+|'[^']*'|[(),]|[=<>!]+|[^\s(),=<>!']+/g) ?? [];
  let previous: LinkedToken | null = null;
  let current: LinkedToken | null = null;
  let offset = 0;
  for (const text of parts) {
    const range = {
      startLineNumber: 1,
      startColumn: offset === 0 ? 0 : offset + 1,
      endLineNumber: 1,
      endColumn: offset + text.length + 1,
    };
    const token: LinkedToken = new LinkedToken(tokenType(text), text, range, previous, null);
    if (previous) {
      previous.next = token;
    }
    if (column >= range.startColumn && column <= range.endColumn) {
      current = token;
    }
    previous = token;
    offset += text.length;
  }
  const position = { lineNumber: 1, column };
  const range = { startLineNumber: 1, startColumn: column, endLineNumber: 1, endColumn: column };
  return {
    current,
    ctx: {
      position,
      currentToken: current,
      statementPosition: statementPosition as StatementPosition[],
      kind: [],
      range,
    },
  };
}

function setup() {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv().install();
  backend.on('columns', (req) => {
    const table = req.params?.table as string;
    const columns: Record<string, Array<{ name: string; type: string; nullable: boolean }>> = {
      log_entries: [
        { name: 'time', type: 'Timestamp(ns, +00:00)', nullable: false },
        { name: 'msg', type: 'Utf8', nullable: false },
      ],
      "view_instance('thread_spans', '$s')": [
        { name: 'begin', type: 'Timestamp(ns, +00:00)', nullable: false },
        { name: 'time', type: 'Timestamp(ns, +00:00)', nullable: true },
      ],
      blocks: [{ name: 'processes.exe', type: 'Utf8', nullable: true }],
    };
    return columns[table]
      ? { data: { table, columns: columns[table] } }
      : { status: 404, data: { error: `unknown table ${table}` } };
  });
  return { backend, ds: new DataSource(instanceSettings()) };
}

describe('column completion', () => {
  it('offers the columns of every table in the statement, with types, once per name', async () => {
    const { ds } = setup();
    const cols = await columnsForStatement(
      ds.schema,
      "SELECT  FROM log_entries JOIN view_instance('thread_spans', '$s') USING (time)"
    );
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ['time', 'Timestamp(ns, +00:00)'],
      ['msg', 'Utf8'],
      ['begin', 'Timestamp(ns, +00:00)'],
    ]);
  });

  it('quotes dotted names and ignores unknown tables', async () => {
    const { ds } = setup();
    const cols = await columnsForStatement(ds.schema, 'SELECT  FROM blocks, cte');
    expect(cols).toEqual([
      {
        name: 'processes.exe',
        type: 'Utf8 (nullable)',
        description: 'blocks.processes.exe',
        completion: '"processes.exe"',
      },
    ]);
    expect(quoteIfNeeded('exe')).toBe('exe');
  });
});

describe('tables, functions and macros', () => {
  it('inserts view sets through view_instance and table functions with parentheses', () => {
    expect(tableCompletion({ name: 'log_entries', kind: 'view', description: '' })).toBe('log_entries');
    expect(tableCompletion({ name: 'thread_spans', kind: 'view_set', description: '' })).toBe(
      "view_instance('thread_spans', '${1:process_id}')"
    );
    expect(tableCompletion({ name: 'list_partitions', kind: 'function', description: '' })).toBe('list_partitions($1)');
  });

  it('documents functions and macros', () => {
    const items = functionSuggestions(
      [{ name: 'property_get', signature: 'property_get(properties, key) → Utf8', description: 'Value of a property' }],
      [
        { name: '__timeFilter', signature: '$__timeFilter(column)', description: 'column within the range' },
        { name: '$__timeFrom', signature: '$__timeFrom', description: 'range start' },
      ]
    );
    expect(items.map((i) => [i.label, i.insertText, i.detail, i.documentation])).toEqual([
      ['$__timeFilter', '$__timeFilter($0)', '$__timeFilter(column)', 'column within the range'],
      ['$__timeFrom', '$__timeFrom', '$__timeFrom', 'range start'],
      ['property_get', 'property_get($0)', 'property_get(properties, key) → Utf8', 'Value of a property'],
    ]);
  });

  it('builds a language definition whose resolvers read the backend resources', async () => {
    const { backend, ds } = setup();
    backend
      .on('tables', () => ({ data: { tables: [{ name: 'measures', kind: 'view', description: 'metrics' }] } }))
      .on('functions', () => ({
        data: { functions: [], macros: [{ name: '$__dateBin', signature: '$__dateBin(col)', description: 'bins' }] },
      }));
    const lang = micromegasSqlLanguage(ds.schema, () => 'SELECT  FROM log_entries');
    const provider = lang.completionProvider!({} as never, {} as never);
    expect(await provider.tables!.resolve(null)).toEqual([{ name: 'measures', completion: 'measures' }]);
    const [columnsKind, functionsKind] = provider.customSuggestionKinds!();
    expect(columnsKind).toMatchObject({ id: SuggestionKind.Columns, overrideDefault: true });
    const { ctx } = cursorIn('SELECT | FROM log_entries', StatementPosition.AfterSelectKeyword);
    expect((await columnsKind.suggestionsResolver(ctx)).map((c) => [c.label, c.detail])).toEqual([
      ['time', 'Timestamp(ns, +00:00)'],
      ['msg', 'Utf8'],
    ]);
    const suggestions = await functionsKind.suggestionsResolver(ctx);
    expect(suggestions.map((s) => s.label)).toEqual(['$__dateBin']);
    expect(lang.formatter!('select 1')).toBe('SELECT\n  1');
  });
});

describe('a column name typed right before the cursor', () => {
  it('is recognised in the select list, after a comma, in conditions and orderings', () => {
    for (const marked of [
      'SELECT ms| FROM log_entries',
      'SELECT time, le| FROM log_entries',
      'SELECT DISTINCT ex| FROM processes',
      'SELECT count(ms|) FROM log_entries',
      'SELECT * FROM log_entries WHERE level < 3 AND ms| ORDER BY time',
      'SELECT * FROM log_entries ORDER BY ti| DESC',
      "SELECT ms| FROM view_instance('log_entries', 'p1')",
    ]) {
      const { current } = cursorIn(marked);
      const word = marked.slice(0, marked.indexOf('|')).match(/(\w+)$/)![1];
      expect([marked, columnPrefixBefore(current)?.value]).toEqual([marked, word]);
    }
  });

  it('is not mistaken for a table, an alias or a finished word', () => {
    for (const marked of [
      'SELECT * FROM log_| WHERE level < 3',
      'SELECT msg AS m| FROM log_entries',
      'SELECT msg m| FROM log_entries',
      'SELECT ms |FROM log_entries',
      'SELECT ms|',
      'SELECT * FROM a, b| WHERE x = 1',
    ]) {
      expect([marked, columnPrefixBefore(cursorIn(marked).current)?.value]).toEqual([marked, undefined]);
    }
  });

  it('is what a completion replaces', () => {
    expect(wordRangeAtCursor(cursorIn('SELECT ms| FROM log_entries').ctx)).toEqual({
      startLineNumber: 1,
      startColumn: 8,
      endLineNumber: 1,
      endColumn: 10,
    });
    expect(wordRangeAtCursor(cursorIn('SELECT ms|').ctx)).toEqual({
      startLineNumber: 1,
      startColumn: 8,
      endLineNumber: 1,
      endColumn: 10,
    });
    expect(wordRangeAtCursor(cursorIn('SELECT |  FROM log_entries').ctx)).toBeUndefined();
  });

  it('is completed with the columns of the statement’s tables and their types', async () => {
    const { ds } = setup();
    const { ctx } = cursorIn('SELECT ms| FROM log_entries', StatementPosition.FromKeyword, COLUMN_PREFIX_POSITION);
    const items = await columnSuggestions(ds.schema, 'SELECT ms FROM log_entries', ctx);
    expect(items.map((i) => [i.label, i.detail, i.range])).toEqual([
      ['time', 'Timestamp(ns, +00:00)', { startLineNumber: 1, startColumn: 8, endLineNumber: 1, endColumn: 10 }],
      ['msg', 'Utf8', { startLineNumber: 1, startColumn: 8, endLineNumber: 1, endColumn: 10 }],
    ]);
  });

  it('gives nothing when the cursor is away from the word (several spaces after it)', async () => {
    const { ds } = setup();
    const { ctx } = cursorIn('SELECT ms  | FROM log_entries', COLUMN_PREFIX_POSITION);
    expect(await columnSuggestions(ds.schema, 'SELECT ms   FROM log_entries', ctx)).toEqual([]);
  });
});
