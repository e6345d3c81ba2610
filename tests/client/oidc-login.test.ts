// OIDC login for people (pkg/micromegas/oidc-login.ts): authorization code + PKCE against the
// local OIDC stand-in, the token cache file (0600), refresh, and queries to the dev server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { connect, OidcLoginProvider } from '../../pkg/micromegas';
import { startDevServer, type DevServer } from '../harness/devserver';
import { startOidcStandIn, type OidcStandIn } from './oidc-standin';

const TOKEN = 'mmk_login_token_1234';

/** The "browser": follows the authorization redirect to the local callback, as a logged-in user would. */
async function browser(url: string): Promise<void> {
  const res = await fetch(url, { redirect: 'follow' });
  assert.match(await res.text(), /Logged in to Micromegas/);
}

describe('OIDC login (authorization code + PKCE)', () => {
  let idp: OidcStandIn;
  let server: DevServer;
  let dir: string;
  before(async () => {
    idp = await startOidcStandIn({ tokens: [TOKEN], clientId: 'cli-public', expiresIn: 3600 });
    server = await startDevServer({ scale: 0.01, hours: 1, apiKeys: [{ name: 'person', key: TOKEN }] });
    dir = mkdtempSync(path.join(tmpdir(), 'mm-login-'));
  });
  after(async () => {
    await idp?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in through the browser, caches the tokens user-only, and the client queries with them', async () => {
    const tokenFile = path.join(dir, '.micromegas', 'tokens-dev.json');
    const provider = new OidcLoginProvider({
      issuer: idp.issuer,
      clientId: 'cli-public',
      tokenFile,
      openBrowser: browser,
    });
    const client = connect(server.uri, { authProvider: provider });
    try {
      const t = await client.query('SELECT 1 AS one');
      assert.equal(t.getChild('one')!.get(0), 1n);
    } finally {
      client.close();
    }
    const grant = idp.requests.map((r) => r.form.get('grant_type'));
    assert.deepEqual(grant, ['authorization_code']);
    assert.ok(idp.requests[0]!.form.get('code_verifier'), 'PKCE verifier sent');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(tokenFile)).mode & 0o777, 0o700);
    const cached = JSON.parse(readFileSync(tokenFile, 'utf8')) as { access_token: string; refresh_token: string };
    assert.equal(cached.access_token, TOKEN);
    // A new provider (a new process) uses the cache without a browser.
    const again = new OidcLoginProvider({ issuer: idp.issuer, clientId: 'cli-public', tokenFile });
    assert.equal(await again.getToken(), TOKEN);
    assert.equal(idp.requests.length, 1);
  });

  it('refreshes an expiring token with the refresh token, without the browser', async () => {
    idp.expiresIn = 60; // inside the 5-minute margin: every getToken refreshes
    const tokenFile = path.join(dir, 'tokens-refresh.json');
    const first = new OidcLoginProvider({
      issuer: idp.issuer,
      clientId: 'cli-public',
      tokenFile,
      openBrowser: browser,
    });
    await first.getToken();
    const noBrowser = new OidcLoginProvider({ issuer: idp.issuer, clientId: 'cli-public', tokenFile });
    const before = idp.requests.length;
    assert.equal(await noBrowser.getToken(), TOKEN);
    assert.equal(idp.requests.at(-1)!.form.get('grant_type'), 'refresh_token');
    assert.equal(idp.requests.length, before + 1);
  });

  it('without a cached token and no browser, says to log in (never printing a token)', async () => {
    const p = new OidcLoginProvider({
      issuer: idp.issuer,
      clientId: 'cli-public',
      tokenFile: path.join(dir, 'none.json'),
    });
    await assert.rejects(p.getToken(), (e: Error) => /not logged in/.test(e.message) && !e.message.includes(TOKEN));
  });
});
