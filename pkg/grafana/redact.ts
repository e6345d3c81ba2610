// Keeps secrets out of everything the process emits (logs, error messages, health
// answers). Two layers: exact values registered from decrypted settings, and
// patterns that look like credentials whatever their origin.

const REPLACEMENT = '[REDACTED]';
const MIN_SECRET_LENGTH = 4; // shorter values would blank out ordinary words

const secrets = new Set<string>();
let secretPattern: RegExp | undefined;

/** Registers secret values (tokens, client secrets, keys) that must never be printed. */
export function registerSecrets(values: Iterable<string | undefined>): void {
  let changed = false;
  for (const v of values) {
    if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH && !secrets.has(v)) {
      secrets.add(v);
      changed = true;
    }
  }
  if (changed) {
    // Longest first so a secret containing another one is removed whole.
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    secretPattern = new RegExp(alternatives.join('|'), 'g');
  }
}

const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  [/(bearer\s+)[^\s"',;]+/gi, `$1${REPLACEMENT}`],
  [/(basic\s+)[A-Za-z0-9+/=]{8,}/gi, `$1${REPLACEMENT}`],
  // key=value (query strings, env-style text) and "key": "value" (JSON); not prose like "token: could not...".
  [/((?:token|secret|password|api[_-]?key|client_secret)\s*=\s*["']?)[^\s"',;&}]+/gi, `$1${REPLACEMENT}`],
  [/("(?:[a-z_]*token|[a-z_]*secret|password|api[_-]?key|authorization)"\s*:\s*")[^"]+/gi, `$1${REPLACEMENT}`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, REPLACEMENT],
];

/** Returns text with registered secrets and credential-looking substrings replaced. */
export function redact(text: string): string {
  let out = text;
  if (secretPattern) {
    out = out.replace(secretPattern, REPLACEMENT);
  }
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) {
    out = out.replace(pattern, replacement);
  }
  return out;
}

const SECRET_KEY = /(token|secret|password|passwd|authorization|api[_-]?key|private[_-]?key|credential|cookie)/i;

/** Deep-redacts a value for structured logging: secret-named keys are blanked, strings scrubbed. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return redact(value);
  }
  if (value === null || typeof value !== 'object' || depth > 6) {
    return value;
  }
  if (value instanceof Error) {
    return redact(value.message);
  }
  if (Array.isArray(value)) {
    return value.map((v) => redactValue(v, depth + 1));
  }
  if (ArrayBuffer.isView(value)) {
    return `<${value.byteLength} bytes>`;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== '' ? REPLACEMENT : redactValue(v, depth + 1);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
