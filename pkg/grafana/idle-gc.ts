// Gives memory back after a burst. V8 keeps the heap it grew to for a burst of queries (and
// the Arrow buffers it still references) until a major collection, which an idle process
// may not run for a long time: after 256 concurrent queries the process kept its peak RSS.
// Once the plugin has been idle for a moment after a burst, one full collection returns it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** A full garbage collection; false when the runtime does not allow one. */
export function fullGc(): boolean {
  if (collect === undefined) {
    try {
      // The executable takes no Node flags (Grafana passes none): expose gc() at run time.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    } catch {
      collect = null;
    }
  }
  if (!collect) {
    return false;
  }
  collect();
  return true;
}

/**
 * Calls `gc` once the plugin stayed idle `delayMs` after a burst of at least `burst` queries
 * in flight. `isIdle` is asked again when the delay ends: new work cancels the collection.
 */
export class IdleGc {
  private timer?: NodeJS.Timeout;
  private peak = 0;

  constructor(
    private readonly isIdle: () => boolean,
    private readonly options: { burst: number; delayMs: number; gc?: () => boolean } = { burst: 8, delayMs: 2000 }
  ) {}

  /** The number of queries in flight changed. */
  update(running: number): void {
    this.peak = Math.max(this.peak, running);
    if (running > 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.peak < this.options.burst || this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.isIdle()) {
        this.peak = 0;
        (this.options.gc ?? fullGc)();
      }
    }, this.options.delayMs);
    this.timer.unref();
  }
}
