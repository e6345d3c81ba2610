// retire_partitions(view_set, instance, begin, end): really drops the lake's partitions
// inside the range, then answers the (time, msg) log rows upstream streams back.
// Runs before planning because DuckDB macros cannot change the catalog.
import { parseRfc3339 } from './headers';
import type { Lake } from './lake';

const ARG = String.raw`\s*(?:cast\s*\(\s*)?(?:timestamp(?:tz)?\s+)?'((?:[^']|'')*)'(?:\s+as\s+timestamp(?:tz)?\s*\))?\s*`;
const RETIRE = new RegExp(String.raw`retire_partitions\s*\(${ARG},${ARG},${ARG},${ARG}\)`, 'gi');

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export async function retirePartitionsRewrite(lake: Lake, sql: string, dryRun = false): Promise<string> {
  const calls = [...sql.matchAll(RETIRE)];
  if (calls.length === 0) {
    return sql;
  }
  let out = sql;
  for (const m of calls) {
    const [all, viewSet, instance, rawBegin, rawEnd] = m.map((s) => s?.replace(/''/g, "'")) as string[];
    const rows: string[] = [];
    const now = new Date().toISOString();
    const begin = parseRfc3339(rawBegin!.replace(' ', 'T'));
    const end = parseRfc3339(rawEnd!.replace(' ', 'T'));
    if (typeof begin === 'string' || typeof end === 'string') {
      rows.push(
        `(TIMESTAMPTZ ${lit(now)}, ${lit(`error: begin and end must be RFC 3339 timestamps (got '${rawBegin}', '${rawEnd}')`)})`
      );
    } else if (instance !== 'global') {
      rows.push(
        `(TIMESTAMPTZ ${lit(now)}, ${lit(`retiring partitions of ${viewSet}/${instance}: the dev server only keeps global partitions; nothing to retire`)})`
      );
    } else {
      const retired = dryRun ? [] : await lake.retire(viewSet!, begin.ms, end.ms);
      rows.push(
        `(TIMESTAMPTZ ${lit(now)}, ${lit(`retiring partitions of ${viewSet}/${instance} in [${rawBegin}, ${rawEnd})`)})`
      );
      for (const p of retired) {
        rows.push(
          `(TIMESTAMPTZ ${lit(now)}, ${lit(`retired partition ${p.table} [${new Date(p.beginMs).toISOString()}, ${new Date(p.endMs).toISOString()}) rows=${p.rows}`)})`
        );
      }
      rows.push(`(TIMESTAMPTZ ${lit(now)}, ${lit(`retired ${retired.length} partition(s)`)})`);
    }
    out = out.replace(all!, `(SELECT * FROM (VALUES ${rows.join(', ')}) __retired(time, msg))`);
  }
  return out;
}

const BY_FILE = new RegExp(String.raw`retire_partition_by_file\s*\(${ARG}\)`, 'gi');
const BY_METADATA = new RegExp(String.raw`retire_partition_by_metadata\s*\(${ARG},${ARG},${ARG},${ARG}\)`, 'gi');

/**
 * retire_partition_by_file(path) and retire_partition_by_metadata(view_set, instance, begin, end)
 * retire one partition and answer the documented SUCCESS/ERROR string (admin functions-reference).
 */
export async function retireOneRewrite(lake: Lake, sql: string, dryRun = false): Promise<string> {
  let out = sql;
  for (const m of [...sql.matchAll(BY_FILE)]) {
    const path = m[1]!.replace(/''/g, "'");
    const p = lake.partitionByFile(path);
    if (p && !dryRun) {
      await lake.retireWhere(p.view, (x) => x === p);
    }
    out = out.replace(m[0], lit(p ? `SUCCESS: Retired partition ${path}` : `ERROR: Partition not found: ${path}`));
  }
  for (const m of [...out.matchAll(BY_METADATA)]) {
    const [viewSet, instance, rawBegin, rawEnd] = m.slice(1).map((s) => s!.replace(/''/g, "'"));
    const begin = parseRfc3339(rawBegin!.replace(' ', 'T'));
    const end = parseRfc3339(rawEnd!.replace(' ', 'T'));
    const what = `${viewSet}/${instance} [${rawBegin}, ${rawEnd})`;
    let answer = `ERROR: Partition not found: ${what}`;
    if (typeof begin !== 'string' && typeof end !== 'string' && instance === 'global') {
      const match = (p: { beginMs: number; endMs: number }): boolean => p.beginMs === begin.ms && p.endMs === end.ms;
      const found = lake.listPartitions(viewSet!).some(match);
      if (found) {
        if (!dryRun) {
          await lake.retireWhere(viewSet!, match);
        }
        answer = `SUCCESS: Retired partition ${what}`;
      }
    }
    out = out.replace(m[0], lit(answer));
  }
  return out;
}
