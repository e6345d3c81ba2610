// Types at the pipeline's boundaries: what pkg/grafana hands in (env, query, resource
// request), what it gets back, and the thin slice of the Micromegas client we consume.
import type { RecordBatch, Schema } from 'apache-arrow';

import type { FrameChunks } from '../frames';

/** Structured logger supplied by the protocol layer (fields must never carry secrets). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Per-call options of the client's DoGet (see pkg/micromegas). */
export interface StreamCallOptions {
  signal?: AbortSignal;
  /** Per-request gRPC metadata (attribution). */
  headers?: Record<string, string>;
  /** The server's outer `limit` header. */
  limit?: number;
  timeoutMs?: number;
}

/** A DoGet result: async-iterable batches; the schema is known even for zero rows. */
export interface BatchStream extends AsyncIterable<RecordBatch> {
  /** Resolves once the schema message arrived (also for empty results). */
  readonly schema: Promise<Schema> | Schema;
}

/** One GetTables row (pkg/micromegas `TableInfo`). */
export interface TableDescription {
  tableName: string;
  tableType?: string;
  /** Present when requested with includeSchema. */
  schema?: Schema;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * The part of the Micromegas FlightSQL client the pipeline uses. Kept structural so the
 * real `FlightSQLClient` (pkg/micromegas) fits, and tests can pass the real client too.
 */
export interface QueryClient {
  queryStream(
    sql: string,
    begin: Date | string | undefined,
    end: Date | string | undefined,
    options?: StreamCallOptions
  ): BatchStream | Promise<BatchStream> | AsyncIterable<RecordBatch> | Promise<AsyncIterable<RecordBatch>>;
  prepareStatement(sql: string, options?: CallOptions): Promise<{ query?: string; datasetSchema: Schema }>;
  getTables?(
    options?: { tableNamePattern?: string; includeSchema?: boolean } & CallOptions
  ): Promise<TableDescription[]>;
  /** GetSqlInfo values by id (0 = server name, 1 = server version). */
  getSqlInfo?(ids?: number[], options?: CallOptions): Promise<Map<number, unknown>>;
}

export type AuthKind = 'none' | 'token' | 'oauth2';

/** Data source settings the pipeline needs (parsed by pkg/settings). */
export interface PipelineSettings {
  /** The instance's uid and name (plugin context): drill-down links point at this data source. */
  uid?: string;
  name?: string;
  /** Maximum rows per query (default 1,000,000). */
  rowLimit?: number;
  /** Query and resource timeout in ms (default 300 s). */
  queryTimeoutMs?: number;
  /** The data source's "user attribution" switch (default true). */
  enableUserAttribution?: boolean;
  /** Credential kind: only delegating credentials (token = API key) may carry x-user-* headers. */
  authKind?: AuthKind;
  /** Explicit opt-in to send x-user-* with OAuth client credentials (the server rejects it unless the subject matches). */
  attributionWithOAuth?: boolean;
  /** Secret values (token, client secret, header values) scrubbed from any message we return. */
  secrets?: readonly string[];
}

export interface GrafanaUser {
  login?: string;
  email?: string;
  name?: string;
  role?: string;
}

/** Everything a pipeline call needs; built by pkg/grafana per request. */
export interface QueryEnv {
  client: QueryClient;
  settings: PipelineSettings;
  user?: GrafanaUser;
  /** Aborted when Grafana cancels the request or the plugin shuts down. */
  signal?: AbortSignal;
  logger: Logger;
}

/** One panel query as decoded from pluginv2 DataQuery. */
export interface DataQueryInput {
  refId: string;
  maxDataPoints?: number;
  intervalMS?: number;
  /** Epoch milliseconds, as in pluginv2 TimeRange. */
  timeRange?: { fromEpochMS: number; toEpochMS: number };
  /** The panel query's JSON: raw bytes, text, or an already parsed object. */
  json: Uint8Array | string | Record<string, unknown>;
  queryType?: string;
}

export type ErrorSource = 'plugin' | 'downstream';

/** Written to each frame's `meta.custom`: what the query sent to Micromegas. */
export interface QuerySentInfo {
  /** The `query_range_begin` / `query_range_end` headers (RFC 3339), when the range was bound. */
  queryRange?: { begin: string; end: string };
  /** The `limit` header (the row cap + 1, so truncation is detected). */
  limit?: number;
}

/** Mirrors pluginv2 DataResponse. */
export interface QueryResult {
  /** One Arrow IPC file per frame, as consecutive chunks (written out without joining them). */
  frames: FrameChunks[];
  error?: string;
  /** HTTP-like status; set with errors. */
  status?: number;
  errorSource?: ErrorSource;
}

export interface HealthResult {
  status: 'OK' | 'ERROR';
  message: string;
  details: Record<string, unknown>;
}

export interface ResourceRequest {
  /** e.g. `tables`, `columns`, `functions`, `schema`, `values` (leading slash tolerated). */
  path: string;
  method: string;
  /** Full URL incl. query string, e.g. `columns?table=log_entries`. */
  url?: string;
  body?: Uint8Array | string;
}

export interface ResourceResponse {
  status: number;
  headers: Record<string, string[]>;
  body: Uint8Array;
}
