// The dev server's "lakehouse": DuckDB tables split into hourly partitions per view,
// plus per-query sessions whose TEMP views (named like the global views) union only
// the partitions that overlap the query range and apply the view's own predicate.
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

import { DenyList } from './denials';
import { DIALECT_SQL } from './dialect';
import { storePerfettoTraces } from './perfetto';
import { generateSample, type SampleOptions, type SampleProcess } from './sample';
import {
  catalogSql,
  createTableSql,
  duckType,
  quoteIdent,
  storageColumns,
  VIEWS,
  VIEW_BY_NAME,
  type ViewDef,
} from './schema';

export interface TimeRange {
  beginMs: number;
  endMs: number;
  /** RFC 3339 text as received (kept for exact predicates). */
  begin: string;
  end: string;
}

export interface Partition {
  view: string;
  table: string;
  /** Partition bounds (insert-time style, hourly) and the min/max of the predicate columns. */
  beginMs: number;
  endMs: number;
  minLoMs: number;
  maxHiMs: number;
  rows: number;
  updatedMs: number;
}

export interface Session {
  conn: DuckDBConnection;
  /** Partitions each referenced view reads for this query. */
  partitionsRead: number;
  close(): void;
}

const HOUR_MS = 3600_000;

const tsLit = (ms: number): string => `TIMESTAMPTZ '${new Date(ms).toISOString()}'`;

export class Lake {
  private partitions = new Map<string, Partition[]>();
  private ingestSeq = 0;
  processes: SampleProcess[] = [];
  /** The query deny list (deny_queries…), kept for the server's lifetime as Micromegas keeps it in its database. */
  readonly denials = new DenyList();

  private constructor(private readonly instance: DuckDBInstance) {}

