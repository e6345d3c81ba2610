import { formatSql } from './format';
import { findTemplateTokens, protectTokens } from './placeholders';
import { tablesInStatement, viewOf } from './tableRefs';

describe('formatSql', () => {
  it('formats SQL and leaves macros and variables untouched', () => {
    const sql =
      "select $__dateBin(time) as time, exe, count(*) from log_entries where $__timeFilter(time) and exe in ($exe) and target = '${target:raw}' and x > [[limit]] group by 1, 2";
    const out = formatSql(sql);
    expect(out).toContain('$__dateBin(time)');
    expect(out).toContain('$__timeFilter(time)');
    expect(out).toContain('($exe)');
    expect(out).toContain("'${target:raw}'");
    expect(out).toContain('[[limit]]');
    expect(out).toMatch(/^SELECT/);
    expect(out).toContain('\nFROM\n');
    expect(out.split('\n').length).toBeGreaterThan(5);
  });

  it('keeps macro calls with nested parentheses and quoted commas whole', () => {
    const out = formatSql("select $__timeGroup(cast(time as timestamp), 'minute') from measures");
    expect(out).toContain("$__timeGroup(cast(time as timestamp), 'minute')");
  });

  it('returns empty SQL unchanged', () => {
    expect(formatSql('  ')).toBe('  ');
  });
});

describe('placeholders', () => {
  it('finds macros, braces, brackets and plain variables', () => {
    const tokens = findTemplateTokens('a $__interval b ${x:csv} c [[y]] d $z e $__timeFrom()').map((t) => t.text);
    expect(tokens).toEqual(['$__interval', '${x:csv}', '[[y]]', '$z', '$__timeFrom()']);
  });

  it('restores only the tokens it replaced', () => {
    const p = protectTokens('x = $__interval and y = $y', (t) => t === '$__interval');
    expect(p.text).not.toContain('$__interval');
    expect(p.text).toContain('$y');
    expect(p.restore(p.text)).toBe('x = $__interval and y = $y');
  });
});

describe('tablesInStatement', () => {
  it('finds FROM/JOIN tables, quoted names and view_instance view sets', () => {
    const sql = `SELECT * FROM log_entries l JOIN "processes" p ON l.process_id = p.process_id
      -- FROM commented_out
      UNION SELECT * FROM view_instance('thread_spans', '$stream') `;
    expect(tablesInStatement(sql)).toEqual(['log_entries', 'processes', "view_instance('thread_spans', '$stream')"]);
    expect(tablesInStatement("SELECT * FROM view_instance('log_entries', 'global')").map(viewOf)).toEqual([
      'log_entries',
    ]);
  });
});
