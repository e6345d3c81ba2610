// Data source settings: our keys, the upstream plugin's keys, defaults and the
// messages shown for invalid settings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pipelineSettings } from '../../pkg/grafana/instances';
import { attributionHeaders } from '../../pkg/query/attribution';
import { parseSettings, SettingsError, type RawInstanceSettings } from '../../pkg/settings';

function raw(jsonData: unknown, secure: Record<string, string> = {}): RawInstanceSettings {
  return { uid: 'ds1', name: 'Micromegas', lastUpdatedMS: 42, jsonData, decryptedSecureJsonData: secure };
}

function rejects(jsonData: unknown, secure: Record<string, string>, pattern: RegExp): void {
  assert.throws(
    () => parseSettings(raw(jsonData, secure)),
    (e: unknown) => e instanceof SettingsError && pattern.test(e.message),
    `expected a SettingsError matching ${pattern}`
  );
}

describe('settings: our keys', () => {
  it('applies defaults', () => {
    const s = parseSettings(raw({ url: 'grpc://micromegas:50051' }));
    assert.equal(s.url, 'grpc://micromegas:50051');
    assert.equal(s.tls.enabled, false);
    assert.deepEqual(s.auth, { type: 'none' });
    assert.equal(s.rowLimit, 1_000_000);
    assert.equal(s.queryTimeoutSeconds, 300);
    assert.equal(s.enableUserAttribution, true);
    assert.equal(s.preserveDictionary, false);
    assert.equal(s.version, 42);
    assert.equal(s.upstreamShape, false);
  });

  it('maps schemes: http → grpc, https → grpc+tls, default ports', () => {
    assert.equal(parseSettings(raw({ url: 'http://h:1234' })).url, 'grpc://h:1234');
    assert.equal(parseSettings(raw({ url: 'https://h' })).url, 'grpc+tls://h:443');
    assert.equal(parseSettings(raw({ url: 'grpc+tls://h' })).url, 'grpc+tls://h:50051');
    // A scheme is required, as on the config page (src/shared/endpoint.ts is both sides' parser).
    assert.throws(() => parseSettings(raw({ url: 'h:7000' })), /Add a scheme: grpc:\/\/h:7000/);
    assert.equal(parseSettings(raw({ url: 'http://h:80' })).port, 80);
  });

  it('reads token auth, TLS files, headers and limits', () => {
    const pemCert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    const pemKey = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----';
    const s = parseSettings(
      raw(
        {
          url: 'grpc+tls://mm.example.com:443',
          authType: 'token',
          tlsAuthWithCACert: true,
          tlsAuth: true,
          httpHeaderName1: 'X-Tenant',
          httpHeaderName2: 'x-api-key',
          preserveDictionary: true,
          rowLimit: '5000',
          queryTimeoutSeconds: 30,
          enableUserAttribution: false,
        },
        {
          token: 'sekret-token',
          tlsCACert: pemCert,
          tlsClientCert: pemCert,
          tlsClientKey: pemKey,
          httpHeaderValue1: 'acme',
          httpHeaderValue2: 'k-123456',
        }
      )
    );
    assert.deepEqual(s.auth, { type: 'token', token: 'sekret-token' });
    assert.equal(s.tls.enabled, true);
    assert.match(s.tls.caCert!, /BEGIN CERTIFICATE/);
    assert.match(s.tls.clientKey!, /PRIVATE KEY/);
    assert.deepEqual(s.headers, { 'x-tenant': 'acme', 'x-api-key': 'k-123456' });
    assert.equal(s.rowLimit, 5000);
    assert.equal(s.queryTimeoutSeconds, 30);
    assert.equal(s.preserveDictionary, true);
    assert.equal(s.enableUserAttribution, false);
    for (const secret of ['sekret-token', 'acme', 'k-123456']) {
      assert.ok(s.secrets.includes(secret), `${secret} is registered for redaction`);
    }
  });

  it('reads OAuth2 client credentials', () => {
    const s = parseSettings(
      raw(
        {
          url: 'grpc://h:1',
          authType: 'oauth2',
          oauthIssuer: 'https://idp.example.com/',
          oauthClientId: 'grafana',
          oauthAudience: 'mm',
        },
        { oauthClientSecret: 'cs' }
      )
    );
    assert.deepEqual(s.auth, {
      type: 'oauth2',
      issuer: 'https://idp.example.com',
      clientId: 'grafana',
      clientSecret: 'cs',
      audience: 'mm',
    });
    assert.ok(s.warnings.some((w) => /attribution/.test(w)));
  });

  it('accepts jsonData as protocol bytes', () => {
    const s = parseSettings(raw(Buffer.from(JSON.stringify({ url: 'grpc://x:2' }))));
    assert.equal(s.url, 'grpc://x:2');
  });
});

