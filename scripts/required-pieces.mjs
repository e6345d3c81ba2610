// Tests that need a piece from outside the repository (golden frames in ../shared, the Go
// host, Chromium) skip with this prefix in a newcomer's clone; under CI=true such a skip
// fails the run (scripts/run-tests.mjs). Tests use it through tests/harness/required.ts.
export const REQUIRED_SKIP_PREFIX = 'required piece missing: ';
