// Garbage collection pauses in CollectMetrics (nodejs_gc_duration_seconds, as prom-client names
// it): what explains a latency tail is visible from Grafana's own /metrics.
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';

import { fullGc } from '../../pkg/grafana/idle-gc';
import { PluginMetrics } from '../../pkg/grafana/metrics';

test('a full collection is counted under kind="major", with a consistent histogram', async () => {
  const metrics = new PluginMetrics();
  assert.doesNotMatch(metrics.render(), /nodejs_gc_duration_seconds/, 'nothing before observing');
  metrics.observeGc();
  try {
    assert.ok(fullGc(), 'gc() is available at run time');
    const count = () =>
      Number(/^nodejs_gc_duration_seconds_count\{kind="major"\} (\d+)$/m.exec(metrics.render())?.[1] ?? 0);
    // PerformanceObserver delivers entries on a later turn of the event loop.
    for (let turn = 0; turn < 100 && count() === 0; turn++) {
      await nextTurn();
    }
    const text = metrics.render();
    assert.ok(count() >= 1, `a major collection counted:\n${text}`);
    const inf = Number(/^nodejs_gc_duration_seconds_bucket\{le="\+Inf",kind="major"\} (\d+)$/m.exec(text)?.[1]);
    assert.equal(inf, count(), '+Inf bucket = count');
    const sum = Number(/^nodejs_gc_duration_seconds_sum\{kind="major"\} ([\d.]+)$/m.exec(text)?.[1]);
    assert.ok(sum > 0, 'pause time summed');
  } finally {
    metrics.stopObservingGc();
  }
});