  static async create(sample: SampleOptions): Promise<Lake> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const lake = new Lake(instance);
    const conn = await instance.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run('CREATE SCHEMA lake');
      lake.processes = await generateSample(conn, sample);
      await storePerfettoTraces(conn);
      for (const view of VIEWS.filter((v) => v.noSample)) {
        await conn.run(createTableSql(`stage.${view.name}`, storageColumns(view)));
      }
      // One connection per view so the splits run concurrently.
      await Promise.all(
        VIEWS.map(async (view) => {
          const c = await instance.connect();
          try {
            await c.run("SET TimeZone = 'UTC'");
            await lake.partitionStage(c, view);
          } finally {
            c.closeSync();
          }
        })
      );
      await conn.run(
        createTableSql('lake.payloads', [
          { name: 'process_id', kind: 'utf8' },
          { name: 'stream_id', kind: 'utf8' },
          { name: 'block_id', kind: 'utf8' },
          { name: 'payload', kind: 'binary' },
        ])
      );
      await conn.run('DROP SCHEMA stage CASCADE');
      await lake.refreshPartitionTable(conn);
      for (const statement of [...DIALECT_SQL, ...catalogSql()]) {
        await conn.run(statement);
      }
      // Queries may not touch the host's files (read_csv, COPY … TO, ATTACH).
      await conn.run('SET enable_external_access = false');
    } finally {
      conn.closeSync();
    }
    return lake;
  }

  /** Splits `stage.<view>` into hourly partition tables `lake."<view>@<hour>"`. */
  private async partitionStage(conn: DuckDBConnection, view: ViewDef): Promise<void> {
    const cols = storageColumns(view);
    await conn.run(createTableSql(`lake.${quoteIdent(`${view.name}@empty`)}`, cols));
    // Storage takes the declared types (the stage's are whatever generation produced).
    const colList = cols
      .map((col) => `CAST(${quoteIdent(col.name)} AS ${duckType(col.kind)}) AS ${quoteIdent(col.name)}`)
      .join(', ');
    const lo = quoteIdent(view.lo);
    const hi = quoteIdent(view.hi);
    const reader = await conn.runAndReadAll(
      `SELECT CAST(floor(epoch_ms(${lo}) / ${HOUR_MS}) AS BIGINT) AS h, epoch_ms(min(${lo})), epoch_ms(max(${hi})), count(*) FROM stage.${view.name} GROUP BY 1 ORDER BY 1`
    );
    const list: Partition[] = [];
    for (const [h, minLo, maxHi, n] of reader.getRows()) {
      const beginMs = Number(h) * HOUR_MS;
      const table = `lake.${quoteIdent(`${view.name}@${new Date(beginMs).toISOString().slice(0, 13)}`)}`;
      await conn.run(
        `CREATE TABLE ${table} AS SELECT ${colList} FROM stage.${view.name} WHERE ${lo} >= ${tsLit(beginMs)} AND ${lo} < ${tsLit(beginMs + HOUR_MS)}`
      );
      list.push({
        view: view.name,
        table,
        beginMs,
        endMs: beginMs + HOUR_MS,
        minLoMs: Number(minLo),
        maxHiMs: Number(maxHi),
        rows: Number(n),
        updatedMs: Date.now(),
      });
    }
    this.partitions.set(view.name, list);
  }

  /** `lake.__partitions` backs list_partitions(). */
  private async refreshPartitionTable(conn: DuckDBConnection): Promise<void> {
    const rows = [...this.partitions.values()].flat();
    await conn.run(
      'CREATE OR REPLACE TABLE lake.__partitions (view_set_name VARCHAR, view_instance_id VARCHAR, begin_insert_time TIMESTAMPTZ, end_insert_time TIMESTAMPTZ, min_event_time TIMESTAMPTZ, max_event_time TIMESTAMPTZ, updated TIMESTAMPTZ, file_path VARCHAR, file_size BIGINT, file_schema_hash BLOB, source_data_hash BLOB, num_rows BIGINT)'
    );
    if (rows.length === 0) {
      return;
    }
    const values = rows.map(
      (p) =>
        `('${p.view}', 'global', ${tsLit(p.beginMs)}, ${tsLit(p.endMs)}, ${tsLit(p.minLoMs)}, ${tsLit(p.maxHiMs)}, ${tsLit(p.updatedMs)}, '${p.table.replace(/'/g, "''")}', ${p.rows * 64}, '\\x01'::BLOB, '\\x00'::BLOB, ${p.rows})`
    );
    await conn.run(`INSERT INTO lake.__partitions VALUES ${values.join(', ')}`);
  }

  listPartitions(view: string): Partition[] {
    return this.partitions.get(view) ?? [];
  }

  /** Partitions of a view that may hold rows matching `lo <= end AND hi >= begin`. */
  overlapping(view: string, range: TimeRange | undefined): Partition[] {
    const all = this.listPartitions(view);
    if (!range) {
      return all;
    }
    return all.filter((p) => p.minLoMs <= range.endMs && p.maxHiMs >= range.beginMs);
  }

  /** A connection whose views read only the partitions overlapping `range`: the views the SQL names, or all with `allViews`. */
  async session(range: TimeRange | undefined, referenced: Set<string>, allViews = false): Promise<Session> {
    const conn = await this.instance.connect();
    let partitionsRead = 0;
    // DataFusion divides integers as integers (7 / 2 = 3).
    const statements: string[] = ["SET TimeZone = 'UTC'", 'SET integer_division = true'];
    for (const view of VIEWS) {
      if (referenced.has(view.name)) {
        partitionsRead += this.overlapping(view.name, range).length;
      } else if (!allViews) {
        continue; // building views the SQL does not name would cost every query (SELECT 1 too)
      }
      if (!view.global) {
        continue;
      } // view-instance-only sets are inlined by viewBody()
      const exposed = view.columns.map((col) => quoteIdent(col.name)).join(', ');
      const body = this.viewBody(view, range);
      if (view.name === 'blocks') {
        statements.push(
          `CREATE TEMP VIEW blocks AS ${blocksJoin(body, this.allOf('streams'), this.allOf('processes'))}`
        );
      } else {
        statements.push(`CREATE TEMP VIEW ${view.name} AS SELECT ${exposed} FROM (${body})`);
      }
    }
    await conn.run(statements.join(';\n'));
    return {
      conn,
      partitionsRead,
      close: () => {
        try {
          conn.closeSync();
        } catch {
          // already closed
        }
      },
    };
  }

  /** SQL of a view's stored rows (hidden columns included) restricted to `range`. */
  viewBody(view: ViewDef, range: TimeRange | undefined): string {
    const parts = this.overlapping(view.name, range);
    const cols = storageColumns(view)
      .map((col) => quoteIdent(col.name))
      .join(', ');
    const sources = parts.length
      ? parts.map((p) => `SELECT ${cols} FROM ${p.table}`)
      : [`SELECT ${cols} FROM lake.${quoteIdent(`${view.name}@empty`)}`];
    const where = range
      ? ` WHERE ${quoteIdent(view.lo)} <= TIMESTAMPTZ '${range.end}' AND ${quoteIdent(view.hi)} >= TIMESTAMPTZ '${range.begin}'`
      : '';
    return `SELECT * FROM (${sources.join(' UNION ALL ')})${where}`;
  }

  private allOf(view: string): string {
    const cols = storageColumns(VIEW_BY_NAME.get(view)!)
      .map((col) => quoteIdent(col.name))
      .join(', ');
    const parts = this.listPartitions(view);
    const sources = parts.length
      ? parts.map((p) => `SELECT ${cols} FROM ${p.table}`)
      : [`SELECT ${cols} FROM lake.${quoteIdent(`${view}@empty`)}`];
    return `(${sources.join(' UNION ALL ')})`;
  }

  /** Appends rows (already typed as the view's storage columns) as a new partition. */
  async ingest(
    view: ViewDef | 'payloads',
    insert: (conn: DuckDBConnection, table: string) => Promise<number>
  ): Promise<number> {
    const conn = await this.instance.connect();
    try {
      await conn.run("SET TimeZone = 'UTC'");
      if (view === 'payloads') {
        return await insert(conn, 'lake.payloads');
      }
      const table = `lake.${quoteIdent(`${view.name}@ingest-${++this.ingestSeq}`)}`;
      await conn.run(createTableSql(table, storageColumns(view)));
      const count = await insert(conn, table);
      if (count === 0) {
        await conn.run(`DROP TABLE ${table}`);
        return 0;
      }
      const lo = quoteIdent(view.lo);
      const hi = quoteIdent(view.hi);
      const reader = await conn.runAndReadAll(
        `SELECT epoch_ms(min(${lo})), epoch_ms(max(${hi})), epoch_ms(min(insert_time)), epoch_ms(max(insert_time)) FROM ${table}`
      );
      const [minLo, maxHi, minIns, maxIns] = reader.getRows()[0]!.map((v) => (v === null ? Date.now() : Number(v)));
      const list = this.partitions.get(view.name) ?? [];
      list.push({
        view: view.name,
        table,
        beginMs: minIns!,
        endMs: maxIns!,
        minLoMs: minLo!,
        maxHiMs: maxHi!,
        rows: count,
        updatedMs: Date.now(),
      });
      this.partitions.set(view.name, list);
      await this.refreshPartitionTable(conn);
      return count;
    } finally {
      conn.closeSync();
    }
  }

  /** Drops partitions of a view set inside [begin, end) (retire_partitions). */
  async retire(viewSet: string, beginMs: number, endMs: number): Promise<Partition[]> {
    return this.retireWhere(viewSet, (p) => p.beginMs >= beginMs && p.endMs <= endMs);
  }

  /** The partition list_partitions() shows with this file_path (the storage table's name), if any. */
  partitionByFile(filePath: string): Partition | undefined {
    return [...this.partitions.values()].flat().find((p) => p.table === filePath);
  }

  /** Drops the partitions of a view set that match. */
  async retireWhere(viewSet: string, match: (p: Partition) => boolean): Promise<Partition[]> {
    const list = this.partitions.get(viewSet) ?? [];
    const retired = list.filter(match);
    if (retired.length === 0) {
      return [];
    }
    this.partitions.set(
      viewSet,
      list.filter((p) => !retired.includes(p))
    );
    const conn = await this.instance.connect();
    try {
      for (const p of retired) {
        await conn.run(`DROP TABLE ${p.table}`);
      }
      await this.refreshPartitionTable(conn);
    } finally {
      conn.closeSync();
    }
    return retired;
  }

  async connect(): Promise<DuckDBConnection> {
    const conn = await this.instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return conn;
  }

  close(): void {
    this.instance.closeSync();
  }
}

function blocksJoin(blocksBody: string, streams: string, processes: string): string {
  const b = [
    'block_id',
    'stream_id',
    'process_id',
    'begin_time',
    'begin_ticks',
    'end_time',
    'end_ticks',
    'nb_objects',
    'object_offset',
    'payload_size',
    'insert_time',
  ].map((n) => `b.${quoteIdent(n)}`);
  const s = ['dependencies_metadata', 'objects_metadata', 'tags', 'properties', 'insert_time', 'format'].map(
    (n) => `s.${quoteIdent(n)} AS ${quoteIdent(`streams.${n}`)}`
  );
  const p = [
    'start_time',
    'start_ticks',
    'tsc_frequency',
    'exe',
    'username',
    'realname',
    'computer',
    'distro',
    'cpu_brand',
    'insert_time',
    'parent_process_id',
    'properties',
  ].map((n) => `p.${quoteIdent(n)} AS ${quoteIdent(`processes.${n}`)}`);
  return `SELECT ${[...b, ...s, ...p].join(', ')} FROM (${blocksBody}) b LEFT JOIN ${streams} s ON s.stream_id = b.stream_id LEFT JOIN ${processes} p ON p.process_id = b.process_id`;
}
