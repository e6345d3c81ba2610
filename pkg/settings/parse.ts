// jsonData + decryptedSecureJsonData → DataSourceSettings, with messages that say
// what to change in the data source configuration page.
import { resolveAuthType } from '../../src/shared/auth';
import { checkDuration, QUERY_TIMEOUT, QUEUE_TIMEOUT, type DurationLimit } from '../../src/shared/durations';
import { DEFAULT_ROW_LIMIT } from '../../src/shared/query';

import { formatUrl, parseUpstreamHost, parseUrl, type Endpoint } from './endpoint';
import { looksLikeJwt } from '../micromegas/jwt';
import {
  SettingsError,
  type AuthSettings,
  type DataSourceSettings,
  type RawInstanceSettings,
  type TlsSettings,
} from './types';

type Json = Record<string, unknown>;

/** Metadata the plugin itself sets per query; a custom header must not override it. */
const RESERVED_HEADERS = new Set([
  'query_range_begin',
  'query_range_end',
  'limit',
  'preserve_dictionary',
  'x-user-id',
  'x-user-email',
  'x-user-name',
  'x-client-type',
  'content-type',
  'te',
  'user-agent',
]);
const SECRET_HEADER = /(authorization|token|secret|key|password|cookie)/i;
const HEADER_NAME = /^[0-9a-z_.-]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const MAX_CUSTOM_HEADERS = 100;

export function parseSettings(raw: RawInstanceSettings): DataSourceSettings {
  const json = parseJsonData(raw.jsonData);
  const secure = raw.decryptedSecureJsonData ?? {};
  const warnings: string[] = [];
  const upstreamShape = json.url === undefined && json.host !== undefined;

  const endpoint = parseEndpoint(json);
  const auth = parseAuth(json, secure, upstreamShape);
  const tls = parseTls(json, secure, endpoint, warnings);
  const headers = parseHeaders(json, secure, auth);

  const enableUserAttribution = bool(json, 'enableUserAttribution', true);
  const attributionWithOAuth = bool(json, 'enableUserAttributionWithOAuth', false);
  warnings.push(...attributionWarnings(enableUserAttribution, attributionWithOAuth, auth));

  const secrets = new Set<string>();
  for (const v of Object.values(secure)) {
    secrets.add(v);
  }
  for (const [k, v] of Object.entries(headers)) {
    if (SECRET_HEADER.test(k)) {
      secrets.add(v);
    }
  }

  return {
    uid: raw.uid,
    name: raw.name ?? '',
    version: raw.lastUpdatedMS,
    url: formatUrl(endpoint),
    host: endpoint.host,
    port: endpoint.port,
    tls,
    auth,
    headers,
    preserveDictionary: bool(json, 'preserveDictionary', false),
    rowLimit: positiveInt(json, 'rowLimit', DEFAULT_ROW_LIMIT, 'Row limit'),
    queryTimeoutSeconds: duration(json, QUERY_TIMEOUT, warnings),
    queueTimeoutSeconds: duration(json, QUEUE_TIMEOUT, warnings),
    maxConcurrentQueries: optionalPositiveInt(json, 'maxConcurrentQueries', 'Concurrent queries'),
    enableUserAttribution,
    attributionWithOAuth,
    upstreamShape,
    secrets: [...secrets].filter((s) => s !== ''),
    warnings,
  };
}

/**
 * User attribution with OAuth2 client credentials is opt-in: OIDC tokens cannot delegate, and
 * Micromegas answers PERMISSION_DENIED ("User impersonation not allowed") when x-user-id or
 * x-user-email differ from the token's subject. These remarks say what the switches do here.
 */
