// The validated data source settings model, built from Grafana's jsonData and
// decryptedSecureJsonData (our keys and the upstream Micromegas plugin's keys).

/** What Grafana hands over for one data source instance. */
export interface RawInstanceSettings {
  uid: string;
  id?: number;
  name?: string;
  /** Version of the settings: changes whenever the data source is saved. */
  lastUpdatedMS: number;
  /** jsonData, already parsed (object) or as the raw JSON bytes from the protocol. */
  jsonData: unknown;
  decryptedSecureJsonData: Record<string, string>;
}

export type AuthSettings =
  | { type: 'none' }
  | { type: 'token'; token: string }
  | { type: 'oauth2'; issuer: string; clientId: string; clientSecret: string; audience?: string };

export interface TlsSettings {
  /** grpc+tls: TLS to the server (or to the proxy terminating TLS in front of it). */
  enabled: boolean;
  skipVerify: boolean;
  /** PEM of a custom certificate authority. */
  caCert?: string;
  /** PEM client certificate and key for mutual TLS. */
  clientCert?: string;
  clientKey?: string;
}

export interface DataSourceSettings {
  uid: string;
  name: string;
  /** lastUpdatedMS of the settings this was built from. */
  version: number;
  /** Canonical endpoint, `grpc://host:port` or `grpc+tls://host:port`. */
  url: string;
  host: string;
  port: number;
  tls: TlsSettings;
  auth: AuthSettings;
  /** Extra gRPC metadata sent with every call (lower-case names). */
  headers: Record<string, string>;
  preserveDictionary: boolean;
  /** Hard cap on rows per query. */
  rowLimit: number;
  /** Validated and clamped (src/shared/durations.ts): a Node timer holds at most ~24.8 days. */
  queryTimeoutSeconds: number;
  /** How long a query may wait for a slot when the data source or the process is at its limit. */
  queueTimeoutSeconds: number;
  /** jsonData `maxConcurrentQueries`: queries of this data source running at once (undefined: the default). */
  maxConcurrentQueries?: number;
  /** Send the Grafana user as x-user-* metadata. */
  enableUserAttribution: boolean;
  /**
   * jsonData `enableUserAttributionWithOAuth` (default false): also send x-user-* with OAuth2
   * client credentials. OIDC tokens cannot delegate: Micromegas rejects impersonation headers
   * (PERMISSION_DENIED) unless they match the token subject, so this is an explicit opt-in for
   * servers that accept it. Only has an effect with `auth.type === 'oauth2'` and attribution on.
   */
  attributionWithOAuth: boolean;
  /** Whether the settings came in the upstream plugin's shape (`host`, `selectedAuthType`, ...). */
  upstreamShape: boolean;
  /** Every secret value in these settings, for log/error redaction. */
  secrets: string[];
  /** Non-fatal remarks worth logging (ignored options, risky choices). */
  warnings: string[];
}

/** Invalid settings: the message is shown as-is to the user, so it says what to fix. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
