// Loads the built plugin the way Grafana does: plugin.json as meta, module.js through the AMD
// loader, then a data source instance from the stored settings; registers it with
// @grafana/runtime's DataSourceSrv so plugin code calling getDataSourceSrv() finds it.
import type {
  DataSourceApi,
  DataSourceInstanceSettings,
  DataSourcePlugin,
  DataSourcePluginMeta,
  DataSourceRef,
  DataSourceSettings,
} from '@grafana/data';
import { getBackendSrv, setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';

import { loadAmdModule } from './amd';

export const PLUGIN_ID = 'micromegas-micromegas-datasource';
export const DS_UID = 'micromegas-sandbox';

export interface LoadedPlugin {
  plugin: DataSourcePlugin<DataSourceApi>;
  meta: DataSourcePluginMeta;
}

export async function loadPlugin(): Promise<LoadedPlugin> {
  const base = `/public/plugins/${PLUGIN_ID}`;
  const meta = (await getBackendSrv().get(`${base}/plugin.json`)) as DataSourcePluginMeta;
  meta.baseUrl = `public/plugins/${PLUGIN_ID}`;
  meta.module = `public/plugins/${PLUGIN_ID}/module.js`;
  const exports = await loadAmdModule(`${base}/module.js`);
  const plugin = exports.plugin as DataSourcePlugin<DataSourceApi> | undefined;
  if (!plugin || typeof plugin !== 'object' || !('DataSourceClass' in plugin)) {
    throw new Error(
      `${base}/module.js does not export a data source plugin (export const plugin = new DataSourcePlugin(...))`
    );
  }
  plugin.meta = meta;
  return { plugin, meta };
}

export function toInstanceSettings(
  settings: DataSourceSettings,
  meta: DataSourcePluginMeta
): DataSourceInstanceSettings {
  return {
    id: settings.id,
    uid: settings.uid,
    type: settings.type,
    name: settings.name,
    meta,
    jsonData: settings.jsonData,
    access: 'proxy',
    readOnly: false,
    isDefault: true,
  } as DataSourceInstanceSettings;
}

/** A data source instance as Grafana's DatasourceSrv creates it, registered as the only data source. */
export function createInstance(loaded: LoadedPlugin, settings: DataSourceSettings): DataSourceApi {
  const instanceSettings = toInstanceSettings(settings, loaded.meta);
  const DataSourceClass = loaded.plugin.DataSourceClass as unknown as new (
    s: DataSourceInstanceSettings
  ) => DataSourceApi;
  const instance = new DataSourceClass(instanceSettings);
  instance.components = loaded.plugin.components;
  instance.meta = loaded.meta;
  const matches = (ref?: DataSourceRef | string | null) =>
    ref == null ||
    (typeof ref === 'string' ? ref === settings.uid || ref === settings.name : !ref.uid || ref.uid === settings.uid);
  const srv: DataSourceSrv = {
    get: async (ref?: DataSourceRef | string | null) => {
      if (!matches(ref)) {
        throw new Error(`Data source ${JSON.stringify(ref)} was not found`);
      }
      return instance;
    },
    getList: () => [instanceSettings],
    getInstanceSettings: (ref?: DataSourceRef | string | null) => (matches(ref) ? instanceSettings : undefined),
    reload: async () => {},
    registerRuntimeDataSource: () => {},
  } as unknown as DataSourceSrv;
  setDataSourceSrv(srv);
  return instance;
}

export async function fetchSettings(): Promise<DataSourceSettings> {
  return (await getBackendSrv().get(`/api/datasources/uid/${DS_UID}`)) as DataSourceSettings;
}
