// Recognises a JWT (an OIDC access/ID token) by its shape: three base64url segments whose first
// decodes to a JSON header naming an algorithm. Micromegas API keys are opaque strings; a JWT
// used as a "token" cannot delegate, so user attribution with it is refused by the server
// ("User impersonation not allowed"). Nothing here logs or returns the token.

/** True when `token` is shaped like a JWT (header.payload.signature, header JSON with `alg`). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((p, i) => (i < 2 ? !/^[A-Za-z0-9_-]+$/.test(p) : !/^[A-Za-z0-9_-]*$/.test(p)))) {
    return false;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}
