// Live tail under the client Grafana itself uses: hashicorp/go-plugin launches the built
// executable and grpc-go opens the RunStream (tests/go-host), then cancels it once a packet
// arrived, as Grafana does when the last subscriber leaves the channel. Skips, saying why,
// when Go and Debian's go-plugin/grpc sources are unavailable.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect, type FlightSQLClient } from '../../pkg/micromegas';
import { decodeMessage, encodeMessage } from '../../pkg/proto';
import { tailPath } from '../../pkg/stream';
import { startDevServer, type DevServer } from '../harness/devserver';
import { requiredSkip } from '../harness/required';
import { ensureGoHost, GoHost, type HostLogLine } from '../harness/go-host';
import { BACKEND_EXECUTABLE, ensureBackendBuilt, pluginContext } from '../harness/grafana-host';

import { decode, ingestLines, tailLogsQuery } from './tail-helpers';

const availability = ensureGoHost();
const skip = requiredSkip(availability.ok ? false : availability.reason);
if (skip) {
  console.log(`skipping the live tail go-plugin test: ${skip}`);
}
const PLUGIN_MODULE = `plugin.${path.basename(BACKEND_EXECUTABLE)}`;
const fromPlugin = (l: HostLogLine) => l['@module'] === PLUGIN_MODULE;

describe('live tail under go-plugin + grpc-go (as Grafana runs it)', { skip }, () => {
  let dev: DevServer;
  let host: GoHost;
  let client: FlightSQLClient;
  const ctx = () => pluginContext({ uid: 'go-tail', jsonData: { url: dev.uri } });

  before(async () => {
    ensureBackendBuilt();
    [dev, host] = await Promise.all([
      startDevServer({ scale: 0.01, hours: 1 }),
      GoHost.start((availability as { binary: string }).binary, { minPort: 20500, maxPort: 20599 }),
    ]);
    client = connect(dev.uri);
  });
  after(async () => {
    client?.close();
    await Promise.allSettled([host?.stop(), dev?.stop()]);
  });

  const request = (type: 'SubscribeStreamRequest' | 'RunStreamRequest', q: Record<string, unknown>) =>
    encodeMessage(`pluginv2.${type}`, {
      pluginContext: ctx(),
      path: tailPath(q),
      data: Buffer.from(JSON.stringify(q)),
    });

  it('SubscribeStream OK, RunStream delivers a new line as a StreamPacket, cancelling ends the tail', async () => {
    const tag = 'gotail';
    const q = tailLogsQuery(tag, 500);
    const sub = await host.call('/pluginv2.Stream/SubscribeStream', request('SubscribeStreamRequest', q));
    const subscribed = decodeMessage<{ status: number }>('pluginv2.SubscribeStreamResponse', sub.response!);
    assert.equal(subscribed.status, 0, 'OK');

    const polls = () =>
      dev
        .stderr()
        .split('\n')
        .filter((l) => l.includes(`${tag}-%`)).length;
    const run = host.call('/pluginv2.Stream/RunStream', request('RunStreamRequest', q), {
      stream: true,
      maxMessages: 1,
      timeoutMs: 30_000,
    });
    const until = Date.now() + 15_000;
    while (polls() === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(polls() > 0, 'the tail polls the dev server');
    const ns = BigInt(Date.now()) * 1_000_000n;
    await ingestLines(client, [{ body: `${tag}-1`, ns }]);

    const r = await run;
    assert.equal(r.responses?.length, 1);
    const packet = decodeMessage<{ data: Buffer }>('pluginv2.StreamPacket', r.responses![0]);
    const lines = decode(packet.data);
    assert.deepEqual(
      lines.map((l) => [l.body, l.ns]),
      [[`${tag}-1`, ns]]
    );
    // grpc-go cancelled the call after the packet: the plugin ends the tail and keeps serving.
    const ended = await host.waitForLog((l) => fromPlugin(l) && l['@message'] === 'live tail ended');
    assert.equal(ended.ended, 'cancelled');
    assert.equal((await host.ping()).length, 1);
  });
});
