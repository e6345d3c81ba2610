// Token sources. A provider is asked for a token on every call; `invalidate` lets the
// client drop a cached token once after the server answered UNAUTHENTICATED.

/** An object or a function returning the bearer token to send (`authorization: Bearer <token>`). */
export type AuthProvider = AuthProviderObject | (() => string | Promise<string>);

export interface AuthProviderObject {
  getToken(): string | Promise<string>;
  /** Forget any cached token; the next getToken() fetches a fresh one. */
  invalidate?(): void;
}

/** Normalizes a provider (function or object) into the object shape. */
export function asProviderObject(provider: AuthProvider): AuthProviderObject {
  return typeof provider === 'function' ? { getToken: provider } : provider;
}
