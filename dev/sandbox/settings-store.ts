// Data source settings as Grafana stores them for the sandbox's single data source:
// jsonData in the clear, secrets write-only (answers carry secureJsonFields: name → true,
// never the values), and a lastUpdated stamp that the backend's instance cache keys on.
import type { DataSourceOptions } from '../../tests/harness/grafana-host';

export const PLUGIN_ID = 'micromegas-micromegas-datasource';
export const DS_UID = 'micromegas-sandbox';

export interface StoredSettings {
  id: number;
  uid: string;
  orgId: number;
  name: string;
  type: string;
  typeName: string;
  typeLogoUrl: string;
  access: 'proxy';
  url: string;
  user: string;
  database: string;
  basicAuth: boolean;
  basicAuthUser: string;
  withCredentials: boolean;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
  secureJsonFields: Record<string, boolean>;
  version: number;
  readOnly: boolean;
}

export class SettingsError extends Error {}

export class SettingsStore {
  private settings: StoredSettings;
  private secrets: Record<string, string>;
  private lastUpdatedMS = Date.now();

  constructor(jsonData: Record<string, unknown>, secrets: Record<string, string> = {}) {
    this.secrets = { ...secrets };
    this.settings = {
      id: 1,
      uid: DS_UID,
      orgId: 1,
      name: 'Micromegas',
      type: PLUGIN_ID,
      typeName: 'Micromegas',
      typeLogoUrl: `public/plugins/${PLUGIN_ID}/img/logo.svg`,
      access: 'proxy',
      url: '',
      user: '',
      database: '',
      basicAuth: false,
      basicAuthUser: '',
      withCredentials: false,
      isDefault: true,
      jsonData: { ...jsonData },
      secureJsonFields: {},
      version: 1,
      readOnly: false,
    };
    this.refreshFields();
  }

  private refreshFields(): void {
    this.settings.secureJsonFields = Object.fromEntries(Object.keys(this.secrets).map((k) => [k, true]));
  }

  /** What GET /api/datasources/uid/:uid answers (no secret values). */
  get(): StoredSettings {
    return structuredClone(this.settings);
  }

  /**
   * Applies a PUT body the way Grafana does: jsonData replaced; secureJsonData keys with a
   * value set that secret, keys with an empty value remove it (the editor's "reset"), absent
   * keys keep what is stored.
   */
  update(body: unknown): StoredSettings {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new SettingsError('the settings body must be a JSON object');
    }
    const b = body as Record<string, unknown>;
    if (
      b.jsonData !== undefined &&
      (typeof b.jsonData !== 'object' || b.jsonData === null || Array.isArray(b.jsonData))
    ) {
      throw new SettingsError('jsonData must be a JSON object');
    }
    const secure = b.secureJsonData;
    if (secure !== undefined && secure !== null && (typeof secure !== 'object' || Array.isArray(secure))) {
      throw new SettingsError('secureJsonData must be a JSON object of strings');
    }
    for (const [k, v] of Object.entries((secure ?? {}) as Record<string, unknown>)) {
      if (typeof v !== 'string') {
        throw new SettingsError(`secureJsonData.${k} must be a string`);
      }
      if (v === '') {
        delete this.secrets[k];
      } else {
        this.secrets[k] = v;
      }
    }
    // A secret the editor reset (secureJsonFields[k] === false) without a new value is removed.
    for (const [k, v] of Object.entries((b.secureJsonFields ?? {}) as Record<string, unknown>)) {
      if (v === false && !(secure && k in (secure as object))) {
        delete this.secrets[k];
      }
    }
    if (typeof b.name === 'string' && b.name.trim()) {
      this.settings.name = b.name;
    }
    if (b.jsonData !== undefined) {
      this.settings.jsonData = { ...(b.jsonData as Record<string, unknown>) };
    }
    this.settings.version += 1;
    this.lastUpdatedMS = Math.max(Date.now(), this.lastUpdatedMS + 1);
    this.refreshFields();
    return this.get();
  }

  /** The instance settings the backend receives in its PluginContext. */
  contextOptions(): DataSourceOptions {
    return {
      uid: this.settings.uid,
      id: this.settings.id,
      name: this.settings.name,
      lastUpdatedMS: this.lastUpdatedMS,
      jsonData: this.settings.jsonData,
      decryptedSecureJsonData: { ...this.secrets },
      user: { login: 'admin', name: 'Admin', email: 'admin@localhost', role: 'Admin' },
    };
  }
}
