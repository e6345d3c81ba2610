import { FakeBackend, instanceSettings, FakeTemplateSrv } from '../__testutils__/fakeGrafana';
import { DataSource } from '../datasource';
import { columnsForStatement, functionSuggestions, micromegasSqlLanguage, quoteIfNeeded, tableCompletion } from './completion';

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
    return columns[table] ? { data: { table, columns: columns[table] } } : { status: 404, data: { error: `unknown table ${table}` } };
  });
  return { backend, ds: new DataSource(instanceSettings()) };
}

describe('column completion', () => {
  it('offers the columns of every table in the statement, with types, once per name', async () => {
    const { ds } = setup();
    const cols = await columnsForStatement(ds.schema, "SELECT  FROM log_entries JOIN view_instance('thread_spans', '$s') USING (time)");
    expect(cols.map((c) => [c.name, c.type])).toEqual([
      ['time', 'Timestamp(ns, +00:00)'],
      ['msg', 'Utf8'],
      ['begin', 'Timestamp(ns, +00:00)'],
    ]);
  });

  it('quotes dotted names and ignores unknown tables', async () => {
    const { ds } = setup();
    const cols = await columnsForStatement(ds.schema, 'SELECT  FROM blocks, cte');
    expect(cols).toEqual([{ name: 'processes.exe', type: 'Utf8 (nullable)', description: 'blocks.processes.exe', completion: '"processes.exe"' }]);
    expect(quoteIfNeeded('exe')).toBe('exe');
  });
});

describe('tables, functions and macros', () => {
  it('inserts view sets through view_instance and table functions with parentheses', () => {
    expect(tableCompletion({ name: 'log_entries', kind: 'view', description: '' })).toBe('log_entries');
    expect(tableCompletion({ name: 'thread_spans', kind: 'view_set', description: '' })).toBe("view_instance('thread_spans', '${1:process_id}')");
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
      .on('functions', () => ({ data: { functions: [], macros: [{ name: '$__dateBin', signature: '$__dateBin(col)', description: 'bins' }] } }));
    const lang = micromegasSqlLanguage(ds.schema, () => 'SELECT  FROM log_entries');
    const provider = lang.completionProvider!({} as never, {} as never);
    expect(await provider.tables!.resolve(null)).toEqual([{ name: 'measures', completion: 'measures' }]);
    expect((await provider.columns!.resolve({ table: 'anything' })).map((c) => c.name)).toEqual(['time', 'msg']);
    const [kind] = provider.customSuggestionKinds!();
    const suggestions = await kind.suggestionsResolver({} as never);
    expect(suggestions.map((s) => s.label)).toEqual(['$__dateBin']);
    expect(lang.formatter!('select 1')).toBe('SELECT\n  1');
  });
});
