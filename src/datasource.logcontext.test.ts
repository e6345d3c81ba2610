// "Show context" on a log line: the context query the data source sends through Grafana's
// query API (the fake boundary), for both directions, and when the button is offered.
import { createDataFrame, FieldType, LogLevel, LogRowContextQueryDirection, LogRowModel } from '@grafana/data';

import { FakeBackend, FakeTemplateSrv, instanceSettings } from './__testutils__/fakeGrafana';
import { DataSource } from './datasource';
import { CONTEXT_WINDOW_MS, DEFAULT_CONTEXT_LIMIT } from './query/logContext';

// 2023-11-14T22:13:20.123456Z
const ROW_MS = 1_700_000_000_123;
const ROW_NS = '1700000000123456000';

function row(labels: Record<string, string>, timeEpochNs = ROW_NS): LogRowModel {
  // Only the fields the data source reads are meaningful; the rest keeps the type whole.
  return {
    uid: 'A_0',
    rowIndex: 0,
    rowId: 'r0',
    entry: 'hello',
    entryFieldIndex: 1,
    hasAnsi: false,
    hasUnescapedContent: false,
    labels,
    logLevel: LogLevel.info,
    raw: 'hello',
    timeEpochMs: ROW_MS,
    timeEpochNs,
    timeFromNow: '',
    timeLocal: '',
    timeUtc: '',
    dataFrame: createDataFrame({ fields: [] }),
  } as LogRowModel;
}

function setup() {
  const backend = new FakeBackend().install();
  new FakeTemplateSrv([]).install();
  const sent: Array<Record<string, unknown>> = [];
  backend.onQuery((queries) => {
    sent.push(...queries);
    const refId = String(queries[0].refId);
    return {
      [refId]: {
        frames: [createDataFrame({ refId, fields: [{ name: 'body', type: FieldType.string, values: ['neighbour'] }] })],
      },
    };
  });
  const ds = new DataSource(instanceSettings({ url: 'grpc://localhost:50051' }));
  const body = () =>
    backend.requests.filter((r) => r.url.includes('/api/ds/query')).map((r) => r.data as { from: string; to: string });
  return { ds, sent, body };
}

describe('log context', () => {
  it('offers "Show context" only for lines with a time and a process_id, exe or computer label', () => {
    const { ds } = setup();
    // Deprecated in the interface's docs, yet Grafana 12's logs panel still asks it per row.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    const toggle = (r?: LogRowModel) => ds.showContextToggle(r);
    expect(toggle(row({ process_id: 'p-1' }))).toBe(true);
    expect(toggle(row({ exe: 'server.exe' }))).toBe(true);
    expect(toggle(row({ computer: 'host-1' }))).toBe(true);
    expect(toggle(row({ target: 'net', username: 'bob' }))).toBe(false);
    expect(toggle(row({}))).toBe(false);
    expect(toggle(undefined)).toBe(false);
  });

  it('BACKWARD: same process, strictly before the line, newest first, at the limit, an hour back', async () => {
    const { ds, sent, body } = setup();
    const res = await ds.getLogRowContext(
      row({ process_id: "p'1", exe: 'ignored.exe' }),
      { direction: LogRowContextQueryDirection.Backward, limit: 7 },
      { refId: 'A', query: 'SELECT time, msg, process_id FROM log_entries' }
    );
    expect(res.data[0].fields[0].values[0]).toBe('neighbour');
    expect(sent).toHaveLength(1);
    const q = sent[0];
    expect(q.format).toBe('logs');
    expect(q.timeFilter).toBe(true);
    expect(q.autoLimit).toBe(false);
    const sql = String(q.query);
    expect(sql).toContain("process_id = 'p''1'");
    expect(sql).not.toContain('exe =');
    expect(sql).toContain("time < '2023-11-14T22:13:20.123456Z'");
    expect(sql).toContain('$__timeFilter(time)');
    expect(sql).toMatch(/FROM log_entries/);
    expect(sql).toMatch(/ORDER BY time DESC\nLIMIT 7$/);
    const { from, to } = body()[0];
    expect(Number(from)).toBe(ROW_MS - CONTEXT_WINDOW_MS);
    expect(Number(to)).toBe(ROW_MS + 1);
  });

  it('FORWARD without process_id: same exe and computer, strictly after, oldest first, an hour ahead', async () => {
    const { ds, sent, body } = setup();
    await ds.getLogRowContext(row({ exe: 'a b.exe', computer: "o'neil" }, '1700000000123456789'), {
      direction: LogRowContextQueryDirection.Forward,
      limit: 3,
    });
    const sql = String(sent[0].query);
    expect(sql).toContain("exe = 'a b.exe'");
    expect(sql).toContain("computer = 'o''neil'");
    expect(sql).not.toContain('process_id =');
    expect(sql).toContain("time > '2023-11-14T22:13:20.123456789Z'");
    expect(sql).toMatch(/ORDER BY time ASC\nLIMIT 3$/);
    const { from, to } = body()[0];
    expect(Number(from)).toBe(ROW_MS);
    expect(Number(to)).toBe(ROW_MS + CONTEXT_WINDOW_MS);
  });

  it('a missing or bad limit uses the default; whole milliseconds print as milliseconds', async () => {
    const { ds, sent } = setup();
    await ds.getLogRowContext(row({ process_id: 'p' }, '1700000000123000000'), { limit: -4 });
    const sql = String(sent[0].query);
    expect(sql).toMatch(new RegExp(`ORDER BY time DESC\\nLIMIT ${DEFAULT_CONTEXT_LIMIT}$`));
    expect(sql).toContain("time < '2023-11-14T22:13:20.123Z'");
  });

  it('getLogRowContextQuery returns the same query, or null for a line without a source', async () => {
    const { ds } = setup();
    const q = await ds.getLogRowContextQuery(row({ process_id: 'p' }), {
      direction: LogRowContextQueryDirection.Forward,
      limit: 5,
    });
    expect(q?.query).toMatch(/process_id = 'p'[\s\S]*ORDER BY time ASC\nLIMIT 5$/);
    expect(await ds.getLogRowContextQuery(row({ level: 'info' }))).toBeNull();
    await expect(ds.getLogRowContext(row({}))).rejects.toThrow(/no process_id, exe or computer label/);
  });
});
