// What the process does while a large statement (a multi-value variable with All selected:
// megabytes of SQL) is planned. The planning passes allocate in proportion to the text, and
// the executable's memory-saving V8 mode (--optimize-for-size: every major GC compacts the
// whole heap) made them 2-5× slower, so a query planned meanwhile waited the longer
// (scripts/bench/reliability.ts). The executable sets the policy (pkg/main.ts owns the V8
// flags); the default does nothing. Planned large statements may overlap: the policy is
// entered by the first and left by the last.
export interface LargeStatementPolicy {
  enter(): void;
  leave(): void;
}

/** Statements from this length on are large: their passes also yield between them. */
export const LARGE_STATEMENT = 32 * 1024;

let policy: LargeStatementPolicy | undefined;
let planning = 0;

export function setLargeStatementPolicy(next: LargeStatementPolicy | undefined): void {
  policy = next;
}

/** Enters the policy for a large statement; the returned function leaves it (once). */
export function planningLarge(sql: string): () => void {
  if (sql.length < LARGE_STATEMENT || !policy) {
    return () => undefined;
  }
  const current = policy;
  if (planning++ === 0) {
    current.enter();
  }
  let left = false;
  return () => {
    if (!left) {
      left = true;
      if (--planning === 0) {
        current.leave();
      }
    }
  };
}
