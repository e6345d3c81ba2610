// Adapter over the project's Micromegas JSONB decoder (pkg/jsonb): JSON text of one
// JSONB value, or undefined when the bytes are not a complete, valid JSONB value.
export function jsonbToJson(bytes: Uint8Array): string | undefined {
  void bytes;
  return undefined; // wired to pkg/jsonb once it lands
}
