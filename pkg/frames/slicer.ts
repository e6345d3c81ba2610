// Long conversions give the event loop back. The backend is one Node process shared by
// every panel, alert rule and user of the Grafana server: while one query's rows are
// converted, pivoted or encoded, the others' calls (and Grafana's health checks) wait.
// Row loops ask `due()` every few thousand rows and, once a slice's time budget is spent,
// `await pause()`: a setImmediate turn lets pending I/O and timers run, and a cancelled
// query stops there.

/** A slice's budget: long enough that the pauses cost nothing measurable, short enough not to be felt. */
export const DEFAULT_SLICE_MS = 10;
/** Row loops check the clock once per 1,024 rows (`(i & SLICE_MASK) === 0`): a few µs per row at most between checks. */
export const SLICE_MASK = 1023;

/**
 * One turn of the event loop: pending I/O, timers and other queries' callbacks run before
 * this resolves (setImmediate runs after the poll phase; a resolved promise or nextTick would not).
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

export class Slicer {
  /** Pauses taken so far (for the tests and the benchmark). */
  pauses = 0;
  private deadline: number;

  /**
   * @param budgetMs time a slice may hold the event loop; 0 pauses at every check point
   * @param signal the query's cancellation: a pause throws its reason once aborted
   */
  constructor(
    private readonly budgetMs = DEFAULT_SLICE_MS,
    private readonly signal?: AbortSignal
  ) {
    this.deadline = performance.now() + budgetMs;
  }

  /** The slice's budget is spent. */
  due(): boolean {
    return performance.now() >= this.deadline;
  }

  /** Lets the event loop turn once (I/O, timers, other queries), then stops here if the query was cancelled. */
  async pause(): Promise<void> {
    await nextTurn();
    this.pauses++;
    this.signal?.throwIfAborted();
    this.deadline = performance.now() + this.budgetMs;
  }

  /** `Array.from({ length: n }, f)`, pausing every 1,024 items when the slice's budget is spent. */
  async map<T>(n: number, f: (k: number) => T): Promise<T[]> {
    const out = new Array<T>(n);
    for (let k = 0; k < n; k++) {
      if ((k & SLICE_MASK) === 0 && this.due()) {
        await this.pause();
      }
      out[k] = f(k);
    }
    return out;
  }

  /** Pauses when the slice's budget is spent. */
  async check(): Promise<void> {
    if (this.due()) {
      await this.pause();
    }
  }
}
