// gRPC health Checks of the plugin from a worker thread, one after the other, until stopped:
// the plugin's event-loop hold without the bench's own. A probe sent from the thread that
// also receives the big query's answer would wait while that thread decodes tens of MB.
import { Worker } from 'node:worker_threads';

// CommonJS run by the worker (eval): grpc.health.v1.Health/Check {service: "plugin"}, bytes
// written by hand (field 1, length-delimited) so the worker needs no proto definitions.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const grpc = require('@grpc/grpc-js');
const request = Buffer.concat([Buffer.from([0x0a, 6]), Buffer.from('plugin')]);
const Client = grpc.makeGenericClientConstructor({
  Check: {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: () => request,
    requestDeserialize: (b) => b,
    responseSerialize: (b) => b,
    responseDeserialize: (b) => b,
  },
});
const client = new Client(workerData.address, grpc.credentials.createInsecure());
let stop = false;
let lat = [];
let ready = false;
parentPort.on('message', (m) => (m === 'start' ? (lat = []) : (stop = true)));
const once = () => {
  const t0 = performance.now();
  client.Check({}, { deadline: Date.now() + 30000 }, (err) => {
    if (err) throw err;
    lat.push(performance.now() - t0);
    if (!ready) {
      ready = true;
      parentPort.postMessage('ready');
    }
    if (stop) {
      client.close();
      parentPort.postMessage(lat);
    } else {
      once();
    }
  });
};
once();
`;

/** A worker thread probing the plugin at `address`; resolves once its first Check answered. */
export async function startPinger(
  address: string
): Promise<{ measure(work: () => Promise<unknown>): Promise<number[]> }> {
  const worker = new Worker(WORKER, { eval: true, workerData: { address } });
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', reject));
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), failed]);
    }
    return messages.shift();
  };
  await next(); // ready
  return {
    /** Health Check latencies (ms, sorted) while `work` runs; the worker ends after. */
    async measure(work) {
      worker.postMessage('start');
      await work().catch(() => undefined);
      worker.postMessage('stop');
      const lat = (await next()) as number[];
      await worker.terminate();
      return [...lat].sort((a, b) => a - b);
    },
  };
}
