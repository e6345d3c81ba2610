// Public entry point of the TypeScript Micromegas client.
//   import { connect } from '<this package>/pkg/micromegas';
//   const client = connect('grpc://localhost:50051', { token });
//   const table = await client.query('SELECT * FROM processes', begin, end);
import * as admin from './admin';
import * as perfetto from './perfetto';
import * as time from './time';

export { connect, FlightSQLClient, DEFAULT_URI, decodeDictionaries } from './client';
export type {
  CallOptions,
  ClientOptions,
  DoPutUpdateResult,
  GetTablesOptions,
  Logger,
  PartitionMessage,
  PreparedStatement,
  SqlInfoValue,
  TableInfo,
  TlsOptions,
} from './client';
export { QueryStream } from './query-stream';
export { MicromegasError, parseServerMessage, STATUS_NAMES } from './errors';
export type { AuthProvider, AuthProviderObject } from './auth';
export { OidcClientCredentialsProvider } from './oidc';
export { OidcLoginProvider } from './oidc-login';
export type { OidcLoginOptions } from './oidc-login';
export type { OidcClientCredentialsOptions } from './oidc';
export { parseServerUri } from './uri';
export { ProfileError, resolveConnection, defaultTokenFile } from './profiles';
export type { ConnectionConfig } from './profiles';
export type { ServerAddress } from './uri';
export { formatDatetime, parseDatetime, parseTimeDelta } from './time';
export type { TimeInput } from './time';
export { sqlString } from './sql';
export type { PerfettoSpanTypes } from './perfetto';
export { admin, perfetto, time };
