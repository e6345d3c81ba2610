// A fetch-based BackendSrv standing in for Grafana's (not published on npm), following
// grafana/grafana public/app/core/services/backend_srv.ts where it matters to a data source:
// - JSON in and out, an Observable of FetchResponse;
// - a non-2xx answer is a FetchError { status, statusText, data: the parsed body, config },
//   whatever the body holds (a proxy's 502 page, a 401 without `results`);
// - a request carrying a requestId cancels the one in flight with the same requestId
//   (Grafana's inFlightRequests + takeUntil), and the cancelled one fails with Grafana's
//   cancellation object { type: 'cancelled', cancelled: true, status: -1, statusText:
//   'Request was aborted', data: null } — which @grafana/runtime's toDataQueryResponse turns
//   into a response with `error` and no `errors`.
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';
import { lastValueFrom, Observable } from 'rxjs';

/** Every request the page made, for the browser tests to inspect (window.__sandboxRequests). */
export interface RecordedRequest {
  url: string;
  method: string;
  body: unknown;
  status?: number;
}

export const recordedRequests: RecordedRequest[] = [];

function withParams(url: string, params: BackendSrvRequest['params']): string {
  if (!params || typeof params !== 'object') {
    return url;
  }
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params as Record<string, unknown>)) {
    if (value === undefined || value === null) {
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach((v) => search.append(key, String(v)));
    } else {
      search.append(key, String(value));
    }
  }
  const qs = search.toString();
  return qs ? `${url}${url.includes('?') ? '&' : '?'}${qs}` : url;
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) {
    return undefined;
  }
  // Grafana's parseResponseBody: JSON when it parses, else the text itself (a proxy's HTML page).
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class SandboxBackendSrv {
  private readonly inflight = new Map<string, AbortController>();

  fetch<T>(options: BackendSrvRequest): Observable<FetchResponse<T>> {
    return new Observable<FetchResponse<T>>((subscriber) => {
      const controller = new AbortController();
      if (options.requestId) {
        this.inflight.get(options.requestId)?.abort();
        this.inflight.set(options.requestId, controller);
      }
      const method = (options.method ?? 'GET').toUpperCase();
      const url = withParams(options.url, options.params);
      const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
      let body: BodyInit | undefined;
      if (options.data !== undefined && method !== 'GET') {
        body = typeof options.data === 'string' ? options.data : JSON.stringify(options.data);
        headers['Content-Type'] ??= 'application/json';
      }
      const record: RecordedRequest = { url, method, body: options.data };
      recordedRequests.push(record);

      fetch(url, { method, headers, body, signal: controller.signal })
        .then(async (res) => {
          const data = await readBody(res);
          record.status = res.status;
          const response = {
            data: data as T,
            status: res.status,
            statusText: res.statusText,
            ok: res.ok,
            headers: res.headers,
            redirected: res.redirected,
            type: res.type,
            url: res.url,
            config: options,
          };
          if (res.ok) {
            subscriber.next(response);
            subscriber.complete();
          } else {
            const err: FetchError = {
              status: res.status,
              statusText: res.statusText,
              data: (data ?? {}) as FetchError['data'],
              config: options,
            };
            subscriber.error(err);
          }
        })
        .catch((cause: unknown) => {
          if (controller.signal.aborted) {
            // Grafana reports a superseded request as cancelled, not as a failure.
            const err = {
              type: 'cancelled',
              status: -1,
              statusText: 'Request was aborted',
              cancelled: true,
              data: null,
              config: options,
            } as unknown as FetchError;
            subscriber.error(err);
            return;
          }
          const message = cause instanceof Error ? cause.message : String(cause);
          const err: FetchError = {
            status: 0,
            statusText: message,
            data: { message: `Network error: ${message}` },
            config: options,
          };
          subscriber.error(err);
        })
        .finally(() => {
          if (options.requestId && this.inflight.get(options.requestId) === controller) {
            this.inflight.delete(options.requestId);
          }
        });
      return () => controller.abort();
    });
  }

  request<T>(options: BackendSrvRequest): Promise<T> {
    return lastValueFrom(this.fetch<T>(options)).then((r) => r.data);
  }

  datasourceRequest<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
    return lastValueFrom(this.fetch<T>(options));
  }

  get<T>(
    url: string,
    params?: BackendSrvRequest['params'],
    requestId?: string,
    options?: Partial<BackendSrvRequest>
  ): Promise<T> {
    return this.request<T>({ ...options, url, params, requestId, method: 'GET' });
  }

  delete<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'DELETE' });
  }

  post<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'POST' });
  }

  patch<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PATCH' });
  }

  put<T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>): Promise<T> {
    return this.request<T>({ ...options, url, data, method: 'PUT' });
  }

  resolveCancelerIfExists(requestId: string): void {
    this.inflight.get(requestId)?.abort();
  }

  /** Only what BackendSrv requires; the sandbox has no websocket/chunked transport. */
  chunked(): never {
    throw new Error('chunked requests are not supported by the sandbox');
  }
}

export const sandboxBackendSrv = new SandboxBackendSrv();
export const backendSrv = sandboxBackendSrv as unknown as BackendSrv;
