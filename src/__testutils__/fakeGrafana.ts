/**
 * Test doubles for the Grafana *runtime boundary* only (what the Grafana app provides to a
 * plugin: backendSrv and templateSrv). The plugin's own code runs for real on top of them,
 * including @grafana/runtime's DataSourceWithBackend and response parsing.
 */
import { DataFrame, dataFrameToJSON, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  FetchResponse,
  setBackendSrv,
  setTemplateSrv,
  TemplateSrv,
} from '@grafana/runtime';
import { defer, filter, mergeMap, Observable, Subject, takeUntil, throwIfEmpty } from 'rxjs';

import { MicromegasOptions } from '../types';

export interface RecordedRequest {
  url: string;
  method?: string;
  params?: Record<string, unknown>;
  data?: unknown;
  requestId?: string;
}

type Route = (req: RecordedRequest) => { status?: number; data: unknown };

/**
 * A fake Grafana HTTP API: routes by URL path; unmatched requests fail like a 404. Like
 * Grafana's BackendSrv (public/app/core/services/backend_srv.ts), answers arrive
 * asynchronously, a non-2xx answer is an error carrying status and data, and a request
 * started with a `requestId` cancels the in-flight request with the same id, which then
 * fails with `{ cancelled: true, status: -1, statusText: 'Request was aborted' }`.
 */
export class FakeBackend {
  requests: RecordedRequest[] = [];
  private routes = new Map<string, Route>();
  private readonly inFlight = new Subject<string>();

  on(path: string, route: Route): this {
    this.routes.set(path, route);
    return this;
  }

  /** Answers /api/ds/query with these frames per refId (or an error). */
  onQuery(
    answer: (
      queries: Array<Record<string, unknown>>
    ) => Record<string, { frames?: DataFrame[]; error?: string; status?: number }>
  ) {
    return this.on('/api/ds/query', (req) => {
      const body = req.data as { queries: Array<Record<string, unknown>> };
      const results: Record<string, unknown> = {};
      for (const [refId, r] of Object.entries(answer(body.queries))) {
        results[refId] = {
          frames: (r.frames ?? []).map((f) => dataFrameToJSON(f)),
          error: r.error,
          status: r.status ?? (r.error ? 400 : 200),
        };
      }
      return { data: { results } };
    });
  }

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    const path = options.url.split('?')[0];
    const req: RecordedRequest = {
      url: options.url,
      method: options.method,
      params: options.params,
      data: options.data,
      requestId: options.requestId,
    };
    this.requests.push(req);
    if (options.requestId) {
      this.inFlight.next(options.requestId);
    }
    return defer(() => Promise.resolve()).pipe(
      mergeMap(() => this.answer<T>(path, req, options)),
      takeUntil(this.inFlight.pipe(filter((id) => id === options.requestId))),
      throwIfEmpty(() => ({
        type: 'cancelled',
        cancelled: true,
        data: null,
        status: -1,
        statusText: 'Request was aborted',
        config: options,
      }))
    );
  }

  private answer<T>(path: string, req: RecordedRequest, options: BackendSrvRequest): Promise<FetchResponse<T>> {
    const key = [...this.routes.keys()].find((k) => path === k || path.endsWith(`/resources/${k}`));
    const route = key ? this.routes.get(key) : undefined;
    const answer = route ? route(req) : { status: 404, data: { error: `no route for ${path}` } };
    const status = answer.status ?? 200;
    const response = {
      data: answer.data as T,
      status,
      statusText: status < 400 ? 'OK' : 'Error',
      ok: status < 400,
      headers: new Headers(),
      redirected: false,
      type: 'basic',
      url: options.url,
      config: options,
    } as FetchResponse<T>;
    return status < 400 ? Promise.resolve(response) : Promise.reject(response);
  }

  install() {
    setBackendSrv(this as unknown as BackendSrv);
    return this;
  }
}

export interface FakeVariable {
  name: string;
  current: string | string[] | number;
  multi?: boolean;
  includeAll?: boolean;
}

const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?}/g;

/**
 * templateSrv with Grafana's contract for `replace`: `$v`, `${v}`, `${v:fmt}`, `[[v]]`;
 * scoped vars win over dashboard variables; unknown names are left as they are; a format
 * function receives (value, variable).
 */
export class FakeTemplateSrv {
  constructor(public variables: FakeVariable[] = []) {}

  getVariables() {
    return this.variables as unknown as ReturnType<TemplateSrv['getVariables']>;
  }

  containsTemplate(target?: string) {
    return Boolean(target && target.match(VARIABLE_REGEX));
  }

  updateTimeRange() {}

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(VARIABLE_REGEX, (match, var1, var2, _fmt2, var3) => {
      const name: string = var1 || var2 || var3;
      const scoped = scopedVars?.[name];
      const variable = this.variables.find((v) => v.name === name);
      if (!scoped && !variable) {
        return match;
      }
      const value = scoped ? scoped.value : variable!.current;
      if (typeof format === 'function') {
        return format(value, variable ?? { name, multi: false, includeAll: false });
      }
      return Array.isArray(value) ? value.join(',') : String(value);
    });
  }

  install() {
    setTemplateSrv(this as unknown as TemplateSrv);
    return this;
  }
}

export function instanceSettings(jsonData: MicromegasOptions = {}): DataSourceInstanceSettings<MicromegasOptions> {
  return {
    uid: 'mm-uid',
    type: 'micromegas-micromegas-datasource',
    name: 'Micromegas',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'micromegas-micromegas-datasource' } as DataSourceInstanceSettings['meta'],
  } as DataSourceInstanceSettings<MicromegasOptions>;
}
