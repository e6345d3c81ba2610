// The production client factory: one Micromegas FlightSQL client per data source
// version, with OAuth2 client credentials from pkg/micromegas when configured.
import { FlightSQLClient, OidcClientCredentialsProvider } from '../micromegas';
import { clientOptions } from '../settings';
import type { ClientFactory } from './instances';

export const micromegasClientFactory: ClientFactory = (settings, logger) => {
  const options = clientOptions(settings, {
    warn: (m) => logger.warn(m),
    oauthProvider: (auth) =>
      new OidcClientCredentialsProvider({
        issuer: auth.issuer,
        clientId: auth.clientId,
        clientSecret: auth.clientSecret,
        audience: auth.audience,
      }),
  });
  const client = new FlightSQLClient(settings.url, options);
  return { client, close: () => client.close() };
};
