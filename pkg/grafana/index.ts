// The plugin process for Grafana: public entry used by pkg/main.ts and tests.
export { runPlugin, type PluginOptions } from './start';
export { InstanceManager, pipelineSettings, type ClientFactory, type ClientHandle, type Instance } from './instances';
export { createLogger, levelFromEnv, type Logger, type LogLevel } from './log';
export { redact, registerSecrets } from './redact';
export { encodeQueryDataResponse } from './encode';
export { PluginMetrics } from './metrics';
