import { addFilter, hasFilter, removeFilter, toggleFilter } from './logFilters';

const exe = (value: string, operator: '=' | '!=' = '=') => ({ key: 'exe', operator, value });

describe('log filters: SQL a person would write', () => {
  const base =
    'SELECT time, level, msg, exe\nFROM log_entries\nWHERE $__timeFilter(time)\nORDER BY time DESC\nLIMIT 100';

  it('adds to the WHERE clause, before ORDER BY / LIMIT', () => {
    expect(addFilter(base, exe("o'neil.exe"))).toBe(
      "SELECT time, level, msg, exe\nFROM log_entries\nWHERE $__timeFilter(time)\n  AND exe = 'o''neil.exe'\nORDER BY time DESC\nLIMIT 100"
    );
  });

  it('creates the WHERE when there is none, keeps a trailing semicolon', () => {
    expect(addFilter('SELECT time, msg FROM log_entries ORDER BY time;', exe('a', '!='))).toBe(
      "SELECT time, msg FROM log_entries\nWHERE exe != 'a' ORDER BY time;"
    );
    expect(addFilter('select * from log_entries', exe('a'))).toBe("select * from log_entries\nWHERE exe = 'a'");
  });

  it('keeps an OR together, ignores keywords in strings, comments and subqueries', () => {
    expect(addFilter("SELECT * FROM t WHERE a = 1 OR b = 'x' LIMIT 5", exe('a'))).toBe(
      "SELECT * FROM t WHERE (a = 1 OR b = 'x')\n  AND exe = 'a' LIMIT 5"
    );
    const tricky =
      "SELECT msg FROM (SELECT * FROM log_entries WHERE level < 3 ORDER BY time) AS l -- ORDER BY x\nWHERE msg != 'LIMIT 3'";
    expect(addFilter(tricky, exe('a'))).toBe(`${tricky}\n  AND exe = 'a'`);
  });

  it('levels: Explore shows names, Micromegas stores numbers; other keys are quoted when needed', () => {
    expect(addFilter('SELECT * FROM log_entries', { key: 'level', operator: '=', value: 'error' })).toBe(
      'SELECT * FROM log_entries\nWHERE level = 2'
    );
    expect(addFilter('SELECT * FROM log_entries', { key: 'Process Id', operator: '=', value: 'p' })).toBe(
      'SELECT * FROM log_entries\nWHERE "Process Id" = \'p\''
    );
  });

  it('UNION and statements without FROM are filtered around', () => {
    expect(addFilter('SELECT 1 AS exe UNION ALL SELECT 2;', exe('1'))).toBe(
      "SELECT * FROM (\nSELECT 1 AS exe UNION ALL SELECT 2\n) AS filtered\nWHERE exe = '1'"
    );
  });

  it('finds a condition however it is spaced or quoted, and only as a whole AND-ed condition', () => {
    expect(hasFilter('SELECT * FROM t WHERE x > 1 AND "exe"=\'a\'', exe('a'))).toBe(true);
    expect(hasFilter("SELECT * FROM t WHERE exe <> 'a'", exe('a', '!='))).toBe(true);
    expect(hasFilter("SELECT * FROM t WHERE exe = 'ab'", exe('a'))).toBe(false);
    expect(hasFilter("SELECT * FROM t WHERE exe = 'a' OR x = 1", exe('a'))).toBe(false);
    expect(hasFilter("SELECT * FROM (SELECT * FROM t WHERE exe = 'a') s", exe('a'))).toBe(false);
  });

  it('removes the condition with its AND, or the WHERE when it was the only one', () => {
    const sql = addFilter(base, exe('a'));
    expect(removeFilter(sql, exe('a'))).toBe(base);
    expect(removeFilter("SELECT * FROM t WHERE exe = 'a' AND x = 1 LIMIT 2", exe('a'))).toBe(
      'SELECT * FROM t WHERE x = 1 LIMIT 2'
    );
    expect(removeFilter("SELECT * FROM t\nWHERE exe = 'a'\nLIMIT 2;", exe('a'))).toBe('SELECT * FROM t\nLIMIT 2;');
  });

  it('toggles: the same filter again removes it, the opposite one is replaced', () => {
    const on = toggleFilter(base, exe('a'));
    expect(hasFilter(on, exe('a'))).toBe(true);
    expect(toggleFilter(on, exe('a'))).toBe(base);
    const out = toggleFilter(on, exe('a', '!='));
    expect(hasFilter(out, exe('a'))).toBe(false);
    expect(hasFilter(out, exe('a', '!='))).toBe(true);
    expect(out).toBe(addFilter(base, exe('a', '!=')));
  });
});
