import type { DataFrame } from '@grafana/data';

/** The time range the backend sent to Micromegas (`query_range_begin` / `query_range_end`), RFC 3339. */
export interface SentQueryRange {
  begin: string;
  end: string;
}

function isSentQueryRange(value: unknown): value is SentQueryRange {
  const v = value as Partial<SentQueryRange> | null | undefined;
  return typeof v?.begin === 'string' && typeof v?.end === 'string';
}

/**
 * The range the backend reports in `meta.custom.queryRange` for the query `refId`, from the
 * last response's frames; undefined when the range was not bound or nothing ran yet.
 */
export function sentQueryRange(series: DataFrame[] | undefined, refId: string): SentQueryRange | undefined {
  for (const frame of series ?? []) {
    const range: unknown = frame.meta?.custom?.queryRange;
    if (frame.refId === refId && isSentQueryRange(range)) {
      return { begin: range.begin, end: range.end };
    }
  }
  return undefined;
}
