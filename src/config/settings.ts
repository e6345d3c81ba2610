import type { DataSourceSettings } from '@grafana/data';

import { AuthType, MicromegasOptions, MicromegasSecureJsonData } from '../types';

export type Settings = DataSourceSettings<MicromegasOptions, MicromegasSecureJsonData>;

const SCHEMES = ['grpc://', 'grpc+tls://', 'http://', 'https://'];

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

/** An actionable message for a bad URL, or undefined when it is usable. */
export function validateUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === '') {
    return 'Enter the FlightSQL address, for example grpc://localhost:50051.';
  }
  const scheme = SCHEMES.find((s) => trimmed.toLowerCase().startsWith(s));
  if (!scheme) {
    if (/^[^/:\s]+:\d+$/.test(trimmed)) {
      return `Add a scheme: grpc://${trimmed} (plain) or grpc+tls://${trimmed} (TLS).`;
    }
    return 'Use grpc://host:port, grpc+tls://host:port, http://host:port or https://host:port.';
  }
  const rest = trimmed.slice(scheme.length);
  const m = /^(\[[0-9a-fA-F:.]+\]|[^/:\s]+)(?::(\d+))?\/?$/.exec(rest);
  if (!m) {
    return 'The address must be host:port after the scheme, with no path.';
  }
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) {
      return 'The port must be between 1 and 65535.';
    }
  }
  return undefined;
}

export function usesTls(url: string): boolean {
  return /^(grpc\+tls|https):\/\//i.test(url.trim());
}

/**
 * The authentication mode to show. Upstream saved the option *label* for OAuth
 * (`oauth2-client-credentials`) and sometimes the value (`oauth2`): both mean OAuth here.
 * `username/password` cannot work (Micromegas has no Flight handshake) and is reported.
 */
export function effectiveAuthType(jsonData: MicromegasOptions): AuthType | 'unsupported' {
  if (jsonData.authType === 'none' || jsonData.authType === 'token' || jsonData.authType === 'oauth2') {
    return jsonData.authType;
  }
  switch (jsonData.selectedAuthType) {
    case 'oauth2':
    case 'oauth2-client-credentials':
      return 'oauth2';
    case 'token':
      return 'token';
    case 'username/password':
      return 'unsupported';
    default:
      return 'none';
  }
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
  const auth = effectiveAuthType(jd);
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
