// Typed views of the pluginv2 messages as @grpc/proto-loader decodes them with
// LOADER_OPTIONS (keepCase, int64 as number, bytes as Buffer, defaults filled in).

export interface PbUser {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface PbDataSourceInstanceSettings {
  id: number;
  name: string;
  url: string;
  user: string;
  database: string;
  basicAuthEnabled: boolean;
  basicAuthUser: string;
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
  uid: string;
  apiVersion: string;
}

export interface PbPluginContext {
  orgId: number;
  pluginId: string;
  user: PbUser | null;
  dataSourceInstanceSettings: PbDataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
  userAgent: string;
}

export interface PbTimeRange {
  fromEpochMS: number;
  toEpochMS: number;
}

export interface PbDataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange: PbTimeRange | null;
  json: Buffer;
  queryType: string;
}

export interface PbQueryDataRequest {
  pluginContext: PbPluginContext | null;
  headers: Record<string, string>;
  queries: PbDataQuery[];
}

/**
 * One encoded frame: the Arrow IPC file bytes, whole or as consecutive chunks (as an
 * IPC writer produces them), so the response encoder can copy them without a concat.
 */
export type FrameBytes = Uint8Array | readonly Uint8Array[];

/** DataResponse.status of a successful answer, as the Go SDK sends it. */
export const STATUS_OK = 200;

export interface DataResponseOut {
  frames: FrameBytes[];
  error?: string;
  /**
   * HTTP-like status. The query service always sets it: Grafana's SDK reads 0 (or anything
   * outside 100–599) as "unknown" and reports 500 to the browser, even with frames.
   */
  status?: number;
  errorSource?: string;
}

export interface QueryDataResponseOut {
  responses: Record<string, DataResponseOut>;
}

export interface PbCheckHealthRequest {
  pluginContext: PbPluginContext | null;
  headers: Record<string, string>;
}

export const HealthStatus = { UNKNOWN: 0, OK: 1, ERROR: 2 } as const;

export interface PbStringList {
  values: string[];
}

export interface PbCallResourceRequest {
  pluginContext: PbPluginContext | null;
  path: string;
  method: string;
  url: string;
  headers: Record<string, PbStringList>;
  body: Buffer;
}

export interface PbStreamRequest {
  pluginContext: PbPluginContext | null;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export const StreamStatus = { OK: 0, NOT_FOUND: 1, PERMISSION_DENIED: 2 } as const;
