// OIDC login for people, as the Python client's OidcAuthProvider: authorization code + PKCE
// (S256) with a one-shot callback server on 127.0.0.1, tokens cached in a file only the user
// can read (0600, directory 0700, written atomically), refreshed with the refresh token before
// they expire. Usable as a client `authProvider`. Tokens never appear in errors or logs.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { AuthProviderObject } from './auth';

export interface OidcLoginOptions {
  issuer: string;
  clientId: string;
  audience?: string;
  /** Default `openid profile email offline_access` (offline_access: a refresh token). */
  scope?: string;
  /** Token cache, e.g. resolveConnection().tokenFile (`~/.micromegas/tokens[-profile].json`). */
  tokenFile: string;
  /** Opens the authorization URL for the user (a browser); required to log in interactively. */
  openBrowser?: (url: string) => void | Promise<void>;
  /** Callback port on 127.0.0.1 (default 0: any free port; the IdP must allow that redirect URI). */
  callbackPort?: number;
  /** How long to wait for the user to finish logging in (default 5 minutes). */
  loginTimeoutMs?: number;
}

interface CachedTokens {
  issuer: string;
  client_id: string;
  access_token: string;
  refresh_token?: string;
  /** Epoch ms. */
  expires_at: number;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

/** Refresh this long before expiry (as the client-credentials provider). */
const MARGIN_MS = 5 * 60 * 1000;

const b64url = (buf: Buffer): string => buf.toString('base64url');

export class OidcLoginProvider implements AuthProviderObject {
  private tokens: CachedTokens | undefined;
  private discovery: Discovery | undefined;

  constructor(private readonly opts: OidcLoginOptions) {
    this.tokens = this.readCache();
  }

  /** A valid access token: cached, refreshed, or (with openBrowser) a new interactive login. */
  async getToken(): Promise<string> {
    const t = this.tokens;
    if (t && t.expires_at - MARGIN_MS > Date.now()) {
      return t.access_token;
    }
    if (t?.refresh_token) {
      try {
        return (await this.refresh(t.refresh_token)).access_token;
      } catch {
        // refresh token expired or revoked: fall through to a new login
      }
    }
    if (!this.opts.openBrowser) {
      throw new Error(
        `not logged in to ${this.opts.issuer}: run the OIDC login (no valid cached token in ${this.opts.tokenFile})`
      );
    }
    return (await this.login()).access_token;
  }

  /** The server refused the token: the next call refreshes or logs in again. */
  invalidate(): void {
    if (this.tokens) {
      this.tokens = { ...this.tokens, expires_at: 0 };
    }
  }

  /** Authorization code + PKCE through the user's browser; caches and returns the tokens. */
  async login(): Promise<CachedTokens> {
    const d = await this.discover();
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const state = b64url(randomBytes(16));
    const { redirectUri, code } = await this.awaitCallback(state, (redirect) => {
      const url = new URL(d.authorization_endpoint);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: this.opts.clientId,
        redirect_uri: redirect,
        scope: this.opts.scope ?? 'openid profile email offline_access',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        ...(this.opts.audience ? { audience: this.opts.audience } : {}),
      }).toString();
      return url.toString();
    });
    return this.tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: this.opts.clientId,
      code_verifier: verifier,
    });
  }

  private async refresh(refreshToken: string): Promise<CachedTokens> {
    return this.tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: this.opts.clientId,
    });
  }

  private async discover(): Promise<Discovery> {
    if (this.discovery) {
      return this.discovery;
    }
    const url = `${this.opts.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) {
      throw new Error(`OIDC discovery failed at ${url}: HTTP ${res.status}`);
    }
    const doc = (await res.json()) as Partial<Discovery>;
    if (!doc.authorization_endpoint || !doc.token_endpoint) {
      throw new Error(`OIDC discovery at ${url} lacks authorization_endpoint or token_endpoint`);
    }
    this.discovery = { authorization_endpoint: doc.authorization_endpoint, token_endpoint: doc.token_endpoint };
    return this.discovery;
  }

  private async tokenRequest(form: Record<string, string>): Promise<CachedTokens> {
    const d = await this.discover();
    const res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      refresh_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !body.access_token) {
      throw new Error(
        `OIDC ${form.grant_type} failed: HTTP ${res.status}${body.error ? ` ${body.error}` : ''}${body.error_description ? `: ${body.error_description}` : ''}`
      );
    }
    const tokens: CachedTokens = {
      issuer: this.opts.issuer,
      client_id: this.opts.clientId,
      access_token: body.access_token,
      // A refresh answer may omit the refresh token: keep the one we have.
      refresh_token: body.refresh_token ?? form.refresh_token,
      expires_at: Date.now() + (body.expires_in ?? 3600) * 1000,
    };
    this.tokens = tokens;
    this.writeCache(tokens);
    return tokens;
  }

  /** One-shot callback server: resolves with the code once the IdP redirects the browser back. */
  private awaitCallback(
    state: string,
    authorizeUrl: (redirectUri: string) => string
  ): Promise<{ redirectUri: string; code: string }> {
    return new Promise((resolve, reject) => {
      let redirectUri = '';
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', redirectUri);
        if (url.pathname !== '/callback') {
          res.statusCode = 404;
          res.end();
          return;
        }
        const error = url.searchParams.get('error');
        const code = url.searchParams.get('code');
        const ok = !error && code && url.searchParams.get('state') === state;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(
          ok ? 'Logged in to Micromegas. You can close this window.' : 'Login failed. You can close this window.'
        );
        finish(
          ok
            ? undefined
            : new Error(error ? `OIDC login refused: ${error}` : 'OIDC login callback without a valid code and state'),
          code ?? ''
        );
      });
      const timer = setTimeout(
        () => finish(new Error('OIDC login timed out waiting for the browser callback'), ''),
        this.opts.loginTimeoutMs ?? 5 * 60 * 1000
      );
      const finish = (err: Error | undefined, code: string): void => {
        clearTimeout(timer);
        server.close();
        if (err) {
          reject(err);
        } else {
          resolve({ redirectUri, code });
        }
      };
      server.on('error', (err) => finish(err, ''));
      server.listen(this.opts.callbackPort ?? 0, '127.0.0.1', () => {
        redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
        Promise.resolve(this.opts.openBrowser!(authorizeUrl(redirectUri))).catch((err: unknown) =>
          finish(err instanceof Error ? err : new Error(String(err)), '')
        );
      });
    });
  }

  private readCache(): CachedTokens | undefined {
    try {
      const t = JSON.parse(readFileSync(this.opts.tokenFile, 'utf8')) as CachedTokens;
      // A cache written for another issuer or client is not ours to use.
      return t.issuer === this.opts.issuer && t.client_id === this.opts.clientId && t.access_token ? t : undefined;
    } catch {
      return undefined;
    }
  }

  /** Written beside the target then renamed, readable by the user only. */
  private writeCache(tokens: CachedTokens): void {
    const dir = path.dirname(this.opts.tokenFile);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.opts.tokenFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(tokens), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.opts.tokenFile);
  }
}
