// Executes one SQL query against the lake and streams it as Flight messages.
import { randomUUID } from 'node:crypto';

import { StatementType } from '@duckdb/node-api';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { RecordBatch, Schema } from 'apache-arrow';

import { retireOneRewrite, retirePartitionsRewrite } from './admin';
import { deniedError, denialsRewrite, recoveryStatement, type MatchContext } from './denials';
import { arrowSchema, BatchAssembler, outputColumns } from './arrow';
import { grpcError, queryError } from './errors';
import type { QueryHeaders } from './headers';
import { batchMessages, schemaMessage, type FlightMessage } from './ipc';
import type { Lake, Session, TimeRange } from './lake';
import { VIEW_BY_NAME } from './schema';
import { prepareSql, withLimit, type PreparedSql } from './sql';
import { DataFusionParseError, Untranslatable, type Translation } from './translate';
import { analyzeOffLoop, translateOffLoop } from './translate-pool';

/** Arrow-flight splits batches around 2 MiB; do the same so default 4 MiB clients cope. */
const MAX_BATCH_BYTES = 2 * 1024 * 1024;
const DEFAULT_BATCH_ROWS = 65536;

export interface QuerySink {
  /** Sends one message; resolves when the transport can take more (back-pressure). */
  write(message: FlightMessage): Promise<void>;
  cancelled(): boolean;
  onCancel(fn: () => void): void;
}

