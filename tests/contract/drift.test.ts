// Frontend and backend read the same settings the same way: the config page shows the
// authentication the backend will use, and accepts exactly the URLs the backend accepts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseSettings, SettingsError } from '../../pkg/settings';
import { parseServerUri } from '../../pkg/micromegas';
import { effectiveAuthType, validateUrl } from '../../src/config/settings';
import type { MicromegasOptions } from '../../src/types';

const OAUTH = { oauthIssuer: 'https://idp.example.com', oauthClientId: 'c' };

function backendAuth(jsonData: Record<string, unknown>, secure: Record<string, string>): string {
  try {
    return parseSettings({
      uid: 'u',
      lastUpdatedMS: 0,
      jsonData: { url: 'grpc://h:1', ...jsonData },
      decryptedSecureJsonData: secure,
    }).auth.type;
  } catch (e) {
    if (e instanceof SettingsError && /not supported/.test(e.message)) {
      return 'unsupported';
    }
    throw e;
  }
}

describe('frontend and backend agree on the settings', () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, string>]> = [
    ['no authType, a saved token', {}, { token: 'k' }],
    ['no authType, OAuth fields', OAUTH, { oauthClientSecret: 's' }],
    ['no authType, nothing', {}, {}],
    ['authType token', { authType: 'token' }, { token: 'k' }],
    ['upstream selectedAuthType token', { selectedAuthType: 'token' }, { token: 'k' }],
    [
      'upstream "oauth2-client-credentials"',
      { selectedAuthType: 'oauth2-client-credentials', ...OAUTH },
      { oauthClientSecret: 's' },
    ],
    ['alias "apikey"', { selectedAuthType: 'apikey' }, { token: 'k' }],
    ['alias "api key"', { selectedAuthType: 'api key' }, { token: 'k' }],
    ['alias "oauth"', { selectedAuthType: 'oauth', ...OAUTH }, { oauthClientSecret: 's' }],
    ['alias "Token" (any case)', { authType: 'Token' }, { token: 'k' }],
    ['username/password', { selectedAuthType: 'username/password' }, {}],
    ['alias "basic"', { selectedAuthType: 'basic' }, {}],
  ];
  for (const [name, jsonData, secure] of cases) {
    it(`authentication: ${name}`, () => {
      const saved = Object.fromEntries(Object.keys(secure).map((k) => [k, true]));
      assert.equal(effectiveAuthType(jsonData as MicromegasOptions, saved), backendAuth(jsonData, secure));
    });
  }

  it('URLs: the config page accepts exactly what the backend and the client accept', () => {
    const urls = [
      'grpc://h:50051',
      'grpc+tls://h:443',
      'grpc+tcp://h:50051',
      'http://h',
      'https://h:8443',
      'GRPC://H:1',
      'grpc://[::1]:50051',
      'grpc://h',
      'grpc://h:0',
      'grpc://h:70000',
      'grpc://h:1/path',
      'grpc://user:pw@h:1',
      'grpc://h:1?x=1',
      'ftp://h:1',
      'h:50051',
      '',
    ];
    for (const url of urls) {
      const frontend = validateUrl(url) === undefined;
      let backend = true;
      try {
        parseSettings({ uid: 'u', lastUpdatedMS: 0, jsonData: { url }, decryptedSecureJsonData: {} });
      } catch {
        backend = false;
      }
      let client = true;
      try {
        parseServerUri(url);
      } catch {
        client = false;
      }
      assert.deepEqual({ url, frontend, client }, { url, frontend: backend, client: backend });
    }
  });
});
