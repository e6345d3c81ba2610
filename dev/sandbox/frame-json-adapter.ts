// One Arrow IPC frame → Grafana's browser-side frame JSON, via tests/harness/frame-json.ts
// (the frames engineer's decoder, the single implementation of Grafana's conversion).
// Loaded lazily so that the sandbox still serves pages when that module is absent.
type Converter = (frame: Uint8Array) => unknown;

let converter: Converter | undefined;

function load(): Converter {
  if (converter) return converter;
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../../tests/harness/frame-json') as Record<string, unknown>;
  } catch (err) {
    throw new Error(`tests/harness/frame-json.ts could not be loaded: ${(err as Error).message}`);
  }
  const fn = ['frameToJson', 'arrowFrameToJson', 'toFrameJson', 'frameJson', 'default'].map((n) => mod[n]).find((f) => typeof f === 'function');
  if (!fn) throw new Error(`tests/harness/frame-json.ts exports no frame → JSON function (exports: ${Object.keys(mod).join(', ')})`);
  converter = fn as Converter;
  return converter;
}

export function dataFrameToJson(frame: Uint8Array): unknown {
  return load()(frame);
}
