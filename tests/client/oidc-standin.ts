// A small local OIDC stand-in for tests: discovery document, client-credentials token endpoint,
// and for people an authorization endpoint (authorization code + PKCE S256, redirecting straight
// back as a logged-in browser would) with refresh tokens, on 127.0.0.1, recording every token request.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenRequest {
  form: URLSearchParams;
}

export interface OidcStandIn {
  issuer: string;
  requests: TokenRequest[];
  /** Tokens handed out in order; the last one repeats. */
  tokens: string[];
  expiresIn: number | undefined;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startOidcStandIn(opts: {
  tokens: string[];
  clientId?: string;
  clientSecret?: string;
  expiresIn?: number;
}): Promise<OidcStandIn> {
  const state = {
    requests: [] as TokenRequest[],
    tokens: opts.tokens,
    expiresIn: opts.expiresIn,
    clientId: opts.clientId ?? 'svc-client',
    clientSecret: opts.clientSecret ?? 'svc-secret-value',
  };
  let issuer = '';
  const codes = new Map<string, { challenge: string; redirect: string }>();
  const refreshTokens = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/realm/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, authorization_endpoint: `${issuer}/authorize` })
      );
      return;
    }
    if (req.method === 'GET' && url.pathname === '/realm/authorize') {
      const p = url.searchParams;
      const redirect = p.get('redirect_uri') ?? '';
      if (
        p.get('response_type') !== 'code' ||
        p.get('client_id') !== state.clientId ||
        p.get('code_challenge_method') !== 'S256' ||
        !/^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(redirect)
      ) {
        res.statusCode = 400;
        res.end('bad authorization request');
        return;
      }
      const code = randomUUID();
      codes.set(code, { challenge: p.get('code_challenge') ?? '', redirect });
      res.statusCode = 302;
      res.setHeader('location', `${redirect}?code=${code}&state=${encodeURIComponent(p.get('state') ?? '')}`);
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/realm/token') {
      const form = new URLSearchParams(await body(req));
      state.requests.push({ form });
      res.setHeader('content-type', 'application/json');
      const grant = form.get('grant_type');
      if (grant === 'authorization_code' || grant === 'refresh_token') {
        let ok = form.get('client_id') === state.clientId;
        if (grant === 'authorization_code') {
          const issued = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          ok &&=
            !!issued &&
            issued.redirect === form.get('redirect_uri') &&
            createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
        } else {
          ok &&= refreshTokens.has(form.get('refresh_token') ?? '');
        }
        if (!ok) {
          res.statusCode = 400;
          res.end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        const refresh = `refresh-${randomUUID()}`;
        refreshTokens.add(refresh);
        const token = state.tokens[Math.min(state.requests.length - 1, state.tokens.length - 1)];
        res.end(
          JSON.stringify({
            access_token: token,
            refresh_token: refresh,
            token_type: 'Bearer',
            ...(state.expiresIn === undefined ? {} : { expires_in: state.expiresIn }),
          })
        );
        return;
      }
      if (
        form.get('grant_type') !== 'client_credentials' ||
        form.get('client_id') !== state.clientId ||
        form.get('client_secret') !== state.clientSecret
      ) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: 'invalid_client', error_description: 'client authentication failed' }));
        return;
      }
      const token = state.tokens[Math.min(state.requests.length - 1, state.tokens.length - 1)];
      res.end(
        JSON.stringify({
          access_token: token,
          token_type: 'Bearer',
          ...(state.expiresIn === undefined ? {} : { expires_in: state.expiresIn }),
        })
      );
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realm`;
  return Object.assign(state, {
    issuer,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
