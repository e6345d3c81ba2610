// Row limit and auto limit: decide the cap, ask the server for one row more than the cap
// (so truncation is detected, not guessed), and cut the stream once the cap is passed.
import type { RecordBatch } from 'apache-arrow';

import { DEFAULT_QUERY_TIMEOUT_SECONDS, DEFAULT_ROW_LIMIT } from '../../src/shared/query';

import type { Notice } from '../frames';

export { DEFAULT_ROW_LIMIT };
export const DEFAULT_QUERY_TIMEOUT_MS = DEFAULT_QUERY_TIMEOUT_SECONDS * 1000;

export interface LimitPlan {
  /** Rows we keep at most (undefined = unlimited). */
  cap?: number;
  /** What the cap comes from, for the truncation notice. */
  reason?: 'autoLimit' | 'rowLimit';
  /** The server's `limit` header: cap + 1, so one extra row proves truncation. */
  serverLimit?: number;
  /** Notices known before running (e.g. a per-query limit above the data source's). */
  notices: Notice[];
}

export interface LimitInputs {
  settingsRowLimit?: number;
  queryRowLimit?: number;
  autoLimit: boolean;
  maxDataPoints?: number;
}

export function planLimits(input: LimitInputs): LimitPlan {
  const notices: Notice[] = [];
  const dsLimit =
    input.settingsRowLimit && input.settingsRowLimit > 0 ? Math.floor(input.settingsRowLimit) : DEFAULT_ROW_LIMIT;
  let rowLimit = dsLimit;
  if (input.queryRowLimit !== undefined) {
    if (input.queryRowLimit > dsLimit) {
      notices.push({
        severity: 'info',
        text: `The query's row limit (${input.queryRowLimit}) is above the data source's row limit; ${dsLimit} rows are the maximum.`,
      });
    } else {
      rowLimit = input.queryRowLimit;
    }
  }
  // maxDataPoints 0/absent means "no auto limit" (unlike upstream, which sent limit 0).
  const auto =
    input.autoLimit && input.maxDataPoints && input.maxDataPoints > 0 ? Math.floor(input.maxDataPoints) : undefined;
  if (auto !== undefined && auto < rowLimit) {
    return { cap: auto, reason: 'autoLimit', serverLimit: auto + 1, notices };
  }
  return { cap: rowLimit, reason: 'rowLimit', serverLimit: rowLimit + 1, notices };
}

export function truncationNotice(plan: LimitPlan): Notice {
  if (plan.reason === 'autoLimit') {
    return {
      severity: 'warning',
      text: `Results truncated to ${plan.cap} rows by Auto Limit (the panel's max data points). Aggregate or narrow the query, raise Max data points, or turn Auto Limit off to see every row.`,
    };
  }
  return {
    severity: 'warning',
    text: `Results truncated to the row limit of ${plan.cap} rows. Narrow the query (time range, WHERE, aggregation) or raise the row limit to see every row.`,
  };
}

/**
 * Passes batches through until `cap` rows; the batch crossing the cap is sliced, then
 * `onTruncate` runs and iteration stops (which ends the source stream, cancelling the call).
 */
export async function* limitBatches(
  source: AsyncIterable<RecordBatch>,
  cap: number | undefined,
  onTruncate: () => void
): AsyncGenerator<RecordBatch> {
  let total = 0;
  for await (const batch of source) {
    if (cap !== undefined && total + batch.numRows > cap) {
      const keep = cap - total;
      if (keep > 0) {
        yield batch.slice(0, keep);
      }
      onTruncate();
      return;
    }
    total += batch.numRows;
    yield batch;
  }
}
