// Grafana's runRequest, which @grafana/scenes calls for panels, variables and annotations
// (getRunRequest()), is part of Grafana's app, not of a published package. This stand-in
// follows grafana/grafana public/app/features/query/state/runRequest.ts where it matters here:
// - every packet of ds.query (or of the variable support's query function) becomes PanelData,
//   packets merged by `key`; data frames with meta.dataTopic "annotations" go to `annotations`;
// - a packet with `error` or `errors` makes the state Error (a response carrying only `error`,
//   as toDataQueryResponse makes of a cancelled or non-200 request, is an error too);
// - a thrown error becomes state Error with toDataQueryError(err);
// - unsubscribing cancels the network request by requestId (backendSrv.resolveCancelerIfExists).
import {
  DataTopic,
  LoadingState,
  type DataQueryError,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
  type PanelData,
} from '@grafana/data';
import { toDataQueryError } from '@grafana/runtime';
import { catchError, finalize, from, map, Observable, of, type ObservableInput } from 'rxjs';

import { sandboxBackendSrv } from './backend-srv';

type QueryFunction = (request: DataQueryRequest) => ObservableInput<DataQueryResponse>;

export function runRequest(
  datasource: DataSourceApi,
  request: DataQueryRequest,
  queryFunction?: QueryFunction
): Observable<PanelData> {
  const base: PanelData = { state: LoadingState.Loading, series: [], request, timeRange: request.range };
  if (request.targets.length === 0) {
    return of({ ...base, state: LoadingState.Done });
  }
  const packets = new Map<string, DataQueryResponse>();
  const query = queryFunction ?? ((r: DataQueryRequest) => datasource.query(r) as ObservableInput<DataQueryResponse>);
  return from(query(request)).pipe(
    map((packet): PanelData => {
      if (!Array.isArray(packet.data)) {
        throw new Error(`Expected response data to be array, got ${typeof packet.data}.`);
      }
      request.endTime = Date.now();
      packets.set(packet.key ?? 'A', packet);
      let state = packet.state ?? LoadingState.Done;
      let error: DataQueryError | undefined;
      const errors: DataQueryError[] = [];
      const series: PanelData['series'] = [];
      const annotations: PanelData['series'] = [];
      for (const p of packets.values()) {
        if (p.error || p.errors?.length) {
          state = LoadingState.Error;
          error = p.error ?? p.errors?.[0];
          errors.push(...(p.errors ?? (p.error ? [p.error] : [])));
        }
        for (const frame of p.data ?? []) {
          (frame?.meta?.dataTopic === DataTopic.Annotations ? annotations : series).push(frame);
        }
      }
      return {
        ...base,
        state,
        series,
        annotations,
        error,
        errors: errors.length ? errors : undefined,
        timeRange: request.range,
      };
    }),
    catchError((err: unknown) => of({ ...base, state: LoadingState.Error, error: toDataQueryError(err as never) })),
    finalize(() => sandboxBackendSrv.resolveCancelerIfExists(request.requestId))
  );
}
