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
// Landing next (signatures fixed):
//   runQuery(env: QueryEnv, query: DataQueryInput): Promise<QueryResult>
//   checkHealth(env: QueryEnv): Promise<HealthResult>
//   handleResource(env: QueryEnv, req: ResourceRequest): Promise<ResourceResponse>
