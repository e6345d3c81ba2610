// Settings → options of the Micromegas FlightSQL client (pkg/micromegas).
import type { AuthProvider, ClientOptions } from '../micromegas';
import type { AuthSettings, DataSourceSettings } from './types';

/** Builds the token source for OAuth2 client credentials (supplied by the caller, from pkg/micromegas). */
export type OAuthProviderFactory = (auth: Extract<AuthSettings, { type: 'oauth2' }>) => AuthProvider;

export interface ClientOptionsContext {
  oauthProvider?: OAuthProviderFactory;
  /** Where the client's warnings (e.g. TLS verification off) go. */
  warn?: (message: string) => void;
}

/** Client identification sent as x-client-* metadata (Micromegas audit log). */
export const CLIENT_IDENTITY = {
  clientType: 'grafana',
  clientEntrypoint: 'grafana-plugin',
  clientAgent: 'none',
} as const;

export function clientOptions(settings: DataSourceSettings, ctx: ClientOptionsContext = {}): ClientOptions {
  const options: ClientOptions = {
    ...CLIENT_IDENTITY,
    preserveDictionary: settings.preserveDictionary,
    headers: { ...settings.headers },
    // One fixed session id per data source version makes the audit log easy to group.
    sessionId: `grafana-${settings.uid}`.slice(0, 64).replace(/[^\x20-\x7e]/g, '_'),
  };
  if (settings.tls.enabled) {
    options.tls = {
      skipVerify: settings.tls.skipVerify,
      ...(settings.tls.caCert ? { caPem: settings.tls.caCert } : {}),
      ...(settings.tls.clientCert ? { certPem: settings.tls.clientCert, keyPem: settings.tls.clientKey } : {}),
    };
  }
  const auth = settings.auth;
  if (auth.type === 'token') {
    options.token = auth.token;
  } else if (auth.type === 'oauth2') {
    if (!ctx.oauthProvider) {
      throw new Error('OAuth2 client credentials are not available in this build');
    }
    options.authProvider = ctx.oauthProvider(auth);
  }
  if (ctx.warn) {
    const warn = ctx.warn;
    options.logger = { warn: (m: string) => warn(m) };
  }
  return options;
}
