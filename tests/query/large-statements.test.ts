// The policy the executable applies while a large statement is planned (pkg/main.ts turns
// V8's memory-saving mode off then): entered by the first large plan, left by the last,
// left when planning fails, never entered for a small statement.
import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';

import { FlightSQLClient } from '../../pkg/micromegas';
import { planQuery, setLargeStatementPolicy, type DataQueryInput } from '../../pkg/query';
import { LARGE_STATEMENT } from '../../pkg/query/large-statements';

import { testEnv } from './env';

// Planning a table query without ad hoc filters sends nothing: the client is never called.
const client = new FlightSQLClient('grpc://127.0.0.1:9');
const call = { signal: new AbortController().signal, timeoutMs: 1000 };
const query = (sql: string): DataQueryInput => ({
  refId: 'A',
  maxDataPoints: 100,
  intervalMS: 1000,
  timeRange: { fromEpochMS: 0, toEpochMS: 3_600_000 },
  json: { query: sql, format: 'table', version: 3 },
});
const large = `SELECT 1 AS x WHERE 'a' IN (${Array.from({ length: LARGE_STATEMENT / 4 }, (_, i) => `'${i}'`).join(',')})`;

function recording(): { events: string[] } {
  const events: string[] = [];
  setLargeStatementPolicy({ enter: () => events.push('enter'), leave: () => events.push('leave') });
  return { events };
}

afterEach(() => setLargeStatementPolicy(undefined));

it('a large statement enters the policy while it is planned and leaves it after', async () => {
  const { events } = recording();
  const plan = planQuery(testEnv(client), query(large), call);
  assert.deepEqual(events, ['enter'], 'entered before the first pass');
  await plan;
  assert.deepEqual(events, ['enter', 'leave']);
});

it('overlapping large plans enter once and leave once, when the last one ends', async () => {
  const { events } = recording();
  await Promise.all([1, 2, 3].map(() => planQuery(testEnv(client), query(large), call)));
  assert.deepEqual(events, ['enter', 'leave']);
});

it('a plan that fails still leaves the policy', async () => {
  const { events } = recording();
  await assert.rejects(planQuery(testEnv(client), query(`${large} AND $__timeFilter(`), call));
  assert.deepEqual(events, ['enter', 'leave']);
});

it('a small statement never enters it', async () => {
  const { events } = recording();
  await planQuery(testEnv(client), query('SELECT 1 AS x'), call);
  assert.deepEqual(events, []);
});