function attributionWarnings(attribution: boolean, withOAuth: boolean, auth: AuthSettings): string[] {
  if (auth.type === 'token' && attribution && looksLikeJwt(auth.token)) {
    return [
      'the token is a JWT (an OIDC access token), not a Micromegas API key: with user attribution on, Micromegas answers every query with PERMISSION_DENIED "User impersonation not allowed". Use an API key, or turn off User Attribution',
    ];
  }
  if (auth.type !== 'oauth2') {
    return withOAuth
      ? [
          `"enableUserAttributionWithOAuth" only applies to OAuth2 client credentials; it is ignored with ${auth.type} authentication`,
        ]
      : [];
  }
  if (!attribution) {
    return withOAuth
      ? ['"enableUserAttributionWithOAuth" is ignored: user attribution ("enableUserAttribution") is off']
      : [];
  }
  if (!withOAuth) {
    return [
      'user attribution is on with OAuth2 client credentials, but the Grafana user is not sent: OIDC tokens cannot delegate and Micromegas rejects x-user-* headers that differ from the token subject. Enable "enableUserAttributionWithOAuth" only if your server accepts them',
    ];
  }
  return [
    'user attribution with OAuth2 is enabled ("enableUserAttributionWithOAuth"): the Grafana user is sent as x-user-*; Micromegas rejects every query with PERMISSION_DENIED unless the server accepts these headers for the client-credentials subject',
  ];
}

