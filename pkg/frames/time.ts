// Time unit arithmetic for the conversions: Grafana reads every Timestamp as
// nanoseconds since the epoch, whatever unit the Arrow type declares.
import * as arrow from 'apache-arrow';

export const NS_PER_UNIT: Record<arrow.TimeUnit, bigint> = {
  [arrow.TimeUnit.SECOND]: 1_000_000_000n,
  [arrow.TimeUnit.MILLISECOND]: 1_000_000n,
  [arrow.TimeUnit.MICROSECOND]: 1_000n,
  [arrow.TimeUnit.NANOSECOND]: 1n,
};

export const UNIT_SUFFIX: Record<arrow.TimeUnit, string> = {
  [arrow.TimeUnit.SECOND]: 's',
  [arrow.TimeUnit.MILLISECOND]: 'ms',
  [arrow.TimeUnit.MICROSECOND]: 'µs',
  [arrow.TimeUnit.NANOSECOND]: 'ns',
};

export const INT64_MAX = 9_223_372_036_854_775_807n;
export const NS_PER_DAY = 86_400_000_000_000n;

/** RFC 3339 with up to nanosecond precision (trailing zeros trimmed), always UTC. */
export function formatNs(ns: bigint): string {
  const ms = ns / 1_000_000n - (ns % 1_000_000n < 0n ? 1n : 0n);
  const subMs = ns - ms * 1_000_000n; // 0..999999
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) {
    return ns.toString();
  }
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ (years 0–9999 in this range)
  let frac = iso.slice(20, 23) + subMs.toString().padStart(6, '0');
  frac = frac.replace(/0+$/, '');
  return iso.slice(0, 19) + (frac ? '.' + frac : '') + 'Z';
}

/** Time of day from a count of `unit` since midnight, as HH:MM:SS[.fraction]. */
export function formatTimeOfDay(value: bigint, unit: arrow.TimeUnit): string {
  const ns = value * NS_PER_UNIT[unit];
  const totalSeconds = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const h = totalSeconds / 3600n;
  const m = (totalSeconds / 60n) % 60n;
  const s = totalSeconds % 60n;
  const two = (v: bigint) => v.toString().padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${frac ? '.' + frac : ''}`;
}
