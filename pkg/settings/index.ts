// Data source instance settings: parsing, validation, and the mapping to client options.
export * from './types';
export { parseSettings } from './parse';
export { parseUrl, parseUpstreamHost, formatUrl, type Endpoint } from './endpoint';
export { clientOptions, CLIENT_IDENTITY, type ClientOptionsContext, type OAuthProviderFactory } from './client-options';