function parseJsonData(input: unknown): Json {
  if (input === undefined || input === null) {
    return {};
  }
  let value = input;
  if (input instanceof Uint8Array) {
    if (input.byteLength === 0) {
      return {};
    }
    try {
      value = JSON.parse(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8'));
    } catch {
      throw new SettingsError('jsonData is not valid JSON: save the data source again from its configuration page');
    }
  }
  if (value === null) {
    return {};
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new SettingsError('jsonData must be a JSON object: save the data source again from its configuration page');
  }
  return value as Json;
}

function parseEndpoint(json: Json): Endpoint {
  const url = str(json, 'url');
  if (url !== undefined && url.trim() !== '') {
    return parseUrl(url);
  }
  const host = str(json, 'host');
  if (host !== undefined && host.trim() !== '') {
    return parseUpstreamHost(host, bool(json, 'secure', false));
  }
  throw new SettingsError(
    'No server address: set the URL of the Micromegas FlightSQL service, e.g. grpc://micromegas:50051'
  );
}

function parseAuth(json: Json, secure: Record<string, string>, upstreamShape: boolean): AuthSettings {
  const token = secure.token?.trim() ?? '';
  const oauthIssuer = str(json, 'oauthIssuer')?.trim() ?? '';
  const oauthClientId = str(json, 'oauthClientId')?.trim() ?? '';
  const oauthClientSecret = secure.oauthClientSecret?.trim() ?? '';
  const oauthAudience = str(json, 'oauthAudience')?.trim() ?? '';
  const anyOauth = oauthIssuer !== '' || oauthClientId !== '' || oauthClientSecret !== '';

  const resolved = resolveAuthType({
    authType: json.authType,
    selectedAuthType: json.selectedAuthType,
    hasToken: token !== '',
    hasOAuth: anyOauth,
  });
  const type = typeof resolved === 'string' ? resolved : resolved.unknown;
  switch (type) {
    case 'none':
      if (upstreamShape && bool(json, 'secure', false) && token === '' && !anyOauth) {
        // Upstream rule kept for compatibility: a TLS endpoint without credentials is almost always a mistake.
        throw new SettingsError(
          'Authentication is required for a secure (TLS) connection: choose Token or OAuth2 and fill in the credentials'
        );
      }
      return { type: 'none' };
    case 'token':
      if (token === '') {
        throw new SettingsError(
          'Authentication is "token" but no token is saved: paste the Micromegas API key in the Token field'
        );
      }
      if (/\s/.test(token) || !PRINTABLE_ASCII.test(token)) {
        throw new SettingsError(
          'The token contains spaces, line breaks or non-ASCII characters: paste the key alone, without "Bearer "'
        );
      }
      return { type: 'token', token: token.replace(/^bearer\s+/i, '') };
    case 'oauth2': {
      const missing = [
        oauthIssuer === '' && 'issuer URL',
        oauthClientId === '' && 'client ID',
        oauthClientSecret === '' && 'client secret',
      ].filter(Boolean);
      if (missing.length > 0) {
        throw new SettingsError(
          `OAuth2 client credentials need ${missing.join(', ')}: fill them in the Authentication section`
        );
      }
      let issuer: URL;
      try {
        issuer = new URL(oauthIssuer);
      } catch {
        throw new SettingsError(
          `OAuth2 issuer "${oauthIssuer}" is not a URL: use the issuer's base URL, e.g. https://accounts.example.com`
        );
      }
      if (issuer.protocol !== 'https:' && issuer.protocol !== 'http:') {
        throw new SettingsError(`OAuth2 issuer "${oauthIssuer}" must be an http(s) URL`);
      }
      return {
        type: 'oauth2',
        issuer: oauthIssuer.replace(/\/+$/, ''),
        clientId: oauthClientId,
        clientSecret: oauthClientSecret,
        ...(oauthAudience !== '' ? { audience: oauthAudience } : {}),
      };
    }
    case 'unsupported':
      throw new SettingsError(
        'Username/password authentication is not supported: Micromegas has no FlightSQL handshake. Use a Micromegas API key (Token) or OAuth2 client credentials'
      );
    default:
      throw new SettingsError(`Unknown authentication type "${type}": choose none, token or oauth2`);
  }
}

function parseTls(json: Json, secure: Record<string, string>, endpoint: Endpoint, warnings: string[]): TlsSettings {
  const skipVerify = bool(json, 'tlsSkipVerify', false);
  const withCa = bool(json, 'tlsAuthWithCACert', false);
  const mtls = bool(json, 'tlsAuth', false);
  const tls: TlsSettings = { enabled: endpoint.tls, skipVerify };
  if (!endpoint.tls) {
    if (skipVerify || withCa || mtls) {
      warnings.push(
        'TLS options are set but the URL is plain grpc://; they are ignored (use grpc+tls:// to enable TLS)'
      );
    }
    return { enabled: false, skipVerify: false };
  }
  if (withCa) {
    tls.caCert = pem(secure.tlsCACert, 'CA certificate', 'CERTIFICATE');
  }
  if (mtls) {
    tls.clientCert = pem(secure.tlsClientCert, 'client certificate', 'CERTIFICATE');
    tls.clientKey = pem(secure.tlsClientKey, 'client key', 'PRIVATE KEY');
  }
  if (skipVerify) {
    warnings.push('TLS certificate verification is disabled (tlsSkipVerify)');
  }
  return tls;
}

function pem(value: string | undefined, label: string, kind: string): string {
  const text = value?.trim() ?? '';
  if (text === '') {
    throw new SettingsError(`TLS ${label} is enabled but empty: paste it in PEM form (-----BEGIN ${kind}-----)`);
  }
  if (!/-----BEGIN [A-Z0-9 ]+-----/.test(text) || !text.includes(kind)) {
    throw new SettingsError(`TLS ${label} is not PEM: expected text starting with -----BEGIN ${kind}-----`);
  }
  return text + '\n';
}

function parseHeaders(json: Json, secure: Record<string, string>, auth: AuthSettings): Record<string, string> {
  const headers: Record<string, string> = {};
  const add = (rawName: string, value: string, where: string) => {
    const name = rawName.trim().toLowerCase();
    if (name === '') {
      throw new SettingsError(`${where}: a header name is empty`);
    }
    if (!HEADER_NAME.test(name)) {
      throw new SettingsError(`${where}: header name "${rawName}" may only contain a-z, 0-9, "-", "_" and "."`);
    }
    if (name.startsWith('grpc-') || name.startsWith(':') || name.endsWith('-bin')) {
      throw new SettingsError(`${where}: header "${name}" is reserved by gRPC`);
    }
    if (RESERVED_HEADERS.has(name)) {
      throw new SettingsError(
        `${where}: header "${name}" is set by the plugin itself; use the matching setting or query option instead`
      );
    }
    if (name === 'authorization' && auth.type !== 'none') {
      throw new SettingsError(
        `${where}: an "authorization" header conflicts with the ${auth.type} authentication; remove one of them`
      );
    }
    if (!PRINTABLE_ASCII.test(value)) {
      throw new SettingsError(`${where}: the value of header "${name}" has non-printable or non-ASCII characters`);
    }
    if (name in headers) {
      throw new SettingsError(`${where}: header "${name}" is defined twice`);
    }
    headers[name] = value;
  };

  // Ours: httpHeaderName<N> in jsonData, httpHeaderValue<N> secret.
  for (const [key, value] of Object.entries(json)) {
    const m = /^httpHeaderName(\d+)$/.exec(key);
    if (!m || typeof value !== 'string' || value.trim() === '') {
      continue;
    }
    add(value, secure[`httpHeaderValue${m[1]}`] ?? '', 'Custom headers');
  }

  // Upstream: metadata = [{ "key": "value" }, ...].
  const metadata = json.metadata;
  if (metadata !== undefined && metadata !== null) {
    if (!Array.isArray(metadata)) {
      throw new SettingsError('metadata must be a list of {"name": "value"} pairs');
    }
    for (const entry of metadata) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        throw new SettingsError('metadata must be a list of {"name": "value"} pairs');
      }
      for (const [k, v] of Object.entries(entry as Json)) {
        if (k === '' && (v === '' || v === undefined)) {
          continue; // the upstream editor leaves an empty row behind
        }
        add(k, typeof v === 'string' ? v : String(v), 'Metadata');
      }
    }
  }
  if (Object.keys(headers).length > MAX_CUSTOM_HEADERS) {
    throw new SettingsError(`Too many custom headers (more than ${MAX_CUSTOM_HEADERS})`);
  }
  return headers;
}

