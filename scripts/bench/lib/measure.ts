// Small helpers the benchmarks share. Kept out of scripts/bench/*.ts itself: run.mjs runs
// every .ts file there as a benchmark.
import { readFileSync, writeFileSync } from 'node:fs';
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

/** Runs `work` and returns the executable's RSS before it and the peak during it. */
export async function peakDuring<T>(
  pid: number,
  work: () => Promise<T>
): Promise<{ idle: number; peak: number; method: string; result: T }> {
  let resettable = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // VmHWM := current RSS
  } catch {
    resettable = false;
  }
  const idle = procStatus(pid, 'VmRSS');
  if (resettable) {
    const result = await work();
    return { idle, peak: procStatus(pid, 'VmHWM'), method: 'VmHWM after clear_refs reset', result };
  }
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, procStatus(pid, 'VmRSS'))), 2);
  try {
    const result = await work();
    return { idle, peak: Math.max(peak, procStatus(pid, 'VmRSS')), method: 'VmRSS sampled every 2 ms', result };
  } finally {
    clearInterval(timer);
  }
}