describe('settings: upstream plugin keys', () => {
  it('host + secure + selectedAuthType token + metadata', () => {
    const s = parseSettings(
      raw(
        {
          host: 'mm.example.com:50051',
          secure: true,
          selectedAuthType: 'token',
          metadata: [{ 'x-team': 'obs' }, { '': '' }],
          enableUserAttribution: true,
        },
        { token: 'tok-upstream' }
      )
    );
    assert.equal(s.upstreamShape, true);
    assert.equal(s.url, 'grpc+tls://mm.example.com:50051');
    assert.deepEqual(s.auth, { type: 'token', token: 'tok-upstream' });
    assert.deepEqual(s.headers, { 'x-team': 'obs' });
  });

  it('oauth2-client-credentials label (saved by the upstream editor)', () => {
    const s = parseSettings(
      raw(
        { host: 'h:1', selectedAuthType: 'oauth2-client-credentials', oauthIssuer: 'https://idp', oauthClientId: 'id' },
        { oauthClientSecret: 's' }
      )
    );
    assert.equal(s.auth.type, 'oauth2');
  });

  it('plain host without auth', () => {
    const s = parseSettings(raw({ host: 'localhost:50051', selectedAuthType: 'none' }));
    assert.equal(s.url, 'grpc://localhost:50051');
  });
});

describe('settings: actionable errors', () => {
  it('missing address', () => rejects({}, {}, /No server address/));
  it('bad scheme', () => rejects({ url: 'ftp://h:1' }, {}, /scheme "ftp" is not supported/));
  it('path in URL', () => rejects({ url: 'grpc://h:1/api' }, {}, /has a path/));
  it('upstream host without port', () => rejects({ host: 'micromegas' }, {}, /no port.*micromegas:50051/));
  it('token auth without token', () => rejects({ url: 'grpc://h:1', authType: 'token' }, {}, /no token is saved/));
  it('token with a line break', () =>
    rejects({ url: 'grpc://h:1', authType: 'token' }, { token: 'abc\ndef' }, /line breaks/));
  it('username/password', () =>
    rejects(
      { host: 'h:1', selectedAuthType: 'username/password' },
      { password: 'p' },
      /not supported.*no FlightSQL handshake/
    ));
  it('unknown auth type', () =>
    rejects({ url: 'grpc://h:1', authType: 'kerberos' }, {}, /Unknown authentication type "kerberos"/));
  it('incomplete OAuth2', () =>
    rejects({ url: 'grpc://h:1', authType: 'oauth2', oauthIssuer: 'https://i' }, {}, /need client ID, client secret/));
  it('OAuth2 issuer not a URL', () =>
    rejects(
      { url: 'grpc://h:1', authType: 'oauth2', oauthIssuer: 'idp', oauthClientId: 'c' },
      { oauthClientSecret: 's' },
      /not a URL/
    ));
  it('duplicate metadata', () => rejects({ host: 'h:1', metadata: [{ a: '1' }, { A: '2' }] }, {}, /defined twice/));
  it('reserved header', () =>
    rejects(
      { url: 'grpc://h:1', httpHeaderName1: 'query_range_begin' },
      { httpHeaderValue1: 'x' },
      /set by the plugin itself/
    ));
  it('invalid header name', () =>
    rejects({ url: 'grpc://h:1', httpHeaderName1: 'bad header' }, {}, /may only contain/));
  it('authorization header with token auth', () =>
    rejects(
      { url: 'grpc://h:1', httpHeaderName1: 'Authorization' },
      { token: 'tok1', httpHeaderValue1: 'x' },
      /conflicts/
    ));
  it('CA cert enabled but not PEM', () =>
    rejects({ url: 'grpc+tls://h:1', tlsAuthWithCACert: true }, { tlsCACert: 'hello' }, /not PEM/));
  it('negative row limit', () => rejects({ url: 'grpc://h:1', rowLimit: -5 }, {}, /Row limit.*positive/));
  it('jsonData not an object', () => rejects(Buffer.from('[1,2]'), {}, /must be a JSON object/));
  it('jsonData not JSON', () => rejects(Buffer.from('{oops'), {}, /not valid JSON/));
  it('upstream secure without credentials', () => rejects({ host: 'h:1', secure: true }, {}, /required for a secure/));
});

