// Per-request user attribution metadata (x-user-id, x-user-email, x-user-name, x-client-type
// headers the Micromegas server logs with each query). Only delegating credentials
// may name another user: API keys/tokens delegate, OIDC tokens (incl. OAuth client
// credentials) do not, and the server answers PERMISSION_DENIED to impersonation.
import type { GrafanaUser, PipelineSettings } from './types';

/** Percent-encoded UTF-8 (the server percent-decodes); keeps metadata printable ASCII. */
function encode(value: string): string {
  return encodeURIComponent(value);
}

/** Whether x-user-* may be sent with these settings. */
export function attributionAllowed(settings: PipelineSettings): boolean {
  if (settings.enableUserAttribution === false) {
    return false;
  }
  const kind = settings.authKind ?? 'none';
  return kind !== 'oauth2' || settings.attributionWithOAuth === true;
}

/** The attribution headers for one request (empty when not allowed or no user). */
export function attributionHeaders(settings: PipelineSettings, user: GrafanaUser | undefined): Record<string, string> {
  if (!attributionAllowed(settings) || !user || !user.login) {
    return {};
  }
  const headers: Record<string, string> = { 'x-user-id': encode(user.login) };
  if (user.email) {
    headers['x-user-email'] = encode(user.email);
  }
  if (user.name) {
    headers['x-user-name'] = encode(user.name);
  }
  headers['x-client-type'] = 'grafana';
  return headers;
}
