// Explore's "Logs volume" histogram (supplementary queries): a logs query is sent again
// with queryType "logVolume"; the backend counts its lines per bucket and level over the
// whole range (pkg/query/logvolume.ts, docs/log-volume.md).
import { DataQueryRequest, SupplementaryQueryOptions, SupplementaryQueryType } from '@grafana/data';

import type { MicromegasQuery } from '../types';
import { migrateQuery, sqlOf } from './migrate';

/** The backend's marker for a volume query (pkg/query/logvolume.ts LOG_VOLUME_QUERY_TYPE). */
export const LOG_VOLUME_QUERY_TYPE = 'logVolume';

/** Explore strips this prefix from a volume frame's refId to find the logs query it belongs to. */
export const LOG_VOLUME_REF_PREFIX = 'log-volume-';

export const SUPPORTED_SUPPLEMENTARY_TYPES: readonly SupplementaryQueryType[] = [SupplementaryQueryType.LogsVolume];

/**
 * The volume query of a logs query, or undefined when it has none: other formats, hidden
 * queries, empty SQL, or a query that already is a volume query.
 */
export function logVolumeQuery(query: MicromegasQuery): MicromegasQuery | undefined {
  if (query.hide || query.queryType === LOG_VOLUME_QUERY_TYPE || sqlOf(query).trim() === '') {
    return undefined;
  }
  const migrated = migrateQuery(query);
  if (migrated.format !== 'logs') {
    return undefined;
  }
  return {
    ...migrated,
    refId: `${LOG_VOLUME_REF_PREFIX}${query.refId}`,
    queryType: LOG_VOLUME_QUERY_TYPE,
    // The volume's rows are buckets × levels: Grafana's maxDataPoints must not cap them.
    autoLimit: false,
  };
}

export function supplementaryQuery(
  options: SupplementaryQueryOptions,
  query: MicromegasQuery
): MicromegasQuery | undefined {
  return options.type === SupplementaryQueryType.LogsVolume ? logVolumeQuery(query) : undefined;
}

/** The request Explore runs for the volume: the volume queries of the request's logs queries. */
export function supplementaryRequest(
  type: SupplementaryQueryType,
  request: DataQueryRequest<MicromegasQuery>,
  options?: SupplementaryQueryOptions
): DataQueryRequest<MicromegasQuery> | undefined {
  if (type !== SupplementaryQueryType.LogsVolume) {
    return undefined;
  }
  const volumeOptions: SupplementaryQueryOptions =
    options?.type === SupplementaryQueryType.LogsVolume ? options : { type };
  const targets = request.targets
    .map((q) => supplementaryQuery(volumeOptions, q))
    .filter((q): q is MicromegasQuery => q !== undefined);
  if (targets.length === 0) {
    return undefined;
  }
  // Explore sets the volume's own interval in its scopedVars (logsModel.ts queryLogsVolume):
  // a copy of the map keeps the logs request's __interval (Loki clones the whole request).
  return {
    ...request,
    scopedVars: { ...request.scopedVars },
    requestId: `${request.requestId}_log_volume`,
    targets,
  };
}
