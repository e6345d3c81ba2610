// The panel query contract between the frontend and the backend (docs/ARCHITECTURE.md
// "Query JSON"): formats, the model version, ad hoc filter operators and the identifier
// rule, and the limits both sides apply. Dependency-free; both import it.

/** Result shapes the backend knows. */
export type QueryFormat = 'table' | 'time_series' | 'logs' | 'traces' | 'flame_graph' | 'heatmap';

export const QUERY_FORMAT_VALUES: readonly QueryFormat[] = [
  'table',
  'time_series',
  'logs',
  'traces',
  'flame_graph',
  'heatmap',
];

/** `version` of queries written by this plugin; the upstream plugin wrote 2 or nothing. */
export const QUERY_MODEL_VERSION = 3;

/** Grafana's ad hoc filter operators the backend renders (=| / !=| take `values`). */
export type AdhocOperator = '=' | '!=' | '<' | '>' | '<=' | '>=' | '=~' | '!~' | '=|' | '!=|';

export const ADHOC_OPERATORS: readonly AdhocOperator[] = ['=', '!=', '<', '>', '<=', '>=', '=~', '!~', '=|', '!=|'];

/** Micromegas columns are plain snake_case names: ad hoc keys must be one (never quoted or guessed). */
export const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Most distinct values the `values` resource lists for one key (the editor says when there are more). */
export const ADHOC_VALUES_LIMIT = 1000;

/** Data source defaults: rows per query, and the query timeout. */
export const DEFAULT_ROW_LIMIT = 1_000_000;
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 300;
