import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

import type { BuilderState, UpstreamBuilderFields } from './components/builder/model';
import type { QueryFormat } from './shared/query';

/** Result shapes the backend knows (src/shared/query.ts, the contract both sides import). */
export type { QueryFormat };

export const QUERY_FORMATS: ReadonlyArray<{ label: string; value: QueryFormat; description: string }> = [
  { label: 'Table', value: 'table', description: 'Rows and columns as returned by the query' },
  {
    label: 'Time series',
    value: 'time_series',
    description: 'Needs a `time` column; other text columns become series labels',
  },
  {
    label: 'Logs',
    value: 'logs',
    description: 'Shown in the logs view: time, level and msg become timestamp, severity and body',
  },
  {
    label: 'Traces',
    value: 'traces',
    description: 'Spans (id, parent, name, begin, duration or end) shown in the trace view',
  },
  {
    label: 'Flame graph',
    value: 'flame_graph',
    description: 'Spans (id, parent, name, duration) merged by call path into a flame graph of the range',
  },
  {
    label: 'Heatmap',
    value: 'heatmap',
    description: 'time, bucket, count rows (or histograms) as heatmap cells for the heatmap panel',
  },
];

/** Version written by this plugin; the upstream plugin writes 2 or nothing. */

export interface VariableOptions {
  valueField?: string;
  textField?: string;
}

export interface AnnotationOptions {
  timeField?: string;
  timeEndField?: string;
  textField?: string;
  tagsField?: string;
}

/**
 * A dashboard ad hoc filter as sent to the backend (Grafana's AdHocVariableFilter without
 * its UI fields). Operators: = != < > <= >= =~ !~ =| !=| (the last two use `values`).
 */
export interface AdhocFilterModel {
  key: string;
  operator: string;
  value: string;
  values?: string[];
}

/**
 * The panel query model, shared with the backend (pkg/query). The upstream builder fields
 * (UpstreamBuilderFields) are kept so old dashboards round-trip; the SQL in `query` is authoritative.
 */
export interface MicromegasQuery extends DataQuery, UpstreamBuilderFields {
  query?: string;
  /** Legacy SQL field of upstream v1 queries; only read when `query` is absent. */
  queryText?: string;
  format?: QueryFormat;
  timeFilter?: boolean;
  autoLimit?: boolean;
  rowLimit?: number;
  version?: number;
  variable?: VariableOptions;
  annotation?: AnnotationOptions;
  /** Added on the way out from the dashboard's ad hoc filters; never saved with the panel. */
  adhocFilters?: AdhocFilterModel[];
  /** Which editor shows the query; the backend ignores it (docs/builder.md). */
  editorMode?: 'builder' | 'code';
  /** The query builder's state; the SQL it generated is in `query`. */
  builder?: BuilderState;
}

/** Authentication modes this plugin writes. */
import type { AuthType } from './shared/auth';

export type { AuthType };

/** Data source `jsonData`: our keys plus the upstream ones we still read. */
export interface MicromegasOptions extends DataSourceJsonData {
  url?: string;
  authType?: AuthType;
  oauthIssuer?: string;
  oauthClientId?: string;
  oauthAudience?: string;
  tlsSkipVerify?: boolean;
  tlsAuthWithCACert?: boolean;
  tlsAuth?: boolean;
  preserveDictionary?: boolean;
  rowLimit?: number;
  queryTimeoutSeconds?: number;
  /** How long a query may wait for a slot (admission control). */
  queueTimeoutSeconds?: number;
  /** Queries of this data source running at once. */
  maxConcurrentQueries?: number;
  enableUserAttribution?: boolean;
  /** Send x-user-* with OAuth 2.0 tokens too (servers that accept them only). */
  enableUserAttributionWithOAuth?: boolean;
  /** `httpHeaderName1..N` */
  [key: `httpHeaderName${number}`]: string | undefined;
  // Upstream settings (read, migrated by the config editor).
  host?: string;
  secure?: boolean;
  selectedAuthType?: string;
  username?: string;
  metadata?: Array<Record<string, string>>;
}

/** Data source `secureJsonData` (write-only from the browser's point of view). */
export interface MicromegasSecureJsonData {
  token?: string;
  oauthClientSecret?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  password?: string;
  [key: `httpHeaderValue${number}`]: string | undefined;
}

// Backend resources (docs/ARCHITECTURE.md, "Backend resources").

export interface TableInfo {
  name: string;
  kind: 'view' | 'view_set' | 'function';
  description: string;
}

export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
}

export interface FunctionInfo {
  name: string;
  signature: string;
  description: string;
}

export interface TablesResponse {
  tables: TableInfo[];
}

export interface ColumnsResponse {
  table: string;
  columns: ColumnInfo[];
}

export interface FunctionsResponse {
  functions: FunctionInfo[];
  macros: FunctionInfo[];
}

export interface SchemaResponse {
  columns: ColumnInfo[];
}

export interface ValuesResponse {
  values: string[];
  /** The list stops at the limit asked for: more values exist. */
  more?: boolean;
}
