import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatDatetime, parseDatetime, parseTimeDelta } from '../../pkg/micromegas';

describe('formatDatetime (Python format_datetime semantics)', () => {
  it('formats a Date as UTC with +00:00 and no fraction when whole seconds', () => {
    assert.equal(formatDatetime(new Date(Date.UTC(2024, 0, 1, 12, 0, 0))), '2024-01-01T12:00:00+00:00');
  });
  it('prints milliseconds as microseconds, like isoformat()', () => {
    assert.equal(formatDatetime(new Date(Date.UTC(2024, 0, 1, 12, 0, 0, 5))), '2024-01-01T12:00:00.005000+00:00');
  });
  it('turns Z (upper or lower case) into +00:00', () => {
    assert.equal(formatDatetime('2024-01-01T12:00:00Z'), '2024-01-01T12:00:00+00:00');
    assert.equal(formatDatetime('2024-01-01T12:00:00z'), '2024-01-01T12:00:00+00:00');
  });
  it('keeps the offset of a string and its fraction', () => {
    assert.equal(formatDatetime('2024-06-30T23:59:59.25-07:30'), '2024-06-30T23:59:59.250000-07:30');
    assert.equal(formatDatetime('2024-01-01T00:00:00.000Z'), '2024-01-01T00:00:00+00:00');
  });
  it('keeps nanoseconds, which Python cannot represent', () => {
    assert.equal(formatDatetime('2024-01-01T00:00:00.123456789Z'), '2024-01-01T00:00:00.123456789+00:00');
  });
  it('accepts a space separator and no seconds, like fromisoformat', () => {
    assert.equal(formatDatetime('2024-01-01 08:30+02:00'), '2024-01-01T08:30:00+02:00');
  });
  it("rejects a string without a zone with Python's message", () => {
    assert.throws(() => formatDatetime('2024-01-01T00:00:00'), /datetime needs a valid time zone/);
    assert.throws(() => formatDatetime('2024-01-01'), /datetime needs a valid time zone/);
  });
  it('rejects malformed and out-of-range strings', () => {
    assert.throws(() => formatDatetime('yesterday'), /invalid isoformat string: 'yesterday'/);
    assert.throws(() => formatDatetime('2023-02-29T00:00:00Z'), /out of range/);
    assert.throws(() => formatDatetime('2024-01-01T24:00:00Z'), /out of range/);
    assert.throws(() => formatDatetime('2024-01-01T00:00:00+25:00'), /bad UTC offset/);
  });
  it('accepts leap days and passes null/undefined through', () => {
    assert.equal(formatDatetime('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00+00:00');
    assert.equal(formatDatetime(null), undefined);
    assert.equal(formatDatetime(undefined), undefined);
  });
  it('rejects invalid Dates and other types', () => {
    assert.throws(() => formatDatetime(new Date(Number.NaN)), /invalid Date/);
    assert.throws(() => formatDatetime(42 as unknown as string), /unknown type/);
  });
});

describe('parseDatetime', () => {
  it('applies the offset to the instant', () => {
    assert.equal(parseDatetime('2024-01-01T02:00:00+02:00').epochMs, Date.UTC(2024, 0, 1, 0, 0, 0));
    assert.equal(parseDatetime('2024-01-01T00:00:00-05:00').epochMs, Date.UTC(2024, 0, 1, 5, 0, 0));
  });
  it('does not map years below 100 into the 1900s', () => {
    assert.equal(new Date(parseDatetime('0050-01-01T00:00:00Z').epochMs).getUTCFullYear(), 50);
  });
});

describe('parseTimeDelta', () => {
  it('parses Python units m, h, d into milliseconds', () => {
    assert.equal(parseTimeDelta('30m'), 30 * 60_000);
    assert.equal(parseTimeDelta('1h'), 3_600_000);
    assert.equal(parseTimeDelta('7d'), 7 * 86_400_000);
  });
  it('also accepts s and w', () => {
    assert.equal(parseTimeDelta('45s'), 45_000);
    assert.equal(parseTimeDelta('2w'), 14 * 86_400_000);
    assert.equal(parseTimeDelta('0m'), 0);
  });
  it("rejects bad formats with Python's message", () => {
    for (const bad of ['', 'h', '1', '1y', '-1h', '1.5h', '1 month', '1month', 'abc']) {
      assert.throws(() => parseTimeDelta(bad), /invalid time delta format/, bad);
    }
  });
  it('rejects absurdly large deltas', () => {
    assert.throws(() => parseTimeDelta('99999999999999999w'), /too large/);
  });
});
