// Micromegas measure units (the `unit` column of `measures`) → Grafana unit ids, so
// time series panels format their axes without the user picking a unit.

/** The column name that carries a series' unit instead of a label. */
export const UNIT_COLUMN = 'unit';

const KNOWN: Record<string, string> = {
  percent: 'percent',
  '%': 'percent',
  bytes: 'bytes', // IEC (1 KiB = 1024 B), as Micromegas memory figures are
  byte: 'bytes',
  ns: 'ns',
  nanoseconds: 'ns',
  us: 'µs',
  µs: 'µs',
  μs: 'µs', // Greek mu, as well as the micro sign
  microseconds: 'µs',
  ms: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  seconds: 's',
  count: 'short',
  'requests/s': 'reqps',
  'req/s': 'reqps',
};

/**
 * The Grafana unit id for a Micromegas unit: a known id, or a custom suffix
 * (`suffix:<unit>`) that Grafana prints after each value. Undefined for no unit.
 */
export function grafanaUnit(unit: string): string | undefined {
  const trimmed = unit.trim();
  if (trimmed === '') {
    return undefined;
  }
  return KNOWN[trimmed.toLowerCase()] ?? `suffix:${trimmed}`;
}
