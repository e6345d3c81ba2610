// Connection profiles, read from the same file and with the same precedence as the Python CLI
// (python/micromegas/micromegas/cli/config.py): ~/.micromegas/config.json holds either one flat
// connection or `{ "default_profile": "prod", "profiles": { "prod": { "uri", "client_id",
// "issuers": [{ "issuer", "audience" }] } } }`. The profile is chosen by the --profile argument,
// else MICROMEGAS_PROFILE, else default_profile; environment variables override its values.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

import { DEFAULT_URI } from './client';

export interface ConnectionConfig {
  uri: string;
  oidcIssuer?: string;
  oidcClientId?: string;
  oidcClientSecret?: string;
  oidcAudience?: string;
  oidcScope?: string;
  /** Where an OIDC login caches its tokens for this profile. */
  tokenFile: string;
  /** The active profile, undefined for a flat config. */
  profile?: string;
}

/** Profile selection problems (unknown profile, none selected, bad name…). */
export class ProfileError extends Error {
  override name = 'ProfileError';
}

type Json = Record<string, unknown>;

const PROFILE_NAME = /^[A-Za-z0-9._-]+$/;

/** A profile name becomes part of a file name: letters, digits, '.', '_', '-', never '.' or '..'. */
function validateProfileName(name: string): void {
  if (!name || !PROFILE_NAME.test(name) || name === '.' || name === '..') {
    throw new ProfileError(
      `invalid profile name ${JSON.stringify(name)}: only letters, digits, '.', '_', and '-' are allowed, and it must not be '.' or '..'`
    );
  }
}

export function configDir(home = homedir()): string {
  return path.join(home, '.micromegas');
}

export function defaultTokenFile(profile: string | undefined, home = homedir()): string {
  if (profile === undefined) {
    return path.join(configDir(home), 'tokens.json');
  }
  validateProfileName(profile);
  return path.join(configDir(home), `tokens-${profile}.json`);
}

/** The config file's content; `{}` when it does not exist. */
export function loadConfig(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return {};
    }
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch (err) {
    throw new Error(`Invalid JSON in config file ${file}: ${(err as Error).message}`);
  }
}

/** The active profile's name and settings (precedence: argument > MICROMEGAS_PROFILE > default_profile). */
export function resolveActiveProfile(
  config: Json,
  profile: string | undefined,
  env: NodeJS.ProcessEnv
): { name?: string; active: Json } {
  if (profile !== undefined) {
    validateProfileName(profile);
  }
  const profiles = config.profiles;
  if (profiles === undefined || profiles === null) {
    if (profile || env.MICROMEGAS_PROFILE) {
      throw new ProfileError(
        'no profiles configured; remove --profile/MICROMEGAS_PROFILE or add a `profiles` map to the config file'
      );
    }
    return { active: config };
  }
  if (typeof profiles !== 'object' || Array.isArray(profiles)) {
    throw new ProfileError('`profiles` must be a map of profile name to profile config');
  }
  const names = Object.keys(profiles).sort();
  if (names.length === 0) {
    throw new ProfileError('no profiles defined in the `profiles` map');
  }
  const name = profile || env.MICROMEGAS_PROFILE || config.default_profile;
  if (name === undefined || name === null) {
    throw new ProfileError(
      `no profile selected; pass --profile, set MICROMEGAS_PROFILE, or set default_profile (available: ${names.join(', ')})`
    );
  }
  if (typeof name !== 'string') {
    throw new ProfileError('default_profile must be a profile name (string)');
  }
  validateProfileName(name);
  const active = (profiles as Json)[name];
  if (active === undefined) {
    throw new ProfileError(`unknown profile '${name}' (available: ${names.join(', ')})`);
  }
  if (!active || typeof active !== 'object' || Array.isArray(active)) {
    throw new ProfileError(`profile '${name}' must be a map of connection settings`);
  }
  return { name, active: active as Json };
}

/** Connection settings: environment > active profile > defaults. */
export function resolveConnection(
  opts: { profile?: string; env?: NodeJS.ProcessEnv; home?: string; configFile?: string } = {}
): ConnectionConfig {
  const env = opts.env ?? process.env;
  const home = opts.home ?? env.HOME ?? homedir();
  const config = loadConfig(opts.configFile ?? path.join(configDir(home), 'config.json'));
  const { name, active } = resolveActiveProfile(config, opts.profile, env);
  const issuers = Array.isArray(active.issuers) ? (active.issuers as Json[]) : [];
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const pick = (key: string, ...fallbacks: unknown[]): string | undefined =>
    str(env[key]) ?? fallbacks.map(str).find((v) => v !== undefined);
  return {
    uri: pick('MICROMEGAS_ANALYTICS_URI', active.uri) ?? DEFAULT_URI,
    oidcIssuer: pick('MICROMEGAS_OIDC_ISSUER', issuers[0]?.issuer),
    oidcClientId: pick('MICROMEGAS_OIDC_CLIENT_ID', active.client_id),
    oidcClientSecret: pick('MICROMEGAS_OIDC_CLIENT_SECRET'),
    oidcAudience: pick('MICROMEGAS_OIDC_AUDIENCE', issuers[0]?.audience),
    oidcScope: pick('MICROMEGAS_OIDC_SCOPE'),
    tokenFile: defaultTokenFile(name, home),
    profile: name,
  };
}
