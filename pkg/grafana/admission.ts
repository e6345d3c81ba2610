// Admission control: the plugin is one process shared by every panel, alert rule and user
// of the Grafana server, so the work in flight is bounded per data source instance and per
// process. The rest waits in line, fairly (round robin across data sources, FIFO within
// one), for at most the data source's queue timeout; beyond that, or when the line itself
// is full, the query gets a clear overload error of its own and nothing else suffers.
import {
  DEFAULT_MAX_CONCURRENT_QUERIES,
  DEFAULT_MAX_QUEUED_QUERIES,
  DEFAULT_PROCESS_MAX_CONCURRENT_QUERIES,
} from '../../src/shared/admission';

export interface AdmissionLimits {
  /** Queries running at once in the whole process. */
  perProcess: number;
  /** Queries running at once per data source, unless its settings say otherwise. */
  perInstance: number;
  /** Queries waiting in the whole process; beyond it new ones are refused at once. */
  maxQueued: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = {
  perProcess: DEFAULT_PROCESS_MAX_CONCURRENT_QUERIES,
  perInstance: DEFAULT_MAX_CONCURRENT_QUERIES,
  maxQueued: DEFAULT_MAX_QUEUED_QUERIES,
};

/**
 * Limits from the environment. Grafana passes `[plugin.<id>]` settings of grafana.ini to the
 * plugin as GF_PLUGIN_<KEY> variables (e.g. `max_concurrent_queries = 64`).
 */
export function admissionLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  limits: AdmissionLimits;
  warnings: string[];
} {
  const warnings: string[] = [];
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      return fallback;
    }
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n <= 0) {
      warnings.push(`${name}=${JSON.stringify(raw)} is not a whole number greater than 0: ${fallback} is used`);
      return fallback;
    }
    return n;
  };
  return {
    limits: {
      perProcess: read('GF_PLUGIN_MAX_CONCURRENT_QUERIES', DEFAULT_ADMISSION.perProcess),
      perInstance: DEFAULT_ADMISSION.perInstance,
      maxQueued: read('GF_PLUGIN_MAX_QUEUED_QUERIES', DEFAULT_ADMISSION.maxQueued),
    },
    warnings,
  };
}

/** A query refused by admission control; the message says what happened and what to do. */
export class OverloadError extends Error {
  override readonly name = 'OverloadError';
}

export interface SlotRequest {
  /** The data source instance (uid). */
  key: string;
  /** Its own limit (settings), else the default. */
  limit?: number;
  /** How long it may wait for a slot. */
  queueTimeoutMs: number;
  signal: AbortSignal;
}

interface Waiter {
  request: SlotRequest;
  limit: number;
  resolve(release: () => void): void;
  reject(err: unknown): void;
  cleanup(): void;
}

export class Admission {
  private running = 0;
  private queued = 0;
  private readonly runningBy = new Map<string, number>();
  /** Waiters per data source; Map order is the round-robin order. */
  private readonly queues = new Map<string, Waiter[]>();

  constructor(
    readonly limits: AdmissionLimits = DEFAULT_ADMISSION,
    /** Told the number of queries running whenever it changes (e.g. IdleGc). */
    private readonly onRunning?: (running: number) => void
  ) {}

  get stats(): { running: number; queued: number } {
    return { running: this.running, queued: this.queued };
  }

  /** Resolves with the release function of a slot, or rejects with an OverloadError (or the abort reason). */
  acquire(request: SlotRequest): Promise<() => void> {
    const limit = Math.max(1, request.limit ?? this.limits.perInstance);
    if (request.signal.aborted) {
      return Promise.reject(request.signal.reason);
    }
    if (!this.queues.has(request.key) && this.hasRoom(request.key, limit)) {
      return Promise.resolve(this.admit(request.key));
    }
    if (this.queued >= this.limits.maxQueued) {
      return Promise.reject(
        new OverloadError(
          `the Micromegas plugin is overloaded: ${this.running} queries running and ${this.queued} waiting (the most it queues); try again shortly or show fewer panels at once`
        )
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        request,
        limit,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          request.signal.removeEventListener('abort', onAbort);
        },
      };
      const leave = (err: unknown) => {
        const list = this.queues.get(request.key);
        const i = list?.indexOf(waiter) ?? -1;
        if (list && i >= 0) {
          list.splice(i, 1);
          this.queued--;
          if (list.length === 0) {
            this.queues.delete(request.key);
          }
        }
        waiter.cleanup();
        reject(err);
      };
      const onAbort = () => leave(request.signal.reason);
      const timer = setTimeout(() => {
        const here = this.runningBy.get(request.key) ?? 0;
        const seconds = Math.round(request.queueTimeoutMs / 100) / 10;
        leave(
          new OverloadError(
            `the data source is overloaded: this query waited ${seconds} s for its turn (${here} queries of this data source running, limit ${limit}; ${this.running} in the plugin, limit ${this.limits.perProcess}). Try again shortly, show fewer panels at once, or raise "Concurrent queries" or "Queue timeout" in the data source settings`
          )
        );
      }, request.queueTimeoutMs);
      timer.unref?.();
      request.signal.addEventListener('abort', onAbort, { once: true });
      const list = this.queues.get(request.key);
      if (list) {
        list.push(waiter);
      } else {
        this.queues.set(request.key, [waiter]);
      }
      this.queued++;
    });
  }

  private hasRoom(key: string, limit: number): boolean {
    return this.running < this.limits.perProcess && (this.runningBy.get(key) ?? 0) < limit;
  }

  private admit(key: string): () => void {
    this.running++;
    this.onRunning?.(this.running);
    this.runningBy.set(key, (this.runningBy.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      this.running--;
      const n = (this.runningBy.get(key) ?? 1) - 1;
      if (n === 0) {
        this.runningBy.delete(key);
      } else {
        this.runningBy.set(key, n);
      }
      this.dispatch();
      this.onRunning?.(this.running);
    };
  }

  /** Admits waiters while there is room: one per data source in turn. */
  private dispatch(): void {
    let progress = true;
    while (progress && this.running < this.limits.perProcess && this.queued > 0) {
      progress = false;
      for (const [key, list] of [...this.queues]) {
        const head = list[0];
        if (!head || !this.hasRoom(key, head.limit)) {
          continue;
        }
        list.shift();
        this.queued--;
        // Served: this data source goes to the back of the line.
        this.queues.delete(key);
        if (list.length > 0) {
          this.queues.set(key, list);
        }
        head.cleanup();
        head.resolve(this.admit(key));
        progress = true;
        if (this.running >= this.limits.perProcess) {
          break;
        }
      }
    }
  }
}
