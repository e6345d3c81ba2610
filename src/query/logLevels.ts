// Micromegas log levels (log_entries.level) and the names Grafana gives them. Dependency-free:
// the backend's logs frames (pkg/frames/logs.ts) and the frontend's filters share it.

/** Micromegas levels (log_entries.level) as Grafana's level names. */
export const LEVEL_NAMES: Record<number, string> = {
  1: 'critical',
  2: 'error',
  3: 'warning',
  4: 'info',
  5: 'debug',
  6: 'trace',
};

/** The Micromegas level of a Grafana level name, if it is one. */
export function levelNumber(name: string): number | undefined {
  const entry = Object.entries(LEVEL_NAMES).find(([, n]) => n === name.toLowerCase());
  return entry ? Number(entry[0]) : undefined;
}
