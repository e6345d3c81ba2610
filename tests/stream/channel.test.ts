// The live tail channel contract: the frontend (src/query/liveTailKey.ts) and the backend
// (pkg/stream/channel.ts) compute the same path for the same query data, and the backend
// accepts exactly that path for it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseTailRequest, tailPath, TailRequestError } from '../../pkg/stream';
import { canonicalJson, fnv1a64, liveTailPath } from '../../src/query/liveTailKey';

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
  it('the key is 64-bit FNV-1a of the sorted-key JSON; key order does not matter, content does', () => {
    // Published FNV-1a 64 test vectors.
    assert.equal(fnv1a64(''), 'cbf29ce484222325');
    assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
    assert.equal(fnv1a64('foobar'), '85944171f73967e8');
    assert.equal(canonicalJson({ b: 1, a: { d: [2], c: 'x' } }), '{"a":{"c":"x","d":[2]},"b":1}');
    for (const q of queries) {
      // The backend's check uses the frontend's own function (pkg/stream/channel.ts imports it).
      assert.equal(tailPath(q), liveTailPath(q));
      assert.equal(tailPath(q), `tail/${fnv1a64(canonicalJson(q))}`);
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
