// Live tail exits keep secrets out too (issue 14, finding 5): the built executable runs a
// live tail (pluginv2.Stream/RunStream) against a server that echoes the credential it
// received in its error, in several encodings, and against an identity provider that does
// the same with the OAuth client secret. Neither the stream's packets, nor the status that
// ends it, nor the process's log lines (debug on) hold any encoding of either secret, on the
// retried path (UNAVAILABLE: the tail logs and polls again) and the final one (the tail ends).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { tailPath } from '../../pkg/stream';
import { ensureBackendBuilt, GrafanaHost, pluginContext } from '../harness/grafana-host';
import { tailLogsQuery } from '../stream/tail-helpers';
import { assertNoSecret, echoingIdp } from './secrets';

const TOKEN = 'mmk_Zx9+/q=&%r-tail';
const OAUTH_SECRET = 'Qw7+/s=&%t"tail<x>';
const CLIENT_ID = 'grafana-tail';
const ECHO = 'echoed-by-the-server';

/**
 * A Flight server that answers every DoGet with `code` and a message quoting the
 * authorization it received: raw, percent-encoded, base64 and JSON-escaped (as a proxy or a
 * server that logs its request into the error does).
 */
async function echoingFlightServer(): Promise<{ uri: string; code: { value: grpc.status }; stop(): Promise<void> }> {
  const code = { value: grpc.status.UNAVAILABLE };
  const raw = (b: Buffer) => b;
  const server = new grpc.Server();
  server.addService(
    {
      DoGet: {
        path: '/arrow.flight.protocol.FlightService/DoGet',
        requestStream: false,
        responseStream: true,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    {
      DoGet: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        const auth = String(call.metadata.get('authorization')[0] ?? '');
        const token = auth.replace(/^Bearer /, '');
        call.emit('error', {
          code: code.value,
          details:
            `${ECHO}: credential ${auth}; percent ${encodeURIComponent(token)}; ` +
            `base64 ${Buffer.from(token).toString('base64')}; json ${JSON.stringify({ token })}`,
        });
      },
    }
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)))
  );
  return {
    uri: `grpc://127.0.0.1:${port}`,
    code,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

describe('reliability: live tail errors never carry a secret, in any encoding', () => {
  let host: GrafanaHost;
  let flight: Awaited<ReturnType<typeof echoingFlightServer>>;
  let idp: Awaited<ReturnType<typeof echoingIdp>>;
  const tokenCtx = () =>
    pluginContext({
      uid: 'tail-token-echo',
      jsonData: { url: flight.uri, authType: 'token' },
      decryptedSecureJsonData: { token: TOKEN },
    });
  const everything = (packets: Buffer[], extra = '') =>
    [...packets.map((p) => p.toString('utf8')), extra, host.stderrText()].join('\n');

  before(async () => {
    ensureBackendBuilt();
    [host, flight, idp] = await Promise.all([
      GrafanaHost.start({ minPort: 28100, maxPort: 28149, env: { GF_PLUGIN_LOG_LEVEL: 'debug' } }),
      echoingFlightServer(),
      echoingIdp(CLIENT_ID, ECHO),
    ]);
  });
  after(async () => {
    await Promise.allSettled([host?.kill(), flight?.stop(), idp?.stop()]);
  });

  it('a token echoed in a retried poll error (UNAVAILABLE): logged and retried without it', async () => {
    flight.code.value = grpc.status.UNAVAILABLE;
    const q = tailLogsQuery('echo-retry', 500);
    const stream = host.openStream(tokenCtx(), tailPath(q), q);
    try {
      const retries = () =>
        host.logs.filter((l) => l['@message'] === 'live tail poll failed; retrying' && l.stream === tailPath(q));
      await host.waitForLog(() => retries().length >= 2, 20_000);
      assert.match(String(retries()[0].error), new RegExp(ECHO), 'the server message reaches the log');
      assert.equal(stream.packets.length, 0);
      assertNoSecret(everything(stream.packets), TOKEN, 'live tail retry');
    } finally {
      stream.cancel();
      await stream.ended;
    }
  });

  it('a token echoed in the error that ends the tail (UNAUTHENTICATED): the stream status and logs omit it', async () => {
    flight.code.value = grpc.status.UNAUTHENTICATED;
    const q = tailLogsQuery('echo-end', 500);
    const stream = host.openStream(tokenCtx(), tailPath(q), q);
    const { error } = await stream.ended;
    assert.ok(error, 'the stream ends with an error');
    assert.match(error.details, new RegExp(`^live tail stopped: .*${ECHO}`));
    assertNoSecret(everything(stream.packets, `${error.message}\n${error.details}`), TOKEN, 'live tail end');
  });

  it('an OAuth client secret echoed by the identity provider: the stream status and logs omit it', async () => {
    const ctx = pluginContext({
      uid: 'tail-oauth-echo',
      jsonData: { url: flight.uri, authType: 'oauth2', oauthIssuer: idp.issuer, oauthClientId: CLIENT_ID },
      decryptedSecureJsonData: { oauthClientSecret: OAUTH_SECRET },
    });
    const q = tailLogsQuery('echo-oauth', 500);
    const stream = host.openStream(ctx, tailPath(q), q);
    const { error } = await stream.ended;
    assert.ok(error, 'the stream ends with an error');
    assert.match(error.details, /invalid_client/, 'the provider answer is shown');
    assertNoSecret(everything(stream.packets, `${error.message}\n${error.details}`), OAUTH_SECRET, 'live tail (OAuth)');
  });
});
