// Time helpers with the semantics of the Python client's `micromegas.time`:
// RFC 3339 formatting for the query range headers and human time deltas.

/** A point in time accepted by the client: a Date, or an RFC 3339 string with a zone (`Z` or `±HH:MM`). */
export type TimeInput = Date | string;

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/** A parsed RFC 3339 / ISO 8601 timestamp, exact to the nanosecond. */
export interface ParsedDatetime {
  /** Milliseconds since the epoch (the instant, offset applied). */
  epochMs: number;
  /** Fractional second digits as written (0–9 digits). */
  fraction: string;
  /** Offset from UTC in minutes. */
  offsetMinutes: number;
  /** Local wall-clock fields as written. */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses an ISO 8601 / RFC 3339 timestamp like Python's `datetime.fromisoformat`
 * (date only, `T`/space separator, optional seconds and fraction, lowercase `z` accepted).
 * A value without a zone is an error: the server needs an absolute instant.
 */
export function parseDatetime(value: string): ParsedDatetime {
  if (typeof value !== 'string') {
    throw new TypeError(`expected an RFC 3339 string, got ${typeof value}`);
  }
  const m = ISO_RE.exec(value.trim());
  if (!m) {
    throw new RangeError(`invalid isoformat string: '${value}' (expected RFC 3339, e.g. 2024-01-01T00:00:00Z)`);
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw new RangeError(`invalid isoformat string: '${value}' (a field is out of range)`);
  }
  if (m[8] === undefined && m[9] === undefined) {
    throw new RangeError(`datetime needs a valid time zone: '${value}' (add Z or an offset such as +00:00)`);
  }
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) {
      throw new RangeError(`invalid isoformat string: '${value}' (bad UTC offset)`);
    }
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ?? '';
  const ms = fraction === '' ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  wall.setUTCHours(hour, minute, second, ms);
  const epochMs = wall.getTime() - offsetMinutes * 60_000;
  return { epochMs, fraction, offsetMinutes, year, month, day, hour, minute, second };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Python `isoformat()` fraction: omitted when zero, microseconds (6 digits) otherwise; nanoseconds kept when given. */
function formatFraction(digits: string): string {
  if (digits === '' || /^0+$/.test(digits)) {
    return '';
  }
  return '.' + (digits.length <= 6 ? digits.padEnd(6, '0') : digits.padEnd(9, '0'));
}

/**
 * Formats a time for the `query_range_begin`/`query_range_end` headers, like Python's
 * `format_datetime`: `2024-01-01T12:00:00+00:00` (a Date is always UTC; a string keeps its
 * offset; fractions as Python prints them). `null`/`undefined` pass through.
 */
export function formatDatetime(value: TimeInput): string;
export function formatDatetime(value: TimeInput | null | undefined): string | undefined;
export function formatDatetime(value: TimeInput | null | undefined): string | undefined {
  if (value === null || value === undefined) {
    return undefined;
  }
  if (value instanceof Date) {
    const t = value.getTime();
    if (Number.isNaN(t)) {
      throw new RangeError('invalid Date (NaN) cannot be formatted');
    }
    const year = value.getUTCFullYear();
    if (year < 1 || year > 9999) {
      throw new RangeError(`year ${year} is out of range (1–9999)`);
    }
    const base = `${pad(year, 4)}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}T${pad(value.getUTCHours())}:${pad(
      value.getUTCMinutes()
    )}:${pad(value.getUTCSeconds())}`;
    return base + formatFraction(pad(value.getUTCMilliseconds(), 3)) + '+00:00';
  }
  if (typeof value === 'string') {
    const p = parseDatetime(value);
    const base = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
    return base + formatFraction(p.fraction) + formatOffset(p.offsetMinutes);
  }
  throw new TypeError('value of unknown type in formatDatetime (expected Date or RFC 3339 string)');
}

/** Converts a TimeInput to a Date (millisecond precision). */
export function toDate(value: TimeInput): Date {
  return value instanceof Date ? value : new Date(parseDatetime(value).epochMs);
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses `<number><unit>` (`30m`, `1h`, `7d`; also `s` seconds and `w` weeks, which Python lacks)
 * into milliseconds. Unlike Python's prefix match, trailing characters are rejected
 * (`1month` would otherwise silently mean one minute).
 */
export function parseTimeDelta(text: string): number {
  const m = typeof text === 'string' ? /^\s*(\d+)([smhdw])\s*$/.exec(text) : null;
  if (!m) {
    throw new RangeError(
      `invalid time delta format: '${String(text)}'. Expected format: '<number><unit>' where unit is s/m/h/d/w`
    );
  }
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (!Number.isSafeInteger(ms) || ms > 8.64e15) {
    throw new RangeError(`time delta too large: '${text}'`);
  }
  return ms;
}
