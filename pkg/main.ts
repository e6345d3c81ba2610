// Entry point of the backend executable Grafana launches (dist/gpx_micromegas_<os>_<arch>).
// The Micromegas client (and apache-arrow with it) loads after the handshake.
import { setFlagsFromString } from 'node:v8';

import { runPlugin } from './grafana/start';

// Memory: a plugin process lives for days, serving mostly small queries. V8's defaults
// grow the young generation to 32 MiB and let the old one fill with garbage far beyond
// what is live (~13 MiB after thousands of queries): RSS rose to 120-140 MiB. Keeping the
// young generation at its initial size and favouring size holds it flat at ~80 MiB with
// the same latency (scripts/bench/startup.ts). Set here because a single executable
// cannot carry node flags; these take effect at run time. MICROMEGAS_PLUGIN_V8_FLAGS
// replaces them (space-separated; empty for V8's defaults): the benchmark's A/B uses it.
const V8_FLAGS = (process.env.MICROMEGAS_PLUGIN_V8_FLAGS ?? '--optimize-for-size --semi-space-growth-factor=1')
  .split(/\s+/)
  .filter(Boolean);
for (const flag of V8_FLAGS) {
  setFlagsFromString(flag);
}
// TurboFan (V8's optimizing compiler) is off until the warm-up ends: during start-up it
// only optimizes code that runs a few times (module set-up, protobuf code generation),
// which costs start-up CPU and leaves its compiled code and the compiler's own pages in an
// idle process (6 MiB). Queries still get it: hot loops (time series pivot, conversions)
// are optimized as soon as they run, as before. Not with MICROMEGAS_PLUGIN_V8_FLAGS set.
const lateTurbofan = process.env.MICROMEGAS_PLUGIN_V8_FLAGS === undefined;
if (lateTurbofan) {
  setFlagsFromString('--no-turbofan');
}

// --optimize-for-size makes every major GC compact the whole heap: the passes over a
// multi-megabyte statement ran 2-5× slower under it, and a query planned meanwhile waited
// (scripts/bench/reliability.ts). It is off while such a statement is planned.
const memorySaving = V8_FLAGS.includes('--optimize-for-size');

void runPlugin({
  clientFactory: {
    load: async () => {
      const [{ micromegasClientFactory }, { setLargeStatementPolicy }] = await Promise.all([
        import('./grafana/client'),
        import('./query'),
      ]);
      if (memorySaving) {
        setLargeStatementPolicy({
          enter: () => setFlagsFromString('--no-optimize-for-size'),
          leave: () => setFlagsFromString('--optimize-for-size'),
        });
      }
      return micromegasClientFactory;
    },
  },
  afterWarmUp: () => lateTurbofan && setFlagsFromString('--turbofan'),
});
