// Bounds of the duration settings of a data source, shared by the config editor and the
// backend so both say the same thing. Dependency-free (imported from src/ and pkg/).
//
// Why bounds: a Node timer holds at most 2^31-1 ms (about 24.8 days); a longer delay fires
// after 1 ms, which turned a huge query timeout into "every query times out at once".

import { DEFAULT_QUERY_TIMEOUT_SECONDS } from './query';

/** The longest delay a Node (and browser) timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DurationLimit {
  /** jsonData key. */
  key: 'queryTimeoutSeconds' | 'queueTimeoutSeconds';
  label: string;
  defaultSeconds: number;
  maxSeconds: number;
}

export const QUERY_TIMEOUT: DurationLimit = {
  key: 'queryTimeoutSeconds',
  label: 'Query timeout',
  defaultSeconds: DEFAULT_QUERY_TIMEOUT_SECONDS,
  maxSeconds: 86_400,
};

export const QUEUE_TIMEOUT: DurationLimit = {
  key: 'queueTimeoutSeconds',
  label: 'Queue timeout',
  defaultSeconds: 60,
  maxSeconds: 3_600,
};

/** `86400 s (1 day)` style text. */
export function secondsText(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${seconds} s (${n} ${name}${n === 1 ? '' : 's'})`;
    }
  }
  return `${seconds} s`;
}

export type DurationCheck =
  /** `warning` is set when the value was clamped to the maximum. */
  { ok: true; seconds: number; warning?: string } | { ok: false; error: string };

/**
 * Validates one duration setting (seconds). Missing, empty or 0 → the default; not a positive
 * number → an error saying what to enter; above the maximum → clamped, with a warning.
 */
export function checkDuration(limit: DurationLimit, raw: unknown): DurationCheck {
  if (raw === undefined || raw === null || raw === '' || raw === 0) {
    return { ok: true, seconds: limit.defaultSeconds };
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    return {
      ok: false,
      error: `${limit.label} ("${limit.key}") must be a positive number of seconds (at most ${secondsText(limit.maxSeconds)}), got ${JSON.stringify(raw)}`,
    };
  }
  if (n > limit.maxSeconds) {
    return {
      ok: true,
      seconds: limit.maxSeconds,
      warning: `${limit.label} ${n} s is above the maximum of ${secondsText(limit.maxSeconds)}: ${limit.maxSeconds} s is used. Save the data source with a value up to ${limit.maxSeconds}.`,
    };
  }
  return { ok: true, seconds: n };
}
