import { CoreApp } from '@grafana/data';

import { QUERY_MODEL_VERSION } from '../shared/query';
import { MicromegasQuery, QUERY_FORMATS, QueryFormat } from '../types';

const FORMATS: readonly QueryFormat[] = QUERY_FORMATS.map((f) => f.value);

export function isQueryFormat(value: unknown): value is QueryFormat {
  return typeof value === 'string' && (FORMATS as readonly string[]).includes(value);
}

/** Apps whose queries the Grafana server runs itself (alert rules), without the browser. */
const SERVER_EVALUATED_APPS: readonly string[] = [CoreApp.UnifiedAlerting, CoreApp.CloudAlerting];

/**
 * Defaults for a query created by this plugin's editor. Alert rules default to time series:
 * alerting wants series, and a rule saved without these defaults (the alert editor may send
 * only `{refId, query}`) is read as time series by the backend too, so both paths agree.
 */
export function defaultQuery(app?: CoreApp | string): Partial<MicromegasQuery> {
  const format: QueryFormat = app !== undefined && SERVER_EVALUATED_APPS.includes(app) ? 'time_series' : 'table';
  return { query: '', format, timeFilter: true, autoLimit: true, version: QUERY_MODEL_VERSION };
}

/**
 * Brings any saved query (ours, the upstream plugin's v1/v2, or a bare SQL string from
 * upstream variables) to the current model, so that it runs exactly as it did before:
 * the upstream backend treated a missing or unknown format as time series and both
 * toggles as on, and those defaults are written out explicitly here.
 */
export type MigratedQuery<T> = T &
  Required<Pick<MicromegasQuery, 'query' | 'format' | 'timeFilter' | 'autoLimit' | 'version'>>;

export function migrateQuery<T extends MicromegasQuery>(saved: T | string, refId = 'A'): MigratedQuery<T> {
  const input = (typeof saved === 'string' ? { refId, query: saved } : saved) as T;
  const upstreamShaped = input.version === undefined || input.version < QUERY_MODEL_VERSION;
  const sql =
    typeof input.query === 'string' ? input.query : typeof input.queryText === 'string' ? input.queryText : '';
  const format: QueryFormat = isQueryFormat(input.format) ? input.format : upstreamShaped ? 'time_series' : 'table';
  const migrated: MigratedQuery<T> = {
    ...input,
    query: sql,
    format,
    timeFilter: input.timeFilter ?? true,
    autoLimit: input.autoLimit ?? true,
    version: QUERY_MODEL_VERSION,
  };
  // `queryText` is only meaningful while `query` is absent; drop it once copied.
  delete migrated.queryText;
  return migrated;
}

/** The SQL a saved query will run (`query`, else the legacy `queryText`). */
export function sqlOf(query: Pick<MicromegasQuery, 'query' | 'queryText'>): string {
  if (typeof query.query === 'string') {
    return query.query;
  }
  return typeof query.queryText === 'string' ? query.queryText : '';
}
