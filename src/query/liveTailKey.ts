// The live tail channel path for a query's stream data: `tail/` + 64-bit FNV-1a of the data
// as JSON with sorted keys. The backend imports this module (pkg/stream/channel.ts) and
// refuses a path that does not match its data, so every subscriber of a channel runs the
// same query. No imports, so the backend bundle can take it as it is.

/** JSON with object keys sorted at every level (undefined members dropped, as JSON does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) {
        sorted[k] = (v as Record<string, unknown>)[k];
      }
      return sorted;
    }
    return v;
  });
}

/** 64-bit FNV-1a over the UTF-16 code units, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = BigInt('0xcbf29ce484222325');
  const prime = BigInt('0x100000001b3');
  const mask = BigInt('0xffffffffffffffff');
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

/** The channel path (below `ds/<uid>/`) of a live tail. */
export function liveTailPath(data: Record<string, unknown>): string {
  return `tail/${fnv1a64(canonicalJson(data))}`;
}