function str(json: Json, key: string): string | undefined {
  const v = json[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v === 'string') {
    return v;
  }
  if (typeof v === 'number' || typeof v === 'boolean') {
    return String(v);
  }
  throw new SettingsError(`Setting "${key}" must be text`);
}

function bool(json: Json, key: string, fallback: boolean): boolean {
  const v = json[key];
  if (v === undefined || v === null || v === '') {
    return fallback;
  }
  if (typeof v === 'boolean') {
    return v;
  }
  if (v === 'true' || v === 'false') {
    return v === 'true';
  }
  throw new SettingsError(`Setting "${key}" must be true or false`);
}

function positiveNumber(json: Json, key: string, fallback: number, label: string): number {
  const v = json[key];
  if (v === undefined || v === null || v === '' || v === 0) {
    return fallback;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    throw new SettingsError(`${label} ("${key}") must be a positive number, got ${JSON.stringify(v)}`);
  }
  return n;
}

/** A duration setting: validated, clamped to its maximum with a warning (src/shared/durations.ts). */
function duration(json: Json, limit: DurationLimit, warnings: string[]): number {
  const checked = checkDuration(limit, json[limit.key]);
  if (!checked.ok) {
    throw new SettingsError(checked.error);
  }
  if (checked.warning) {
    warnings.push(checked.warning);
  }
  return checked.seconds;
}

function optionalPositiveInt(json: Json, key: string, label: string): number | undefined {
  const v = json[key];
  return v === undefined || v === null || v === '' || v === 0 ? undefined : positiveInt(json, key, 0, label);
}

function positiveInt(json: Json, key: string, fallback: number, label: string): number {
  const n = positiveNumber(json, key, fallback, label);
  if (!Number.isSafeInteger(n)) {
    throw new SettingsError(`${label} ("${key}") must be a whole number, got ${JSON.stringify(json[key])}`);
  }
  return n;
}
