// Public entry of the query pipeline. pkg/grafana calls exactly these three functions.
export type {
  AuthKind,
  BatchStream,
  DataQueryInput,
  ErrorSource,
  GrafanaUser,
  HealthResult,
  Logger,
  PipelineSettings,
  QueryClient,
  QueryEnv,
  QueryResult,
  ResourceRequest,
  ResourceResponse,
} from './types';
export { MACROS, MacroError, expandMacros, type MacroDoc, type MacroContext } from './macros';
export { planQuery, runQuery, type QueryPlan } from './run';
export { checkHealth } from './health';
export { handleResource, RESOURCE_CACHE_TTL_MS } from './resources';
export { DEFAULT_QUERY_TIMEOUT_MS } from './limits';
export { setLargeStatementPolicy, type LargeStatementPolicy } from './large-statements';
