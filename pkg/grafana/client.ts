// The production client factory: one Micromegas FlightSQL client per data source version.
import { FlightSQLClient } from '../micromegas/client';
import { clientOptions } from '../settings';
import type { ClientFactory } from './instances';

export const micromegasClientFactory: ClientFactory = (settings, logger) => {
  const client = new FlightSQLClient(settings.url, clientOptions(settings, { warn: (m) => logger.warn(m) }));
  return { client, close: () => client.close() };
};
