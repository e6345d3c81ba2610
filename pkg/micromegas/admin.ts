// Lakehouse administration helpers, as the Python client's micromegas.admin.
import { Table } from 'apache-arrow';

import type { FlightSQLClient } from './client';
import { sqlString } from './sql';
import { rawInt64At, timestampToIso } from './values';

/** Partitions whose file schema differs from their view set's current schema (one row per partition). */
export async function listIncompatiblePartitions(client: FlightSQLClient, viewSet?: string): Promise<Table> {
  const filter = viewSet === undefined ? '' : `AND p.view_set_name = ${sqlString(viewSet)}`;
  const sql = `SELECT
    p.view_set_name,
    p.view_instance_id,
    p.begin_insert_time,
    p.end_insert_time,
    p.file_schema_hash AS incompatible_schema_hash,
    vs.current_schema_hash,
    p.file_path,
    p.file_size
  FROM list_partitions() p
  JOIN list_view_sets() vs ON p.view_set_name = vs.view_set_name
  WHERE p.file_schema_hash != vs.current_schema_hash
    ${filter}
  ORDER BY p.view_set_name, p.view_instance_id, p.begin_insert_time`;
  return client.query(sql);
}

/** One row of retireIncompatiblePartitions' result (Python's DataFrame columns). */
export interface RetirementResult {
  view_set_name: string;
  view_instance_id: string;
  partitions_retired: number;
  partitions_failed: number;
  storage_freed_bytes: number;
  retirement_messages: string[];
}

/** Nanosecond-exact RFC 3339 text of a timestamp cell (apache-arrow's get() rounds to ms). */
function timestampText(table: Table, column: string, row: number): string {
  const vec = table.getChild(column);
  if (!vec) {
    throw new Error(`missing column ${column}`);
  }
  const raw = rawInt64At(vec, row);
  if (raw === null || !('unit' in vec.type)) {
    throw new Error(`${column} is null or not a timestamp`);
  }
  return timestampToIso(raw, (vec.type as { unit: number }).unit);
}

/**
 * Retires every incompatible partition with `retire_partition_by_metadata`, grouped by
 * (view_set_name, view_instance_id). Irreversible; admin only. Failures are counted, not thrown.
 */
export async function retireIncompatiblePartitions(
  client: FlightSQLClient,
  viewSet?: string
): Promise<RetirementResult[]> {
  const partitions = await listIncompatiblePartitions(client, viewSet);
  const groups = new Map<string, RetirementResult>();
  const col = (name: string, row: number): unknown => partitions.getChild(name)?.get(row);
  for (let i = 0; i < partitions.numRows; i++) {
    const vs = String(col('view_set_name', i));
    const vi = String(col('view_instance_id', i));
    const key = JSON.stringify([vs, vi]);
    let group = groups.get(key);
    if (!group) {
      group = {
        view_set_name: vs,
        view_instance_id: vi,
        partitions_retired: 0,
        partitions_failed: 0,
        storage_freed_bytes: 0,
        retirement_messages: [],
      };
      groups.set(key, group);
    }
    const begin = timestampText(partitions, 'begin_insert_time', i);
    const end = timestampText(partitions, 'end_insert_time', i);
    const label = `${vs}/${vi} [${begin}, ${end})`;
    try {
      const sql = `SELECT retire_partition_by_metadata(${sqlString(vs)}, ${sqlString(vi)}, CAST(${sqlString(begin)} AS TIMESTAMP), CAST(${sqlString(
        end
      )} AS TIMESTAMP)) AS message`;
      const result = await client.query(sql);
      if (result.numRows === 0) {
        group.partitions_failed++;
        group.retirement_messages.push(`ERROR: No result returned for partition ${label}`);
        continue;
      }
      const message = String(result.getChild('message')?.get(0));
      group.retirement_messages.push(message);
      if (message.startsWith('SUCCESS:')) {
        group.partitions_retired++;
        group.storage_freed_bytes += Number(col('file_size', i) ?? 0);
      } else {
        group.partitions_failed++;
      }
    } catch (err) {
      group.partitions_failed++;
      group.retirement_messages.push(`ERROR: Exception retiring partition ${label}: ${(err as Error).message}`);
    }
  }
  return [...groups.values()].sort((a, b) =>
    a.view_set_name === b.view_set_name
      ? a.view_instance_id.localeCompare(b.view_instance_id)
      : a.view_set_name.localeCompare(b.view_set_name)
  );
}
