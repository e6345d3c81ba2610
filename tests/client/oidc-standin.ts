// A small local OIDC stand-in for tests: discovery document + client-credentials token
// endpoint on 127.0.0.1, recording every token request.
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
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/realm/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/realm/token') {
      const form = new URLSearchParams(await body(req));
      state.requests.push({ form });
      res.setHeader('content-type', 'application/json');
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
