// DoPut(CommandStatementIngest) into processes / streams / blocks / payloads: Arrow
// columns are matched to the table's storage columns by name and inserted as a new
// partition of that view (so range pruning sees them like any other data).
import { status } from '@grpc/grpc-js';
import { DataType, type RecordBatch, type Table } from 'apache-arrow';

import { decodeJsonb } from '../jsonb';
import { grpcError } from './errors';
import type { Lake } from './lake';
import { PAYLOAD_COLUMNS, VIEW_BY_NAME, quoteIdent, storageColumns, type ColumnDef } from './schema';

export const INGEST_TABLES = ['processes', 'streams', 'blocks', 'payloads'];

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function toJsonText(value: unknown): string {
  if (value === null || value === undefined) {
    return '{}';
  }
  if (value instanceof Uint8Array) {
    try {
      return JSON.stringify(decodeJsonb(value), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    } catch {
      return Buffer.from(value).toString('utf8');
    }
  }
  if (typeof value === 'string') {
    return value;
  }
  // List<Struct<key, value>> (legacy properties) or Map<Utf8, Utf8>.
  const obj: Record<string, unknown> = {};
  const items = Array.from(value as Iterable<unknown>);
  for (const item of items) {
    if (Array.isArray(item)) {
      obj[String(item[0])] = item[1];
    } else if (item && typeof item === 'object') {
      const rec = (item as { toJSON?: () => Record<string, unknown> }).toJSON?.() ?? (item as Record<string, unknown>);
      if ('key' in rec) {
        obj[String(rec.key)] = rec.value;
      }
    }
  }
  return JSON.stringify(obj);
}

function sqlValue(col: ColumnDef, value: unknown, type: DataType): string {
  if (value === null || value === undefined) {
    return 'NULL';
  }
  switch (col.kind) {
    case 'ts': {
      // apache-arrow hands timestamps out as epoch milliseconds (number); raw bigints follow the unit.
      if (typeof value === 'bigint') {
        const unit = DataType.isTimestamp(type) ? type.unit : 3;
        const us = unit === 3 ? value / 1000n : unit === 2 ? value : unit === 1 ? value * 1000n : value * 1_000_000n;
        return `make_timestamptz(${us})`;
      }
      const ms = value instanceof Date ? value.getTime() : Number(value);
      if (!Number.isFinite(ms)) {
        throw grpcError(status.INVALID_ARGUMENT, `error ingesting: column ${col.name} holds a non-timestamp value`);
      }
      return `make_timestamptz(${Math.round(ms * 1000)})`;
    }
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'float64':
      return String(value);
    case 'bool':
      return value ? 'TRUE' : 'FALSE';
    case 'binary':
      return value instanceof Uint8Array ? `from_hex(${lit(Buffer.from(value).toString('hex'))})` : lit(String(value));
    case 'jsonb':
      return `${lit(toJsonText(value))}::JSON`;
    case 'tags': {
      const items = Array.from(value as Iterable<unknown>).map((v) => (v === null ? 'NULL' : lit(String(v))));
      return `[${items.join(', ')}]::VARCHAR[]`;
    }
    default:
      return lit(value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value));
  }
}

/**
 * Columns of the processes/streams *views* that Micromegas derives from blocks (max(insert_time),
 * max(end_time)…) rather than storing: the ingested tables (the Python API's 13 process columns)
 * do not carry them. Derived from the row's own column when it has one, else NULL.
 */
const DERIVED: Record<string, Record<string, string | null>> = {
  processes: { last_update_time: 'insert_time', last_block_end_ticks: null, last_block_end_time: null },
  streams: { last_update_time: 'insert_time', format: null },
};

function defaultValue(col: ColumnDef): string {
  switch (col.kind) {
    case 'ts':
      return 'now()';
    case 'int32':
    case 'int64':
    case 'uint32':
    case 'float64':
      return '0';
    case 'jsonb':
      return `'{}'::JSON`;
    case 'binary':
      return `''::BLOB`;
    case 'tags':
      return '[]::VARCHAR[]';
    case 'bool':
      return 'FALSE';
    default:
      return col.nullable ? 'NULL' : "''";
  }
}

export async function ingest(lake: Lake, tableName: string, table: Table): Promise<number> {
  if (!INGEST_TABLES.includes(tableName)) {
    throw grpcError(
      status.INTERNAL,
      `error ingesting into ${tableName}: bulk ingest for table ${tableName} not supported`
    );
  }
  const view = tableName === 'payloads' ? 'payloads' : VIEW_BY_NAME.get(tableName)!;
  const columns = view === 'payloads' ? PAYLOAD_COLUMNS : storageColumns(view);
  const known = new Set(columns.map((c) => c.name));
  const unknown = table.schema.fields.map((f) => f.name).filter((n) => !known.has(n));
  if (unknown.length) {
    throw grpcError(
      status.INVALID_ARGUMENT,
      `error ingesting into ${tableName}: unknown column(s) ${unknown.join(', ')}; expected a subset of ${[...known].join(', ')}`
    );
  }
  const present = (n: string): boolean => table.schema.fields.some((f) => f.name === n);
  const derived = view === 'payloads' ? {} : (DERIVED[view.name] ?? {});
  if (view !== 'payloads') {
    const missingTime = [view.lo, view.hi].filter((n) => !present(n) && !(n in derived && present(derived[n]!)));
    if (missingTime.length) {
      throw grpcError(
        status.INVALID_ARGUMENT,
        `error ingesting into ${tableName}: column(s) ${[...new Set(missingTime)].join(', ')} are required`
      );
    }
  }
  return lake.ingest(view, async (conn, target) => {
    let count = 0;
    const batches: RecordBatch[] = table.batches;
    for (const batch of batches) {
      const rows: string[] = [];
      for (let r = 0; r < batch.numRows; r++) {
        const values = columns.map((col) => {
          let idx = batch.schema.fields.findIndex((f) => f.name === col.name);
          if (idx < 0 && derived[col.name] !== undefined) {
            idx = batch.schema.fields.findIndex((f) => f.name === derived[col.name]);
          }
          if (idx < 0) {
            return col.name in derived ? 'NULL' : defaultValue(col);
          }
          const vec = batch.getChildAt(idx)!;
          return sqlValue(col, vec.get(r), vec.type);
        });
        rows.push(`(${values.join(', ')})`);
      }
      if (rows.length === 0) {
        continue;
      }
      await conn.run(
        `INSERT INTO ${target} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES ${rows.join(', ')}`
      );
      count += rows.length;
    }
    return count;
  });
}
