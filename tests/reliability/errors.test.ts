// Error messages that must not depend on which timer or which side fired first (issue 14).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fromGrpcError } from '../../pkg/micromegas/errors';
import { mapError } from '../../pkg/query/errors';

const settings = { queryTimeoutMs: 30_000 };

describe('reliability: timeout advice', () => {
  it('a gRPC DEADLINE_EXCEEDED (the call deadline or the server fired first, e.g. mid-stream) gets the timeout advice', () => {
    for (const err of [
      fromGrpcError({ code: 4, details: 'Deadline exceeded after 30.001s' }, 'h:50051', []),
      Object.assign(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded'), { code: 4, details: 'Deadline exceeded' }),
    ]) {
      const m = mapError(err, { settings });
      assert.match(m.message, /did not finish within the query timeout \(30 s\): narrow the time range/);
      assert.equal(m.status, 504);
      assert.equal(m.source, 'downstream');
    }
  });

  it('our own deadline says the same', () => {
    const m = mapError(new Error('timed out'), { settings, timedOut: true });
    assert.match(m.message, /did not finish within the query timeout \(30 s\)/);
  });
});
