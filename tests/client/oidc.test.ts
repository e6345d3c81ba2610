// The OAuth 2.0 client-credentials provider against a local OIDC stand-in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { OidcClientCredentialsProvider } from '../../pkg/micromegas';
import { OidcStandIn, startOidcStandIn } from './oidc-standin';

describe('OidcClientCredentialsProvider', () => {
  let idp: OidcStandIn;
  before(async () => {
    idp = await startOidcStandIn({ tokens: ['tok-1', 'tok-2', 'tok-3'], expiresIn: 3600 });
  });
  after(async () => idp.stop());

  it('discovers the token endpoint, posts client credentials with the audience, and caches the token', async () => {
    idp.requests.length = 0;
    const p = new OidcClientCredentialsProvider({
      issuer: idp.issuer + '/',
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      audience: 'micromegas-api',
    });
    const [a, b] = await Promise.all([p.getToken(), p.getToken()]);
    assert.equal(a, 'tok-1');
    assert.equal(b, 'tok-1');
    assert.equal(await p.getToken(), 'tok-1');
    assert.equal(idp.requests.length, 1, 'one token request for concurrent and repeated calls');
    const form = idp.requests[0].form;
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_id'), idp.clientId);
    assert.equal(form.get('audience'), 'micromegas-api');
  });

  it('refreshes 5 minutes before expiry, and after invalidate()', async () => {
    idp.requests.length = 0;
    let now = 1_000_000;
    const p = new OidcClientCredentialsProvider({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      now: () => now,
    });
    assert.equal(await p.getToken(), 'tok-1');
    now += (3600 - 301) * 1000; // still 301 s left: cached
    assert.equal(await p.getToken(), 'tok-1');
    now += 2000; // 299 s left: inside the 5-minute margin
    assert.equal(await p.getToken(), 'tok-2');
    p.invalidate();
    assert.equal(await p.getToken(), 'tok-3');
    assert.equal(idp.requests.length, 3);
  });

  it('defaults expires_in to 3600 s', async () => {
    const idp2 = await startOidcStandIn({ tokens: ['a', 'b'] });
    try {
      let now = 0;
      const p = new OidcClientCredentialsProvider({
        issuer: idp2.issuer,
        clientId: idp2.clientId,
        clientSecret: idp2.clientSecret,
        now: () => now,
      });
      assert.equal(await p.getToken(), 'a');
      now = (3600 - 301) * 1000;
      assert.equal(await p.getToken(), 'a');
      now = (3600 - 299) * 1000;
      assert.equal(await p.getToken(), 'b');
    } finally {
      await idp2.stop();
    }
  });

  it('reports a rejected secret clearly without revealing it', async () => {
    const p = new OidcClientCredentialsProvider({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: 'wrong-secret-123',
    });
    await assert.rejects(p.getToken(), (err: Error) => {
      assert.match(
        err.message,
        /OIDC token request at http:\/\/127\.0\.0\.1:\d+\/realm\/token failed: HTTP 401 \(invalid_client: client authentication failed\)/
      );
      assert.doesNotMatch(err.message, /wrong-secret-123/);
      return true;
    });
  });

  it('reports a failed discovery and an unreachable issuer', async () => {
    const p = new OidcClientCredentialsProvider({ issuer: idp.issuer + '/nope', clientId: 'x', clientSecret: 'y' });
    await assert.rejects(
      p.getToken(),
      /OIDC discovery at .*\/nope\/\.well-known\/openid-configuration failed: HTTP 404/
    );
    const closed = await startOidcStandIn({ tokens: [] });
    await closed.stop(); // a port nobody listens on any more
    const q = new OidcClientCredentialsProvider({ issuer: closed.issuer, clientId: 'x', clientSecret: 'y' });
    await assert.rejects(
      q.getToken(),
      /OIDC discovery at http:\/\/127\.0\.0\.1:\d+\/realm\/\.well-known\/openid-configuration failed: .*ECONNREFUSED/
    );
  });

  it('validates its settings and reads the environment', () => {
    assert.throws(
      () => new OidcClientCredentialsProvider({ issuer: 'not a url', clientId: 'a', clientSecret: 'b' }),
      /not a valid URL/
    );
    assert.throws(
      () => new OidcClientCredentialsProvider({ issuer: 'http://x', clientId: '', clientSecret: 'b' }),
      /clientId is required/
    );
    assert.throws(
      () => OidcClientCredentialsProvider.fromEnv({ MICROMEGAS_OIDC_ISSUER: 'http://x' }),
      /MICROMEGAS_OIDC_CLIENT_ID environment variable not set/
    );
    assert.ok(
      OidcClientCredentialsProvider.fromEnv({
        MICROMEGAS_OIDC_ISSUER: 'http://x',
        MICROMEGAS_OIDC_CLIENT_ID: 'a',
        MICROMEGAS_OIDC_CLIENT_SECRET: 'b',
      }) instanceof OidcClientCredentialsProvider
    );
  });
});
