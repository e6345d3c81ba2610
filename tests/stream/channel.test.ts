// The live tail channel contract: the frontend (src/query/liveTailKey.ts) and the backend
// (pkg/stream/channel.ts) compute the same path for the same query data, and the backend
// accepts exactly that path for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseTailRequest, tailPath, TailRequestError } from '../../pkg/stream';
import { liveTailPath } from '../../src/query/liveTailKey';

const queries: Array<Record<string, unknown>> = [
  { refId: 'A', query: 'SELECT time, msg FROM log_entries', format: 'logs', version: 3 },
  { version: 3, format: 'logs', query: 'SELECT time, msg FROM log_entries', refId: 'A' },
  { refId: 'B', query: "SELECT time, msg FROM log_entries WHERE msg LIKE '%é€😀%'", format: 'logs', rowLimit: 10 },
  {
    refId: 'A',
    query: 'SELECT time, msg FROM log_entries',
    format: 'logs',
    adhocFilters: [{ key: 'level', operator: '=', value: '2' }],
  },
];

describe('live tail channel path', () => {
  it('frontend and backend agree, key order does not matter, content does', () => {
    for (const q of queries) {
      assert.equal(liveTailPath(q), tailPath(q));
      assert.match(tailPath(q), /^tail\/[0-9a-f]{16}$/);
    }
    assert.equal(tailPath(queries[0]), tailPath(queries[1]));
    assert.notEqual(tailPath(queries[0]), tailPath(queries[3]));
  });

  it('the backend accepts a query on its own path, with the poll interval bounded', () => {
    const q = { ...queries[0], liveIntervalMs: 100 };
    const r = parseTailRequest(tailPath(q), Buffer.from(JSON.stringify(q)));
    assert.equal(r.pollMs, 500);
    assert.equal(parseTailRequest(tailPath(queries[2]), JSON.stringify(queries[2])).pollMs, 1000);
    assert.throws(() => parseTailRequest(tailPath(queries[2]), JSON.stringify(queries[0])), TailRequestError);
  });
});
