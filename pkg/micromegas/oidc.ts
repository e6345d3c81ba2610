// OAuth 2.0 client credentials for service accounts, as the Python client's
// OidcClientCredentialsProvider: OIDC discovery, token cached until 5 minutes
// before expiry, invalidated once by the client after an UNAUTHENTICATED answer.
import type { AuthProviderObject } from './auth';
import { redact } from './errors';

export interface OidcClientCredentialsOptions {
  /** Issuer URL; discovery reads `{issuer}/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Audience/resource parameter required by some providers (Auth0, Azure AD). */
  audience?: string;
  /** Optional `scope` parameter. */
  scope?: string;
  /** HTTP timeout for discovery and token requests (default 10 s, like Python). */
  timeoutMs?: number;
  /** Injectable fetch (defaults to the global one). */
  fetch?: typeof fetch;
  /** Clock, for callers that need one (default Date.now). */
  now?: () => number;
}

/** Why a token could not be had: the issuer did not answer, or it answered with a refusal/bad document. */
export class OidcError extends Error {
  override readonly name = 'OidcError';
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'refused',
    /** The issuer as configured. */
    readonly issuer: string,
    /** The URL that failed (discovery or token endpoint). */
    readonly url: string
  ) {
    super(message);
  }
}

/** Refresh this long before expiry. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const DEFAULT_EXPIRES_IN_S = 3600;

export class OidcClientCredentialsProvider implements AuthProviderObject {
  private readonly opts: Required<Omit<OidcClientCredentialsOptions, 'audience' | 'scope'>> &
    Pick<OidcClientCredentialsOptions, 'audience' | 'scope'>;
  private tokenEndpoint?: Promise<string>;
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;
  /** Number of token requests made (useful to observe caching). */
  tokenRequests = 0;

  constructor(options: OidcClientCredentialsOptions) {
    for (const key of ['issuer', 'clientId', 'clientSecret'] as const) {
      if (typeof options[key] !== 'string' || options[key] === '') {
        throw new Error(`OIDC client credentials: ${key} is required`);
      }
    }
    let issuerUrl: URL;
    try {
      issuerUrl = new URL(options.issuer);
    } catch {
      throw new Error(`OIDC client credentials: issuer '${options.issuer}' is not a valid URL`);
    }
    if (issuerUrl.protocol !== 'https:' && issuerUrl.protocol !== 'http:') {
      throw new Error(`OIDC client credentials: issuer must be an http(s) URL, got '${options.issuer}'`);
    }
    this.opts = {
      timeoutMs: 10_000,
      fetch: globalThis.fetch.bind(globalThis),
      now: Date.now,
      ...options,
      issuer: options.issuer.replace(/\/+$/, ''),
    };
  }

  /** From MICROMEGAS_OIDC_ISSUER, _CLIENT_ID, _CLIENT_SECRET and optional _AUDIENCE / _SCOPE. */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): OidcClientCredentialsProvider {
    for (const name of ['MICROMEGAS_OIDC_ISSUER', 'MICROMEGAS_OIDC_CLIENT_ID', 'MICROMEGAS_OIDC_CLIENT_SECRET']) {
      if (!env[name]) {
        throw new Error(`${name} environment variable not set`);
      }
    }
    return new OidcClientCredentialsProvider({
      issuer: env.MICROMEGAS_OIDC_ISSUER!,
      clientId: env.MICROMEGAS_OIDC_CLIENT_ID!,
      clientSecret: env.MICROMEGAS_OIDC_CLIENT_SECRET!,
      audience: env.MICROMEGAS_OIDC_AUDIENCE || undefined,
      scope: env.MICROMEGAS_OIDC_SCOPE || undefined,
    });
  }

  async getToken(): Promise<string> {
    if (this.cached && this.opts.now() < this.cached.expiresAt - REFRESH_MARGIN_MS) {
      return this.cached.token;
    }
    // Concurrent callers share one token request.
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.opts.fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs) });
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      // No HTTP answer (connection refused, DNS, TLS, timeout): the issuer is unreachable.
      throw new OidcError(
        `the OAuth issuer ${this.opts.issuer} is unreachable: OIDC ${what} at ${url} failed: ${this.redact(cause)}`,
        'unreachable',
        this.opts.issuer,
        url
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const b = (body ?? {}) as Record<string, unknown>;
      const detail = [b.error, b.error_description].filter((x) => typeof x === 'string').join(': ');
      throw new OidcError(
        `OIDC ${what} at ${url} failed: HTTP ${res.status}${detail ? ` (${this.redact(detail)})` : ''}`,
        'refused',
        this.opts.issuer,
        url
      );
    }
    if (typeof body !== 'object' || body === null) {
      throw new Error(`OIDC ${what} at ${url} returned a response that is not a JSON object`);
    }
    return body as Record<string, unknown>;
  }

  private redact(text: string): string {
    return redact(text, [this.opts.clientSecret, this.cached?.token]);
  }

  private discover(): Promise<string> {
    this.tokenEndpoint ??= (async () => {
      const meta = await this.request(
        `${this.opts.issuer}/.well-known/openid-configuration`,
        { method: 'GET' },
        'discovery'
      );
      if (typeof meta.token_endpoint !== 'string' || meta.token_endpoint === '') {
        throw new Error(`OIDC discovery at ${this.opts.issuer} returned no token_endpoint`);
      }
      return meta.token_endpoint;
    })().catch((err) => {
      this.tokenEndpoint = undefined; // retry discovery next time
      throw err;
    });
    return this.tokenEndpoint;
  }

  private async fetchToken(): Promise<string> {
    const endpoint = await this.discover();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
    });
    if (this.opts.audience) {
      form.set('audience', this.opts.audience);
    }
    if (this.opts.scope) {
      form.set('scope', this.opts.scope);
    }
    this.tokenRequests++;
    const body = await this.request(
      endpoint,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      },
      'token request'
    );
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new Error(`OIDC token request at ${endpoint} returned no access_token`);
    }
    const expiresIn =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in
        : Number(body.expires_in) || DEFAULT_EXPIRES_IN_S;
    this.cached = { token: body.access_token, expiresAt: this.opts.now() + expiresIn * 1000 };
    return body.access_token;
  }
}
