// Admission control (issue 14, finding 4): work in flight is bounded per data source and per
// process, the rest waits fairly with a timeout, and overload is a clear per-query error.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Admission, admissionLimitsFromEnv, DEFAULT_ADMISSION, OverloadError } from '../../pkg/grafana/admission';
import { fullGc, IdleGc } from '../../pkg/grafana/idle-gc';
import { startDevServer, type DevServer } from '../harness/devserver';
import { dataQuery, ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';

const never = new AbortController().signal;

describe('admission: bounds and fairness', () => {
  it('bounds per data source and per process, and serves data sources in turn', async () => {
    const a = new Admission({ perProcess: 3, perInstance: 2, maxQueued: 100 });
    const order: string[] = [];
    const take = (key: string) =>
      a.acquire({ key, queueTimeoutMs: 60_000, signal: never }).then((release) => {
        order.push(key);
        return release;
      });
    const a1 = await take('a');
    const a2 = await take('a');
    const a3 = take('a'); // a is at its own limit
    const b1 = await take('b'); // the process has room for b
    const b2 = take('b'); // the process is full
    const c1 = take('c');
    assert.deepEqual(a.stats, { running: 3, queued: 3 });
    a1();
    await a3; // a's waiter was first in line
    a2();
    await b2; // then b, not a again
    b1();
    await c1;
    assert.deepEqual(order, ['a', 'a', 'b', 'a', 'b', 'c']);
  });

  it('a query waiting longer than the queue timeout gets an overload error saying what to do', async () => {
    const a = new Admission({ perProcess: 1, perInstance: 1, maxQueued: 100 });
    const release = await a.acquire({ key: 'x', queueTimeoutMs: 1000, signal: never });
    // The queue timer is unref'd (it must not keep the plugin alive): hold the loop while
    // waiting for it, or node:test may find the loop empty and cancel the test (seen once).
    const hold = setInterval(() => undefined, 60_000);
    try {
      await assert.rejects(a.acquire({ key: 'x', queueTimeoutMs: 5, signal: never }), (e: unknown) => {
        assert.ok(e instanceof OverloadError);
        assert.match(e.message, /overloaded: this query waited .* "Concurrent queries" or "Queue timeout"/);
        return true;
      });
    } finally {
      clearInterval(hold);
    }
    assert.deepEqual(a.stats, { running: 1, queued: 0 });
    release();
    assert.deepEqual(a.stats, { running: 0, queued: 0 });
  });

  it('a full line refuses at once; a cancelled waiter leaves the line', async () => {
    const a = new Admission({ perProcess: 1, perInstance: 1, maxQueued: 1 });
    const release = await a.acquire({ key: 'x', queueTimeoutMs: 1000, signal: never });
    const ctl = new AbortController();
    const waiting = a.acquire({ key: 'x', queueTimeoutMs: 60_000, signal: ctl.signal });
    await assert.rejects(a.acquire({ key: 'y', queueTimeoutMs: 60_000, signal: never }), /the most it queues/);
    ctl.abort(new Error('cancelled by Grafana'));
    await assert.rejects(waiting, /cancelled by Grafana/);
    assert.deepEqual(a.stats, { running: 1, queued: 0 });
    release();
  });

  it('limits come from GF_PLUGIN_* (grafana.ini [plugin.<id>]); bad values fall back, saying so', () => {
    const ok = admissionLimitsFromEnv({ GF_PLUGIN_MAX_CONCURRENT_QUERIES: '8', GF_PLUGIN_MAX_QUEUED_QUERIES: '50' });
    assert.equal(ok.limits.perProcess, 8);
    assert.equal(ok.limits.maxQueued, 50);
    const bad = admissionLimitsFromEnv({ GF_PLUGIN_MAX_CONCURRENT_QUERIES: 'lots' });
    assert.equal(bad.limits.perProcess, DEFAULT_ADMISSION.perProcess);
    assert.match(bad.warnings[0], /GF_PLUGIN_MAX_CONCURRENT_QUERIES="lots" is not a whole number/);
  });
});

describe('memory back after a burst', () => {
  it('one full collection once idle after a burst; new work in between postpones it', async () => {
    let collections = 0;
    let idle = true;
    let collected!: () => void;
    const done = new Promise<void>((resolve) => (collected = resolve));
    const a = new Admission({ perProcess: 16, perInstance: 16, maxQueued: 10 }, (n) => gc.update(n));
    const gc = new IdleGc(() => idle, {
      burst: 3,
      delayMs: 1,
      gc: () => {
        collections++;
        collected();
        return true;
      },
    });
    const releases = await Promise.all(
      [1, 2, 3].map(() => a.acquire({ key: 'k', queueTimeoutMs: 1000, signal: never }))
    );
    idle = false;
    releases.forEach((r) => r()); // idle, but asked again when the delay ends: busy then
    const again = await a.acquire({ key: 'k', queueTimeoutMs: 1000, signal: never });
    idle = true;
    again();
    // The collection timer is unref'd (it must not keep the plugin alive): hold the loop while
    // waiting for it, or this process may exit with the test pending.
    const hold = setInterval(() => undefined, 60_000);
    try {
      await done;
    } finally {
      clearInterval(hold);
    }
    assert.equal(collections, 1);
  });

  it('the runtime allows a full collection without Node flags', () => {
    assert.equal(fullGc(), true);
  });
});

describe('admission through the executable', () => {
  let dev: DevServer;
  let host: GrafanaHost;

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([startDevServer(), GrafanaHost.start({ minPort: 23400, maxPort: 23599 })]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), dev?.stop()]);
  });

  it('a data source at its limit queues, then refuses with a clear per-query error; others run', async () => {
    const busy = pluginContext({
      uid: 'busy',
      jsonData: { url: dev.uri, maxConcurrentQueries: 2, queueTimeoutSeconds: 1 },
    });
    const other = pluginContext({ uid: 'other', jsonData: { url: dev.uri } });
    // Each query holds its slot for 1.5 s on the server: longer than the 1 s queue timeout.
    const slow = (i: number) =>
      host.queryData(busy, [
        dataQuery('A', { query: `/* devserver:delay_ms=1500 */ SELECT ${i} AS v`, format: 'table' }),
      ]);
    const answers = await Promise.all([
      ...[0, 1, 2, 3, 4, 5].map(slow),
      host.queryData(other, [dataQuery('B', { query: 'SELECT 1 AS v', format: 'table' })]),
    ]);
    const busyAnswers = answers.slice(0, 6).map((r) => r.A);
    const ran = busyAnswers.filter((r) => r.error === '');
    const refused = busyAnswers.filter((r) => r.error !== '');
    assert.equal(ran.length, 2, 'as many ran as the data source allows');
    assert.equal(refused.length, 4);
    for (const r of refused) {
      assert.match(r.error, /the data source is overloaded: this query waited 1 s for its turn/);
      assert.equal(r.status, 429);
      assert.equal(r.errorSource, 'plugin');
    }
    assert.equal(answers[6].B.error, '', 'another data source is not held up');
    const again = await slow(9);
    assert.equal(again.A.error, '', 'the slots were given back');
  });
});
