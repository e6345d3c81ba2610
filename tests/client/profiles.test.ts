// Connection profiles (pkg/micromegas/profiles.ts): the Python CLI's file, selection and precedence.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ProfileError, resolveConnection } from '../../pkg/micromegas';

describe('connection profiles', () => {
  let home: string;
  const write = (config: unknown): void =>
    writeFileSync(path.join(home, '.micromegas', 'config.json'), JSON.stringify(config));
  before(() => {
    home = mkdtempSync(path.join(tmpdir(), 'mm-profiles-'));
    mkdirSync(path.join(home, '.micromegas'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('no file: the default URI and the plain token file', () => {
    const c = resolveConnection({ env: {}, home: path.join(home, 'absent') });
    assert.equal(c.uri, 'grpc://localhost:50051');
    assert.equal(c.tokenFile, path.join(home, 'absent', '.micromegas', 'tokens.json'));
    assert.equal(c.profile, undefined);
  });

  it('a flat config is used as is', () => {
    write({ uri: 'grpc+tls://flat:443', client_id: 'cli', issuers: [{ issuer: 'https://idp', audience: 'aud' }] });
    const c = resolveConnection({ env: {}, home });
    assert.deepEqual(
      [c.uri, c.oidcClientId, c.oidcIssuer, c.oidcAudience],
      ['grpc+tls://flat:443', 'cli', 'https://idp', 'aud']
    );
    assert.throws(() => resolveConnection({ env: {}, home, profile: 'x' }), /no profiles configured/);
  });

  it('selection: argument > MICROMEGAS_PROFILE > default_profile; environment overrides the profile', () => {
    write({ default_profile: 'a', profiles: { a: { uri: 'grpc://a:1' }, b: { uri: 'grpc://b:1' } } });
    assert.equal(resolveConnection({ env: {}, home }).uri, 'grpc://a:1');
    assert.equal(resolveConnection({ env: { MICROMEGAS_PROFILE: 'b' }, home }).uri, 'grpc://b:1');
    assert.equal(resolveConnection({ env: { MICROMEGAS_PROFILE: 'b' }, home, profile: 'a' }).uri, 'grpc://a:1');
    const c = resolveConnection({ env: { MICROMEGAS_ANALYTICS_URI: 'grpc://env:1' }, home, profile: 'b' });
    assert.equal(c.uri, 'grpc://env:1');
    assert.equal(c.tokenFile, path.join(home, '.micromegas', 'tokens-b.json'));
  });

  it('errors name the choices; unsafe names never reach a file path', () => {
    write({ profiles: { a: { uri: 'grpc://a:1' } } });
    assert.throws(() => resolveConnection({ env: {}, home }), /no profile selected.*available: a/);
    assert.throws(
      () => resolveConnection({ env: {}, home, profile: 'z' }),
      (e: unknown) => e instanceof ProfileError && /unknown profile 'z'/.test((e as Error).message)
    );
    assert.throws(() => resolveConnection({ env: {}, home, profile: '../x' }), /invalid profile name/);
    writeFileSync(path.join(home, '.micromegas', 'config.json'), '{ nope');
    assert.throws(() => resolveConnection({ env: {}, home }), /Invalid JSON in config file/);
  });
});