export interface QueryStats {
  queryId: string;
  rows: number;
  batches: number;
  partitionsRead: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

/** Admin rewrites, view_instance() inlining and directives; unknown view sets are refused here. */
async function rewrite(
  lake: Lake,
  sql: string,
  range: TimeRange | undefined,
  queryId: string,
  dryRun: boolean,
  access: Access
): Promise<PreparedSql> {
  let translated: Translation | undefined;
  let rewritten: string;
  try {
    // One parse of the client's SQL: a syntax error or a function the caller may not use is
    // refused here, before anything acts (retire_partitions really drops data).
    const parsed = await analyzeOffLoop(sql, access.mayMutate);
    rewritten = await retireOneRewrite(
      lake,
      await retirePartitionsRewrite(
        lake,
        await denialsRewrite(lake, sql, access.identity ?? 'unknown', dryRun),
        dryRun
      ),
      dryRun
    );
    // The admin functions' answers are SQL text now (small statements): translated afresh.
    const outcome =
      rewritten === sql
        ? parsed
        : await Promise.resolve(translateOffLoop(rewritten)).then(
            (translation) => ({ translation }),
            (error: Error) => ({ error })
          );
    if ('translation' in outcome) {
      translated = outcome.translation;
    } else if (!(outcome.error instanceof Untranslatable)) {
      throw outcome.error;
    }
    // Untranslatable: a construct the translator does not print; the SQL runs as written (DuckDB semantics).
  } catch (err) {
    if (err instanceof DataFusionParseError) {
      const at = err.position ? ` (at line ${err.position.line}, column ${err.position.column})` : '';
      throw grpcError(status.INVALID_ARGUMENT, `error building dataframe: ${err.message}${at} (query_id=${queryId})`);
    }
    throw err;
  }
  const prepared = prepareSql(
    translated?.sql ?? rewritten,
    range !== undefined,
    (view) => lake.viewBody(view, range),
    translated ? { sql, dictOutputs: translated.dictOutputs } : undefined
  );
  if (prepared.unknownViewSet !== undefined) {
    throw grpcError(
      status.INVALID_ARGUMENT,
      `error building dataframe: Error during planning: view set '${prepared.unknownViewSet}' not found (known: ${[
        ...VIEW_BY_NAME.values(),
      ]
        .filter((v) => v.instanceKey)
        .map((v) => v.name)
        .join(', ')}) (query_id=${queryId})`
    );
  }
  return prepared;
}

/** What the caller may do (flight.ts decides from the credentials), and the deny list's match context. */
export interface Access {
  mayMutate: boolean;
  identity?: string;
  context?: MatchContext;
}

const EVERYTHING: Access = { mayMutate: true };

/** Plans the query: parses it in a range-bound session and returns its output schema. */
export async function planQuery(
  lake: Lake,
  sql: string,
  headers: Pick<QueryHeaders, 'range' | 'preserveDictionary'>,
  queryId: string,
  access: Access = EVERYTHING
): Promise<{ session: Session; prepared: PreparedSql; schema: Schema }> {
  const prepared = await rewrite(lake, sql, headers.range, queryId, true, access);
  const session = await lake.session(headers.range, prepared.referenced, prepared.catalog);
  try {
    let statement;
    try {
      statement = await session.conn.prepare(prepared.sql);
    } catch (err) {
      throw queryError('error building dataframe', err, sql, queryId);
    }
    checkReadOnly(statement.statementType, queryId);
    // Preparing only plans (DataFusion's logical plan): a missing range fails when executed.
    const names: string[] = [];
    const types = [];
    for (let i = 0; i < statement.columnCount; i++) {
      names.push(statement.columnName(i));
      types.push(statement.columnType(i));
    }
    statement.destroySync();
    const columns = outputColumns(names, types, prepared.referenced, headers.preserveDictionary, prepared.dictOutputs);
    return { session, prepared, schema: arrowSchema(columns) };
  } catch (err) {
    session.close();
    throw err;
  }
}

export async function runQuery(
  lake: Lake,
  sql: string,
  headers: QueryHeaders,
  sink: QuerySink,
  access: Access = EVERYTHING
): Promise<QueryStats> {
  const queryId = randomUUID();
  const stats: QueryStats = { queryId, rows: 0, batches: 0, partitionsRead: 0 };
  // The deny list runs in front of everything (Micromegas §5), except the recovery statements.
  if (access.context && !(access.mayMutate && recoveryStatement(sql))) {
    const rule = await lake.denials.check(lake, access.context);
    if (rule) {
      throw deniedError(rule, queryId);
    }
  }
  const prepared = await rewrite(lake, sql, headers.range, queryId, false, access);
  const directives = prepared.directives;
  const failAfter = headers.failAfterBatches ?? directives.failAfterBatches;
  const delayMs = headers.delayMs ?? directives.delayMs ?? 0;
  const batchRows = directives.batchRows ?? DEFAULT_BATCH_ROWS;
  // A cancel wakes any pending delay so no work continues for a gone client.
  let wake: () => void = () => undefined;
  const cancelled = new Promise<void>((resolve) => (wake = resolve));
  sink.onCancel(() => wake());
  const pause = (ms: number): Promise<void> => Promise.race([sleep(ms), cancelled]);
  if (delayMs > 0) {
    await pause(delayMs);
  }
  if (sink.cancelled()) {
    return stats;
  }

  const session = await lake.session(headers.range, prepared.referenced, prepared.catalog);
  stats.partitionsRead = session.partitionsRead;
  sink.onCancel(() => {
    try {
      session.conn.interrupt();
    } catch {
      // connection already gone
    }
  });
  try {
    // Plan first so planning errors carry positions in the user's own SQL.
    let statement;
    try {
      statement = await session.conn.prepare(prepared.sql);
    } catch (err) {
      throw queryError('error building dataframe', err, sql, queryId);
    }
    const kind = statement.statementType;
    statement.destroySync();
    checkReadOnly(kind, queryId);
    if (prepared.missingRange) {
      throw grpcError(
        status.INTERNAL,
        `error creating physical plan: External error: query range mandatory for ${prepared.missingRange} view (query_id=${queryId})`
      );
    }
    const execSql = headers.limit !== undefined ? withLimit(prepared.sql, headers.limit) : prepared.sql;
    let result;
    try {
      result = await session.conn.stream(execSql);
    } catch (err) {
      throw queryError(
        headers.limit !== undefined ? 'error building dataframe with limit' : 'error executing plan',
        err,
        sql,
        queryId
      );
    }
    const columns = outputColumns(
      result.columnNames(),
      result.columnTypes(),
      prepared.referenced,
      headers.preserveDictionary,
      prepared.dictOutputs
    );
    const schema = arrowSchema(columns);
    await sink.write(schemaMessage(schema));
    const assembler = new BatchAssembler(columns, schema);

    const emit = async (batch: RecordBatch): Promise<void> => {
      for (let offset = 0; offset < batch.numRows; offset += batchRows) {
        if (sink.cancelled()) {
          return;
        }
        if (failAfter !== undefined && stats.batches >= failAfter) {
          throw grpcError(
            status.INTERNAL,
            `error building data stream: Execution error: devserver: injected failure after ${failAfter} batches (query_id=${queryId})`
          );
        }
        if (delayMs > 0 && stats.batches > 0) {
          await pause(delayMs);
        }
        if (sink.cancelled()) {
          return;
        }
        const slice =
          batch.numRows <= batchRows ? batch : batch.slice(offset, Math.min(offset + batchRows, batch.numRows));
        for (const message of batchMessages(slice)) {
          await sink.write(message);
        }
        stats.batches++;
        stats.rows += slice.numRows;
      }
    };

    for (;;) {
      if (sink.cancelled()) {
        return stats;
      }
      let chunk;
      try {
        chunk = await result.fetchChunk();
      } catch (err) {
        if (sink.cancelled()) {
          return stats;
        }
        throw queryError('error building data stream', err, sql, queryId, status.INTERNAL);
      }
      if (!chunk || chunk.rowCount === 0) {
        break;
      }
      assembler.append(chunk);
      if (assembler.rows >= batchRows || assembler.bytes >= MAX_BATCH_BYTES) {
        await emit(assembler.flush());
      }
    }
    if (assembler.rows > 0) {
      await emit(assembler.flush());
    }
    if (failAfter !== undefined && stats.batches >= failAfter) {
      // The hook promises a failure after N batches even when the data ends there.
      throw grpcError(
        status.INTERNAL,
        `error building data stream: Execution error: devserver: injected failure after ${failAfter} batches (query_id=${queryId})`
      );
    }
    return stats;
  } finally {
    session.close();
  }
}

/** The lake is read-only for queries: SELECT-like and EXPLAIN statements only. */
function checkReadOnly(kind: StatementType, queryId: string): void {
  if (kind !== StatementType.SELECT && kind !== StatementType.EXPLAIN) {
    throw grpcError(
      status.INVALID_ARGUMENT,
      `error building dataframe: Error during planning: only queries (SELECT, SHOW, EXPLAIN) are supported, got a ${StatementType[kind] ?? 'other'} statement (query_id=${queryId})`
    );
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as ServiceError).code === 'number';
}
