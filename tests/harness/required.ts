// Pieces some tests need from outside the repository (the golden frames in ../shared,
// the Go host, Chromium). A newcomer's clone skips those tests saying what to install;
// under CI (CI=true) they are required: scripts/run-tests.mjs fails a run where a test
// or suite skipped with this prefix.
import { REQUIRED_SKIP_PREFIX } from '../../scripts/required-pieces.mjs';

export { REQUIRED_SKIP_PREFIX };

/** The `skip` option for a test or suite that needs a required piece: false when present. */
export function requiredSkip(missing: string | false): string | false {
  return missing === false ? false : `${REQUIRED_SKIP_PREFIX}${missing}`;
}
