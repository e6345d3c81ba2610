// Small helpers the benchmarks share. Kept out of scripts/bench/*.ts itself: run.mjs runs
// every .ts file there as a benchmark.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** A numeric knob read from the environment (BENCH_*), or its default. */
export const envNumber = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, RssAnon…), in bytes. */
export function procStatus(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
}

/** The 1/5/15-minute load averages as printed beside the figures (the machine is shared). */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