describe('settings: a JWT given as the token', () => {
  // header {"alg":"RS256","typ":"JWT"}, payload {"sub":"alice"}, fake signature
  const jwt = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
  it('with user attribution on, warns that Micromegas will answer "User impersonation not allowed", without the token', () => {
    const s = parseSettings(raw({ url: 'grpc://h:1', authType: 'token' }, { token: jwt }));
    const w = s.warnings.find((x) => /JWT/.test(x));
    assert.ok(w, s.warnings.join('\n'));
    assert.match(w, /User impersonation not allowed/);
    assert.match(w, /API key|User Attribution/);
    assert.ok(!s.warnings.join(' ').includes(jwt));
  });
  it('an API key, or attribution off, gets no such warning', () => {
    const key = parseSettings(raw({ url: 'grpc://h:1', authType: 'token' }, { token: 'mmk_0123456789abcdef' }));
    assert.ok(!key.warnings.some((x) => /JWT/.test(x)));
    const off = parseSettings(
      raw({ url: 'grpc://h:1', authType: 'token', enableUserAttribution: false }, { token: jwt })
    );
    assert.ok(!off.warnings.some((x) => /JWT/.test(x)));
  });
});

describe('settings: user attribution with OAuth2 (explicit opt-in)', () => {
  const oauth = {
    url: 'grpc://h:1',
    authType: 'oauth2',
    oauthIssuer: 'https://idp.example.com',
    oauthClientId: 'grafana',
  };
  const secret = { oauthClientSecret: 'cs-secret' };
  const user = { login: 'alice', email: 'alice@example.com', name: 'Alice' };

  it('is off by default, and the warning names the opt-in', () => {
    const s = parseSettings(raw(oauth, secret));
    assert.equal(s.attributionWithOAuth, false);
    assert.ok(
      s.warnings.some((w) => /not sent/.test(w) && /enableUserAttributionWithOAuth/.test(w) && /token subject/.test(w)),
      s.warnings.join('\n')
    );
  });

  it('reads enableUserAttributionWithOAuth (boolean or "true"/"false" text) and warns about the risk', () => {
    for (const value of [true, 'true']) {
      const s = parseSettings(raw({ ...oauth, enableUserAttributionWithOAuth: value }, secret));
      assert.equal(s.attributionWithOAuth, true);
      assert.ok(
        s.warnings.some((w) => /PERMISSION_DENIED/.test(w)),
        s.warnings.join('\n')
      );
      assert.ok(!s.warnings.some((w) => /not sent/.test(w)));
    }
    assert.equal(
      parseSettings(raw({ ...oauth, enableUserAttributionWithOAuth: 'false' }, secret)).attributionWithOAuth,
      false
    );
  });

  it('says when the opt-in has no effect', () => {
    const token = parseSettings(raw({ url: 'grpc://h:1', enableUserAttributionWithOAuth: true }, { token: 'tok' }));
    assert.equal(token.attributionWithOAuth, true);
    assert.ok(
      token.warnings.some((w) => /only applies to OAuth2.*ignored with token/.test(w)),
      token.warnings.join('\n')
    );
    const off = parseSettings(
      raw({ ...oauth, enableUserAttribution: false, enableUserAttributionWithOAuth: true }, secret)
    );
    assert.ok(
      off.warnings.some((w) => /ignored: user attribution .* is off/.test(w)),
      off.warnings.join('\n')
    );
    // Nothing to say when neither applies.
    assert.deepEqual(parseSettings(raw({ url: 'grpc://h:1' })).warnings, []);
  });

  it('rejects a value that is not a boolean', () =>
    rejects(
      { ...oauth, enableUserAttributionWithOAuth: 'yes' },
      secret,
      /"enableUserAttributionWithOAuth" must be true or false/
    ));

  it('warnings never carry the client secret', () => {
    for (const v of [true, false]) {
      const s = parseSettings(raw({ ...oauth, enableUserAttributionWithOAuth: v }, secret));
      assert.ok(s.warnings.every((w) => !w.includes('cs-secret')));
    }
  });

  it('reaches the pipeline: x-user-* sent with OAuth2 only when opted in', () => {
    const optedIn = pipelineSettings(parseSettings(raw({ ...oauth, enableUserAttributionWithOAuth: true }, secret)));
    assert.equal(attributionHeaders(optedIn, user)['x-user-id'], 'alice');
    const notOptedIn = pipelineSettings(parseSettings(raw(oauth, secret)));
    assert.deepEqual(attributionHeaders(notOptedIn, user), {});
  });
});
