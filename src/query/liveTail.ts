// Explore's "Live" button on a logs query: instead of one backend query, the query streams
// over Grafana Live (channel ds/<uid>/tail/<key>, served by the backend's RunStream, see
// docs/live-tail.md). Other queries of the same request, and every non-live request, go
// to the backend as usual.
import {
  AdHocVariableFilter,
  DataQueryRequest,
  DataQueryResponse,
  LiveChannelScope,
  ScopedVars,
  StreamingFrameAction,
} from '@grafana/data';
import { getGrafanaLiveSrv } from '@grafana/runtime';
import { merge, Observable } from 'rxjs';

import { MicromegasQuery } from '../types';
import { liveTailPath } from './liveTailKey';

/** Lines kept in a live view when the request gives no max data points. */
export const DEFAULT_LIVE_LINES = 1000;

export interface LiveTailSource {
  uid: string;
  filterQuery?(query: MicromegasQuery): boolean;
  applyTemplateVariables(
    query: MicromegasQuery,
    scopedVars: ScopedVars,
    filters?: AdHocVariableFilter[]
  ): MicromegasQuery;
}

/** What the stream runs: the query's own fields (no datasource, hide, key…), so equal queries share a channel. */
export function liveTailData(query: MicromegasQuery): Record<string, unknown> {
  const data: Record<string, unknown> = {
    refId: query.refId,
    query: query.query,
    format: query.format,
    timeFilter: query.timeFilter,
    autoLimit: query.autoLimit,
    rowLimit: query.rowLimit,
    version: query.version,
    adhocFilters: query.adhocFilters,
  };
  // JSON drops undefined members; dropping them here too keeps the object what the backend hashes.
  return JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
}

/**
 * A live request's logs queries as Grafana Live streams, merged with the backend response
 * for its other queries; a non-live request goes to `backend` unchanged.
 */
export function routeLiveTail(
  ds: LiveTailSource,
  request: DataQueryRequest<MicromegasQuery>,
  backend: (request: DataQueryRequest<MicromegasQuery>) => Observable<DataQueryResponse>
): Observable<DataQueryResponse> {
  if (!request.liveStreaming) {
    return backend(request);
  }
  const live: MicromegasQuery[] = [];
  const rest: MicromegasQuery[] = [];
  for (const target of request.targets) {
    const runnable = ds.filterQuery ? ds.filterQuery(target) : !target.hide;
    const query = runnable ? ds.applyTemplateVariables(target, request.scopedVars, request.filters) : undefined;
    if (query?.format === 'logs') {
      live.push(query);
    } else {
      rest.push(target); // the backend path interpolates it itself
    }
  }
  if (live.length === 0) {
    return backend(request);
  }
  const streams = live.map((query) => {
    const data = liveTailData(query);
    return getGrafanaLiveSrv().getDataStream({
      key: `${request.requestId}.${query.refId}`,
      addr: { scope: LiveChannelScope.DataSource, stream: ds.uid, path: liveTailPath(data), data },
      buffer: { maxLength: request.maxDataPoints || DEFAULT_LIVE_LINES, action: StreamingFrameAction.Append },
    });
  });
  return rest.length > 0 ? merge(...streams, backend({ ...request, targets: rest })) : merge(...streams);
}
