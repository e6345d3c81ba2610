// A large statement is parsed and translated on the dev server's worker thread, as real
// Micromegas plans each query in its own task: the answer and the error are the same as on
// the event loop, and the loop keeps turning meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DataFusionParseError, initTranslator, translate } from '../../pkg/devserver/translate';
import { analyzeOffLoop, LARGE_SQL, stopTranslateWorker, translateOffLoop } from '../../pkg/devserver/translate-pool';
import { countTurns } from '../harness/loop-turns';

const values = Array.from({ length: 20_000 }, (_, i) => `'v${i}'`).join(',');
const large = `SELECT count(*) FROM range(10) t(i) WHERE CAST(i AS VARCHAR) IN (${values})`;

/** Runs `work`, counting event-loop turns until it settles. */
async function turnsDuring<T>(work: () => Promise<T> | T): Promise<{ turns: number; result: PromiseSettledResult<T> }> {
  const counter = countTurns();
  const [result] = await Promise.allSettled([Promise.resolve().then(work)]);
  counter.stop();
  return { turns: counter.turns, result };
}

describe('large statements are translated off the event loop', () => {
  before(() => initTranslator());
  after(() => stopTranslateWorker());

  it('the worker gives the translation the event loop gives', async () => {
    assert.ok(large.length > LARGE_SQL);
    const { turns, result } = await turnsDuring(() => translateOffLoop(large));
    assert.equal(result.status, 'fulfilled');
    const expected = translate(large);
    const got = (result as PromiseFulfilledResult<ReturnType<typeof translate>>).value;
    assert.equal(got.sql, expected.sql);
    assert.deepEqual(got.names, expected.names);
    assert.deepEqual([...got.dictOutputs], [...expected.dictOutputs]);
    assert.ok(turns >= 1, `the event loop turned ${turns} time(s) during the translation`);
  });

  it("a parse error keeps DataFusion's wording and position", async () => {
    const broken = `${large} AND (`;
    const { result } = await turnsDuring(() => translateOffLoop(broken));
    assert.equal(result.status, 'rejected');
    const err = (result as PromiseRejectedResult).reason as DataFusionParseError;
    assert.ok(err instanceof DataFusionParseError, String(err));
    assert.throws(
      () => translate(broken),
      (e: DataFusionParseError) => e.message === err.message && e.position?.column === err.position?.column
    );
  });

  it('the access check refuses a mutating function in a large statement', async () => {
    const mutating = `SELECT * FROM retire_partitions('log_entries', 'global', now(), now()) WHERE msg IN (${values})`;
    await assert.rejects(analyzeOffLoop(mutating, false), /table function 'retire_partitions' not found/);
    await analyzeOffLoop(mutating, true);
  });

  it('stopping the worker rejects the translations still in flight, with a clear error', async () => {
    let settled: unknown = 'pending';
    const inFlight = Promise.resolve(translateOffLoop(`${large} AND true`)).then(
      () => 'fulfilled',
      (e: unknown) => e
    );
    void inFlight.then((v) => (settled = v));
    await stopTranslateWorker();
    // The worker has exited: the rejection was queued by then, one turn delivers it.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      settled instanceof Error,
      `the in-flight translation is still ${String(settled)} after the worker stopped`
    );
    assert.match(settled.message, /SQL translation worker (was )?stopped/);
    // A new statement starts a new worker.
    const again = await translateOffLoop(large);
    assert.equal(again.sql, translate(large).sql);
  });
});
