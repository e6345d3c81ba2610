// One parsed settings object and one client per data source version (uid +
// lastUpdatedMS). A new version replaces the old entry; the old client is closed
// once the queries still using it have finished.
import type { PipelineSettings, QueryClient } from '../query';
import { parseSettings, SettingsError, type DataSourceSettings } from '../settings';
import { errorText, type Logger } from './log';
import type { PbDataSourceInstanceSettings } from './messages';
import { redact, registerSecrets } from './redact';

export interface ClientHandle {
  client: QueryClient;
  close(): void | Promise<void>;
}

/** Creates the client of one data source version; `logger` carries the data source's fields. */
export type ClientFactory = (settings: DataSourceSettings, logger: Logger) => ClientHandle;

export interface Instance {
  settings: DataSourceSettings;
  pipeline: PipelineSettings;
  client: QueryClient;
}

/** A borrowed instance; release() must be called when the call using it ends. */
export type Lease = { ok: true; instance: Instance; release(): void } | { ok: false; error: string; release(): void };

interface Entry {
  key: string;
  version: number;
  settings?: DataSourceSettings;
  error?: string;
  handle?: ClientHandle;
  leases: number;
  retired: boolean;
}

const noop = () => undefined;

export function pipelineSettings(s: DataSourceSettings): PipelineSettings {
  return {
    uid: s.uid,
    name: s.name,
    rowLimit: s.rowLimit,
    queryTimeoutMs: s.queryTimeoutSeconds * 1000,
    enableUserAttribution: s.enableUserAttribution,
    attributionWithOAuth: s.attributionWithOAuth,
    authKind: s.auth.type,
    secrets: s.secrets,
  };
}

export class InstanceManager {
  private readonly entries = new Map<string, Entry>();
  private disposed = false;

  constructor(
    private readonly factory: ClientFactory,
    private readonly logger: Logger
  ) {}

  acquire(raw: PbDataSourceInstanceSettings | null | undefined): Lease {
    if (this.disposed) {
      return { ok: false, error: 'the plugin is shutting down', release: noop };
    }
    if (!raw) {
      return {
        ok: false,
        error: 'the request carries no data source settings (is this plugin configured as a data source?)',
        release: noop,
      };
    }
    const key = raw.uid || `id:${raw.id}`;
    let entry = this.entries.get(key);
    if (!entry || entry.version !== raw.lastUpdatedMS) {
      const previous = entry;
      entry = this.create(key, raw);
      this.entries.set(key, entry);
      if (previous) {
        this.retire(previous);
      }
    }
    if (entry.error !== undefined || !entry.settings || !entry.handle) {
      return { ok: false, error: entry.error ?? 'data source is not usable', release: noop };
    }
    entry.leases++;
    const e = entry;
    let released = false;
    return {
      ok: true,
      instance: { settings: e.settings!, pipeline: pipelineSettings(e.settings!), client: e.handle!.client },
      release: () => {
        if (released) {
          return;
        }
        released = true;
        e.leases--;
        if (e.retired && e.leases === 0) {
          this.close(e);
        }
      },
    };
  }

  /** Closes every client (shutdown). */
  async disposeAll(): Promise<void> {
    this.disposed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(all.map((e) => this.close(e)));
  }

  private create(key: string, raw: PbDataSourceInstanceSettings): Entry {
    const entry: Entry = { key, version: raw.lastUpdatedMS, leases: 0, retired: false };
    const log = this.logger.with({ datasource: key, version: raw.lastUpdatedMS });
    // Secrets are registered before anything else can print them.
    registerSecrets(Object.values(raw.decryptedSecureJsonData ?? {}));
    try {
      const settings = parseSettings({
        uid: raw.uid,
        id: raw.id,
        name: raw.name,
        lastUpdatedMS: raw.lastUpdatedMS,
        jsonData: raw.jsonData,
        decryptedSecureJsonData: raw.decryptedSecureJsonData ?? {},
      });
      registerSecrets(settings.secrets);
      for (const warning of settings.warnings) {
        log.warn(warning);
      }
      entry.settings = settings;
      entry.handle = this.factory(settings, log);
      log.info('data source client created', { url: settings.url, auth: settings.auth.type });
    } catch (e) {
      entry.error =
        e instanceof SettingsError
          ? `Invalid data source settings: ${e.message}`
          : `Cannot create the Micromegas client: ${errorText(e)}`;
      entry.error = redact(entry.error);
      log.warn('data source settings rejected', { error: entry.error });
    }
    return entry;
  }

  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.leases === 0) {
      void this.close(entry);
    }
  }

  private async close(entry: Entry): Promise<void> {
    const handle = entry.handle;
    entry.handle = undefined;
    if (!handle) {
      return;
    }
    try {
      await handle.close();
      this.logger.info('data source client disposed', { datasource: entry.key, version: entry.version });
    } catch (e) {
      this.logger.warn('closing a data source client failed', { datasource: entry.key, error: errorText(e) });
    }
  }
}
