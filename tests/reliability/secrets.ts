// The encodings a secret can travel in, an assertion that none of them is in a text, and an
// identity provider that echoes the client secret it is sent.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every encoding a secret is known to have travelled in (issue 14, finding 5). */
export function encodingsOf(secret: string, clientId = 'svc-client'): Record<string, string> {
  return {
    raw: secret,
    upper: secret.toUpperCase(),
    percent: encodeURIComponent(secret),
    percentLower: encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    form: new URLSearchParams([['s', secret]]).toString().slice(2),
    doublePercent: encodeURIComponent(encodeURIComponent(secret)),
    base64: Buffer.from(secret).toString('base64'),
    base64url: Buffer.from(secret).toString('base64url'),
    basicAuth: Buffer.from(`${clientId}:${secret}`).toString('base64'),
    basicAuthOffset: Buffer.from(`x${clientId}:${secret}`).toString('base64'),
    json: JSON.stringify(secret).slice(1, -1),
    goJson: JSON.stringify(secret)
      .slice(1, -1)
      .replace(/&/g, '\\u0026')
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e'),
  };
}

/** Fails naming the encoding when any form of `secret` is in `text`. */
export function assertNoSecret(text: string, secret: string, where: string): void {
  for (const [kind, form] of Object.entries(encodingsOf(secret))) {
    // base64 of a longer text holds the secret in its middle only: check the part that is the secret's own.
    const probe = kind.startsWith('basicAuth') ? form.slice(-Math.floor((secret.length * 4) / 3) + 2, -2) : form;
    assert.ok(
      !text.toLowerCase().includes(probe.toLowerCase()),
      `${where}: the ${kind} form of a secret leaked: ${text}`
    );
  }
}

/**
 * An identity provider that refuses the client and echoes its secret in its error description:
 * the form body, HTTP Basic (base64 of `clientId:secret`), JSON and raw, after `label`.
 */
export async function echoingIdp(clientId: string, label: string): Promise<{ issuer: string; stop(): Promise<void> }> {
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET') {
        res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = new URLSearchParams(body).get('client_secret') ?? '';
      const basic = Buffer.from(`${clientId}:${secret}`).toString('base64');
      res.statusCode = 401;
      res.end(
        JSON.stringify({
          error: 'invalid_client',
          error_description: `${label}: ${body}; Basic ${basic}; as JSON ${JSON.stringify({ s: secret })}; raw ${secret}`,
        })
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realm`;
  return { issuer, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
