import type { DataSourceSettings } from '@grafana/data';

import { resolveAuthType } from '../shared/auth';
import { parseEndpoint } from '../shared/endpoint';
import { AuthType, MicromegasOptions, MicromegasSecureJsonData } from '../types';

export type Settings = DataSourceSettings<MicromegasOptions, MicromegasSecureJsonData>;

/** The URL the backend will use: ours, else built from the upstream `host` + `secure`. */
export function effectiveUrl(jsonData: MicromegasOptions): string {
  if (jsonData.url) {
    return jsonData.url;
  }
  if (jsonData.host) {
    return `${jsonData.secure ? 'grpc+tls' : 'grpc'}://${jsonData.host}`;
  }
  return '';
}

/** An actionable message for a bad URL, or undefined when it is usable (the backend's own parser). */
export function validateUrl(url: string): string | undefined {
  const r = parseEndpoint(url);
  return r.ok ? undefined : `${r.message}.`;
}

export function usesTls(url: string): boolean {
  const r = parseEndpoint(url);
  return r.ok && r.endpoint.tls;
}

/**
 * The authentication mode to show: the backend's own rule (src/shared/auth.ts), so that
 * with no `authType` a saved token shows as Token, and every alias the backend accepts is
 * shown as what it means. `username/password` cannot work (Micromegas has no Flight
 * handshake) and is reported; an unknown value shows as None (the backend rejects it).
 */
export function effectiveAuthType(
  jsonData: MicromegasOptions,
  saved: { token?: boolean; oauthClientSecret?: boolean } = {}
): AuthType | 'unsupported' {
  const resolved = resolveAuthType({
    authType: jsonData.authType,
    selectedAuthType: jsonData.selectedAuthType,
    hasToken: Boolean(saved.token),
    hasOAuth: Boolean(jsonData.oauthIssuer || jsonData.oauthClientId || saved.oauthClientSecret),
  });
  return typeof resolved === 'string' ? resolved : 'none';
}

export interface HeaderSlot {
  /** N in httpHeaderNameN / httpHeaderValueN; stays fixed so a stored secret never moves to another name. */
  index: number;
  name: string;
  configured: boolean;
  value?: string;
}

/** Extra gRPC headers, in slot order (numeric, so 10 sorts after 9). */
export function headerSlots(settings: Settings): HeaderSlot[] {
  const slots: HeaderSlot[] = [];
  for (const [key, name] of Object.entries(settings.jsonData ?? {})) {
    const m = /^httpHeaderName(\d+)$/.exec(key);
    if (m && typeof name === 'string') {
      const index = Number(m[1]);
      const valueKey = `httpHeaderValue${index}` as const;
      slots.push({
        index,
        name,
        configured: Boolean(settings.secureJsonFields?.[valueKey]),
        value: settings.secureJsonData?.[valueKey],
      });
    }
  }
  return slots.sort((a, b) => a.index - b.index);
}

export function nextHeaderIndex(slots: HeaderSlot[]): number {
  const used = new Set(slots.map((s) => s.index));
  let i = 1;
  while (used.has(i)) {
    i++;
  }
  return i;
}

/**
 * Rewrites settings saved by the upstream plugin into ours: `host`+`secure` → `url`,
 * `selectedAuthType` → `authType`, plain-text `metadata` pairs → headers whose values are
 * secrets. Returns undefined when there is nothing to migrate.
 */
export function migrateUpstreamSettings(settings: Settings): Settings | undefined {
  const jd = settings.jsonData ?? {};
  const hasUpstream =
    jd.host !== undefined || jd.selectedAuthType !== undefined || jd.metadata !== undefined || jd.secure !== undefined;
  if (!hasUpstream) {
    return undefined;
  }
  const jsonData: MicromegasOptions = { ...jd };
  const secureJsonData: MicromegasSecureJsonData = { ...(settings.secureJsonData ?? {}) };
  if (!jsonData.url && jd.host) {
    jsonData.url = effectiveUrl(jd);
  }
  const auth = effectiveAuthType(jd, {
    token: Boolean(settings.secureJsonFields?.token || settings.secureJsonData?.token),
    oauthClientSecret: Boolean(
      settings.secureJsonFields?.oauthClientSecret || settings.secureJsonData?.oauthClientSecret
    ),
  });
  if (!jsonData.authType && auth !== 'unsupported') {
    jsonData.authType = auth;
  }
  if (Array.isArray(jd.metadata)) {
    const slots = headerSlots(settings);
    for (const pair of jd.metadata) {
      for (const [name, value] of Object.entries(pair ?? {})) {
        if (!name) {
          continue;
        }
        const index = nextHeaderIndex(slots);
        slots.push({ index, name, configured: false, value });
        jsonData[`httpHeaderName${index}`] = name;
        secureJsonData[`httpHeaderValue${index}`] = String(value ?? '');
      }
    }
  }
  delete jsonData.host;
  delete jsonData.secure;
  delete jsonData.metadata;
  if (auth !== 'unsupported') {
    delete jsonData.selectedAuthType;
  }
  return { ...settings, jsonData, secureJsonData };
}
