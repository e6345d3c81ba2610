// SQL literal helpers: every value the client puts into SQL goes through these.
import { invalidArgument } from './errors';

/** A single-quoted SQL string literal, quotes doubled; NUL characters are refused. */
export function sqlString(value: string): string {
  if (typeof value !== 'string') {
    throw invalidArgument(`expected a string for a SQL literal, got ${typeof value}`);
  }
  if (value.includes('\0')) {
    throw invalidArgument('a SQL string value cannot contain a NUL character');
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** A non-negative integer literal (limits, deltas); anything else is refused. */
export function sqlInteger(value: number, what: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return String(value);
}
