// Adapter over the project's Micromegas JSONB decoder (pkg/jsonb): JSON text of one
// JSONB value, or undefined when the bytes are not a valid JSONB value (the caller
// then falls back to hex and says so in a notice).
import { jsonbToJson as decodeToJson } from '../jsonb';

export function jsonbToJson(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) {
    return undefined;
  }
  try {
    return decodeToJson(bytes);
  } catch {
    return undefined;
  }
}
