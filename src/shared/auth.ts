// Which authentication a data source uses, as the config page shows it and the backend
// applies it (one rule, so they never disagree). Our `authType`, else the upstream
// plugin's `selectedAuthType` (it saved the option label `oauth2-client-credentials` or
// the value), with the aliases upstream users wrote; when neither is set, the saved
// credentials decide (a token means token, OAuth fields mean OAuth2). Dependency-free.

export type AuthType = 'none' | 'token' | 'oauth2';

export const AUTH_TYPES: readonly AuthType[] = ['none', 'token', 'oauth2'];

const ALIASES: Readonly<Record<string, AuthType | 'unsupported'>> = {
  none: 'none',
  token: 'token',
  'api key': 'token',
  apikey: 'token',
  oauth2: 'oauth2',
  'oauth2-client-credentials': 'oauth2',
  oauth: 'oauth2',
  // Micromegas has no Flight handshake: username/password cannot work.
  'username/password': 'unsupported',
  basic: 'unsupported',
  password: 'unsupported',
};

export interface AuthInputs {
  authType?: unknown;
  selectedAuthType?: unknown;
  /** A token is saved (secureJsonFields.token in the browser, the decrypted value in the backend). */
  hasToken: boolean;
  /** An OAuth issuer, client id or client secret is set. */
  hasOAuth: boolean;
}

/** The declared or implied authentication; `unknown` carries a declared value no rule knows. */
export function resolveAuthType(i: AuthInputs): AuthType | 'unsupported' | { unknown: string } {
  const raw = [i.authType, i.selectedAuthType].find((v) => typeof v === 'string' && v.trim() !== '') as
    string | undefined;
  if (raw === undefined) {
    return i.hasToken ? 'token' : i.hasOAuth ? 'oauth2' : 'none';
  }
  const declared = raw.trim().toLowerCase();
  return ALIASES[declared] ?? { unknown: raw.trim() };
}
