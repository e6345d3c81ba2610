// Request metadata the Micromegas server reads on DoGet: the query range (RFC 3339), the
// row limit and preserve_dictionary.
import { status, type Metadata } from '@grpc/grpc-js';

import { grpcError } from './errors';
import type { TimeRange } from './lake';

export interface QueryHeaders {
  range?: TimeRange;
  limit?: number;
  preserveDictionary: boolean;
  failAfterBatches?: number;
  delayMs?: number;
}

export function header(metadata: Metadata, key: string): string | undefined {
  const v = metadata.get(key)[0];
  if (v === undefined) {
    return undefined;
  }
  return typeof v === 'string' ? v : v.toString('utf8');
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** chrono's parse_from_rfc3339, closely enough: the same accepted forms and error words. */
export function parseRfc3339(text: string): { ms: number; sql: string } | string {
  const m = RFC3339.exec(text);
  if (!m) {
    const prefix = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})/.test(text);
    if (prefix) {
      return 'trailing input';
    }
    return /^[\d\-T:.Zz+ ]*$/.test(text) ? 'premature end of input' : 'input contains invalid characters';
  }
  const [, y, mo, d, h, mi, s, frac = '', off] = m;
  const offset = off === 'Z' || off === 'z' ? '+00:00' : off!;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${offset}`);
  if (Number.isNaN(ms) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) {
    return 'input is out of range';
  }
  // DuckDB keeps microseconds; nanosecond digits are truncated.
  return { ms, sql: `${y}-${mo}-${d} ${h}:${mi}:${s}${frac.slice(0, 7)}${offset}` };
}

function isAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

export function readQueryHeaders(metadata: Metadata): QueryHeaders {
  const rawBegin = header(metadata, 'query_range_begin');
  const rawEnd = header(metadata, 'query_range_end');
  const parsed: Record<string, { ms: number; sql: string } | undefined> = {};
  for (const [name, raw] of [
    ['query_range_begin', rawBegin],
    ['query_range_end', rawEnd],
  ] as const) {
    if (raw === undefined || raw === '') {
      continue;
    }
    if (!isAscii(raw)) {
      throw grpcError(
        status.INVALID_ARGUMENT,
        `Unable to convert ${name} to string: failed to convert header to a str`
      );
    }
    const p = parseRfc3339(raw);
    if (typeof p === 'string') {
      throw grpcError(status.INVALID_ARGUMENT, `Unable to parse ${name} as a rfc3339 datetime: ${p}`);
    }
    parsed[name] = p;
  }
  const b = parsed.query_range_begin;
  const e = parsed.query_range_end;
  // Both or neither: a lone bound means no range, as upstream.
  const range = b && e ? { beginMs: b.ms, endMs: e.ms, begin: b.sql, end: e.sql } : undefined;

  let limit: number | undefined;
  const rawLimit = header(metadata, 'limit');
  if (rawLimit !== undefined) {
    if (rawLimit === '') {
      throw grpcError(status.INVALID_ARGUMENT, 'error parsing limit: cannot parse integer from empty string');
    }
    if (!/^\+?\d+$/.test(rawLimit)) {
      throw grpcError(status.INVALID_ARGUMENT, 'error parsing limit: invalid digit found in string');
    }
    const n = Number(rawLimit);
    if (!Number.isSafeInteger(n)) {
      throw grpcError(status.INVALID_ARGUMENT, 'error parsing limit: number too large to fit in target type');
    }
    limit = n;
  }
  const preserveDictionary = (header(metadata, 'preserve_dictionary') ?? '').toLowerCase() === 'true';
  const hook = (key: string): number | undefined => {
    const raw = header(metadata, key);
    if (raw === undefined) {
      return undefined;
    }
    if (!/^\d+$/.test(raw)) {
      throw grpcError(status.INVALID_ARGUMENT, `${key} must be a non-negative integer, got '${raw}'`);
    }
    return Number(raw);
  };
  return {
    range,
    limit,
    preserveDictionary,
    failAfterBatches: hook('x-devserver-fail-after-batches'),
    delayMs: hook('x-devserver-delay-ms'),
  };
}

/** Attribution headers worth logging; never the authorization value. */
export function clientInfo(metadata: Metadata): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata.getMap())) {
    if (key.startsWith('x-client-') || key.startsWith('x-user-')) {
      parts.push(`${key}=${JSON.stringify(String(value))}`);
    }
  }
  return parts.join(' ');
}
