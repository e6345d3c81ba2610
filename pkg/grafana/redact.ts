// The process-wide redactor: every secret of every data source seen so far, applied to
// everything the process emits (logs, errors, health and resource answers). The rules
// live once, in src/shared/redact.ts, shared with the Micromegas client and the frontend.
import { Redactor } from '../../src/shared/redact';

const processRedactor = new Redactor();

/** Registers secret values (tokens, client secrets, keys, header values) that must never be printed. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  processRedactor.add(values);
}

/** Returns text with registered secrets (any encoding) and credential-looking substrings replaced. */
export function redact(text: string): string {
  return processRedactor.redact(text);
}

/** Deep-redacts a value for structured logging: secret-named keys are blanked, strings scrubbed. */
export function redactValue(value: unknown): unknown {
  return processRedactor.redactValue(value);
}
