// Defaults of admission control, shared by the config editor and the backend (dependency-free).
// Chosen for memory: each query in flight holds its result (a few MB for a large panel), and the
// process gives back less than it took, so the bound on what runs at once bounds the footprint.

/** Queries of one data source running at once (jsonData `maxConcurrentQueries`). */
export const DEFAULT_MAX_CONCURRENT_QUERIES = 8;
/** Queries running at once in the whole plugin process (grafana.ini `max_concurrent_queries`). */
export const DEFAULT_PROCESS_MAX_CONCURRENT_QUERIES = 16;
/** Queries waiting in the whole process (grafana.ini `max_queued_queries`). */
export const DEFAULT_MAX_QUEUED_QUERIES = 1024;
