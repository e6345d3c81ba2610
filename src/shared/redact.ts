// The one redactor of the plugin: every exit of the backend (logs at every level, errors,
// notices, health and resource answers) and the Micromegas client scrub text with it.
// Dependency-free so the frontend, the backend and the client all import the same rules.
//
// Two layers, both case-insensitive:
// - known secret values (token, OAuth client secret, TLS client key, header values, issued
//   tokens) in every encoding they can travel in: raw, percent-encoded (URI component, form,
//   twice), base64 (standard and URL-safe, at any alignment inside a longer base64 text) and
//   JSON-escaped (plain and Go's HTML-safe \u0026 form, which Grafana's server writes);
// - credential-shaped text whatever its origin (Bearer/Basic values, key=value and JSON
//   pairs with secret-like keys, PEM private keys).

export const REDACTED = '[REDACTED]';
/** Shorter values would blank out ordinary words. */
export const MIN_SECRET_LENGTH = 4;
/** Derived encodings shorter than this (base64 fragments of short secrets) match too much. */
const MIN_DERIVED_LENGTH = 6;

const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function utf8(text: string): number[] {
  return Array.from(new TextEncoder().encode(text));
}

function base64(bytes: number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let c = 0; c < chars; c++) {
      out += BASE64_CHARS[(n >> (18 - 6 * c)) & 63];
    }
  }
  return out;
}

/**
 * The base64 text that encodes `secret` wherever it sits in a longer byte string: for each of
 * the three alignments, the characters determined by the secret's bytes alone.
 */
function base64Fragments(secret: string): string[] {
  const bytes = utf8(secret);
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = base64([...new Array<number>(k).fill(0), ...bytes]);
    const first = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    out.push(encoded.slice(first, end));
  }
  return out;
}

function jsonEscaped(secret: string): string[] {
  const plain = JSON.stringify(secret).slice(1, -1);
  const goStyle = plain.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [plain, goStyle, plain.replace(/\//g, '\\/')];
}

function percentEncoded(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const form = new URLSearchParams([['k', secret]]).toString().slice(2);
  return [component, form, encodeURI(secret), encodeURIComponent(component), encodeURIComponent(form)];
}

/** Every form in which `secret` can appear in text we print. */
export function secretEncodings(secret: string): string[] {
  const forms = new Set<string>([secret]);
  for (const f of [...percentEncoded(secret), ...jsonEscaped(secret)]) {
    forms.add(f);
  }
  for (const f of base64Fragments(secret)) {
    forms.add(f);
    forms.add(f.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f === secret || f.length >= MIN_DERIVED_LENGTH);
}

const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  // Authorization header values, also percent-encoded (bearer%20…) and JSON-escaped.
  [/(bearer(?:\s+|%20|\+))[^\s"',;&\\]+/gi, `$1${REDACTED}`],
  [/(basic(?:\s+|%20|\+))[A-Za-z0-9+/=%]{8,}/gi, `$1${REDACTED}`],
  // key=value (query strings, form bodies, env-style text); not prose like "token: could not...".
  [
    /((?:access_token|refresh_token|id_token|token|secret|client_secret|password|passwd|api[_-]?key)\s*=\s*["']?)[^\s"',;&}]+/gi,
    `$1${REDACTED}`,
  ],
  // "key": "value" in JSON, also inside a JSON string (\"key\": \"value\").
  [
    /((?:\\?")(?:[a-z_]*token|[a-z_]*secret|password|passwd|api[_-]?key|authorization)\\?"\s*:\s*\\?")(?:[^"\\]|\\(?!"))+/gi,
    `$1${REDACTED}`,
  ],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/gi, REDACTED],
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Secret-named keys of structured values (log fields, health details). */
const SECRET_KEY = /(token|secret|password|passwd|authorization|api[_-]?key|private[_-]?key|credential|cookie)/i;

/** A set of known secrets and the rules above; `redact` never throws. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern?: RegExp;

  constructor(secrets: Iterable<string | undefined> = []) {
    this.add(secrets);
  }

  /** Registers secret values (ignored when shorter than MIN_SECRET_LENGTH). */
  add(values: Iterable<string | undefined>): this {
    let changed = false;
    for (const v of values) {
      for (const s of typeof v === 'string' ? [v, v.trim()] : []) {
        if (s.length >= MIN_SECRET_LENGTH && !this.secrets.has(s)) {
          this.secrets.add(s);
          changed = true;
        }
      }
    }
    if (changed) {
      const forms = new Set<string>();
      for (const s of this.secrets) {
        for (const f of secretEncodings(s)) {
          forms.add(f);
        }
      }
      // Longest first so a form containing another one is removed whole.
      const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join('|'), 'gi');
    }
    return this;
  }

  /** Text with every known secret (any encoding) and credential-shaped substring replaced. */
  redact(text: string): string {
    let out = text;
    if (this.pattern) {
      out = out.replace(this.pattern, REDACTED);
    }
    for (const [pattern, replacement] of CREDENTIAL_PATTERNS) {
      out = out.replace(pattern, replacement);
    }
    return out;
  }

  /** Deep copy for structured output: secret-named keys blanked, strings scrubbed, bytes summarised. */
  redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') {
      return this.redact(value);
    }
    if (value === null || typeof value !== 'object' || depth > 6) {
      return value;
    }
    if (value instanceof Error) {
      return this.redact(value.message);
    }
    if (Array.isArray(value)) {
      return value.map((v) => this.redactValue(v, depth + 1));
    }
    if (ArrayBuffer.isView(value)) {
      return `<${value.byteLength} bytes>`;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== '' ? REDACTED : this.redactValue(v, depth + 1);
    }
    return out;
  }
}

const cache = new Map<string, Redactor>();
const CACHE_SIZE = 32;

/** Redacts `text` with the given secrets (the compiled rules of recent secret sets are cached). */
export function redactSecrets(text: string, secrets: Iterable<string | undefined> = []): string {
  const list = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
  const key = list.join('\u0000');
  let r = cache.get(key);
  if (!r) {
    r = new Redactor(list);
    if (cache.size >= CACHE_SIZE) {
      cache.delete(cache.keys().next().value!);
    }
    cache.set(key, r);
  }
  return r.redact(text);
}
