// gRPC errors shaped like the Micromegas analytics server's, whose messages read
// `<desc>: <root error>[ (at line L, column C)] (query_id=<uuid>)`.
import { status, type ServiceError, Metadata } from '@grpc/grpc-js';

export type QueryErrorDesc =
  | 'error building dataframe'
  | 'error building dataframe with limit'
  | 'error creating physical plan'
  | 'error executing plan'
  | 'error building data stream';

export function grpcError(code: status, message: string): ServiceError {
  const err = new Error(message) as ServiceError;
  err.code = code;
  err.details = message;
  err.metadata = new Metadata();
  return err;
}

/** Maps a DuckDB error class to the status Micromegas uses for the DataFusion equivalent. */
function classify(duckMessage: string): status {
  const kind = /^([A-Za-z ]+?) Error:/.exec(duckMessage)?.[1] ?? '';
  switch (kind) {
    case 'Parser':
    case 'Binder':
    case 'Catalog':
    case 'Conversion':
    case 'Invalid Input':
    case 'Out of Range':
    case 'Invalid Type':
    case 'Constraint':
    case 'Syntax':
      return status.INVALID_ARGUMENT;
    case 'Not implemented':
      return status.UNIMPLEMENTED;
    case 'Out of Memory':
      return status.RESOURCE_EXHAUSTED;
    default:
      return status.INTERNAL;
  }
}

/** DuckDB's caret display (`LINE n: <text>` then `^`) → 1-based line and column in the SQL. */
export function errorPosition(duckMessage: string, sql: string): { line: number; column: number } | undefined {
  const m = /LINE (\d+): (.*)\n( *)\^/.exec(duckMessage);
  if (!m) {
    return undefined;
  }
  const line = Number(m[1]);
  const shown = m[2]!;
  const caret = m[3]!.length - `LINE ${m[1]}: `.length;
  const sourceLine = sql.split('\n')[line - 1] ?? '';
  // DuckDB may show only a window of a long line ("..." prefixed); locate it.
  const fragment = shown.replace(/^\.\.\./, '').replace(/\.\.\.$/, '');
  const start = sourceLine.indexOf(fragment);
  const lead = shown.startsWith('...') ? 3 : 0;
  const word = /^("[^"]*"|\w+)/.exec(shown.slice(caret))?.[1];
  const column = start + caret - lead;
  if (fragment !== '' && start >= 0 && (word === undefined || sourceLine.startsWith(word, column))) {
    return { line, column: column + 1 };
  }
  // DuckDB ran the translated statement (one line, other spellings): place the word under
  // the caret in the user's own SQL instead, as DataFusion reports positions in it.
  if (word === undefined) {
    return undefined;
  }
  // The translation quotes identifiers: find the name quoted or bare.
  const name = word.replace(/^"(.*)"$/, '$1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = new RegExp(`"${name}"|(?<![\\w"])${name}(?![\\w"])`, 'i').exec(sql)?.index;
  if (at === undefined) {
    return undefined;
  }
  const before = sql.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The root error in DataFusion-like words; unknown tables are named as DataFusion does. */
function rootError(duckMessage: string): string {
  const first = duckMessage.split('\n')[0]!.trim();
  const table = /^Catalog Error: Table with name (.+?) does not exist!/.exec(first);
  if (table) {
    return `Error during planning: table 'datafusion.public.${table[1]}' not found`;
  }
  const fn = /^Catalog Error: (?:Scalar |Table )?Function with name (.+?) does not exist!/.exec(first);
  if (fn) {
    return `Error during planning: Invalid function '${fn[1]}'`;
  }
  const column = /^Binder Error: Referenced column "?(.+?)"? not found in FROM clause!/.exec(first);
  if (column) {
    return `Schema error: No field named ${column[1]}`;
  }
  const parser = /^Parser Error: (.*)$/.exec(first);
  if (parser) {
    return `SQL error: ParserError("${parser[1]}")`;
  }
  return first.replace(/^([A-Za-z ]+) Error: /, (_m, k: string) => `${k} error: `);
}

export function queryError(
  desc: QueryErrorDesc,
  cause: unknown,
  sql: string,
  queryId: string,
  code?: status
): ServiceError {
  const duckMessage = cause instanceof Error ? cause.message : String(cause);
  const pos = errorPosition(duckMessage, sql);
  const where = pos ? ` (at line ${pos.line}, column ${pos.column})` : '';
  return grpcError(code ?? classify(duckMessage), `${desc}: ${rootError(duckMessage)}${where} (query_id=${queryId})`);
}
