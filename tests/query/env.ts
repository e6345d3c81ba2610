// The query environment the pipeline tests run runQuery with: the dev server's client, the
// data source defaults (1M row limit, 60 s timeout, no auth), a user and a logger.
import type { FlightSQLClient } from '../../pkg/micromegas';
import type { QueryEnv } from '../../pkg/query';

const quiet = (): void => undefined;
export const QUIET_LOGGER: QueryEnv['logger'] = { debug: quiet, info: quiet, warn: quiet, error: quiet };
export const TEST_USER = { login: 'admin', email: 'admin@example.com', name: 'admin' };

export function testEnv(
  client: FlightSQLClient,
  opts: { enableUserAttribution?: boolean } & Partial<Omit<QueryEnv, 'client' | 'settings'>> = {}
): QueryEnv {
  const { enableUserAttribution = false, ...overrides } = opts;
  return {
    client,
    settings: { rowLimit: 1_000_000, queryTimeoutMs: 60_000, enableUserAttribution, authKind: 'none', secrets: [] },
    user: TEST_USER,
    logger: QUIET_LOGGER,
    ...overrides,
  };
}

/** The client, recording in `sent` every statement it is asked to run (a wrapped client to count calls on). */
export function countingClient(
  client: FlightSQLClient,
  sent: string[],
  onSend?: (sql: string) => void
): FlightSQLClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'queryStream') {
        return (sql: string, ...rest: unknown[]) => {
          sent.push(sql);
          onSend?.(sql);
          return (target.queryStream as (...a: unknown[]) => unknown).call(target, sql, ...rest);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
