// The frame JSON decoder moved to pkg/frames/json.ts (the live tail sends it in stream
// packets); re-exported here for the tests that import it from the harness.
export { frameToJson, type DataFrameJSON, type EntityLookup, type FieldJSON } from '../../pkg/frames/json';
