// Lowercase hex rendering of bytes (trace/span ids, opaque binary), written straight
// into UTF-8 output buffers.

const HEX_PAIRS: Uint8Array = (() => {
  const digits = '0123456789abcdef';
  const table = new Uint8Array(512);
  for (let b = 0; b < 256; b++) {
    table[b * 2] = digits.charCodeAt(b >> 4);
    table[b * 2 + 1] = digits.charCodeAt(b & 15);
  }
  return table;
})();

/** Writes the hex of src[start, end) into dst at `at`; returns the new write position. */
export function writeHex(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  let p = at;
  for (let k = start; k < end; k++) {
    const b = src[k] * 2;
    dst[p++] = HEX_PAIRS[b];
    dst[p++] = HEX_PAIRS[b + 1];
  }
  return p;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let k = 0; k < bytes.length; k++) {
    out += String.fromCharCode(HEX_PAIRS[bytes[k] * 2], HEX_PAIRS[bytes[k] * 2 + 1]);
  }
  return out;
}
