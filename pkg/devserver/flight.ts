// The arrow.flight.protocol.FlightService implementation (Micromegas' subset, §1.5).
import { randomUUID, timingSafeEqual } from 'node:crypto';

import * as grpc from '@grpc/grpc-js';
import { status, type Metadata } from '@grpc/grpc-js';
import {
  Binary,
  Field,
  RecordBatchReader,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Utf8,
  makeData,
  Dictionary,
  Int32,
  TimeUnit,
  Timestamp,
  Int64,
  Uint32,
  Float64,
  Bool,
  List,
} from 'apache-arrow';

import { FLIGHT_SQL_TYPE_PREFIX, decodeMessage, encodeMessage } from '../proto';
import { grpcError } from './errors';
import { matchContext } from './denials';
import { clientInfo, readQueryHeaders, type QueryHeaders } from './headers';
import { ingest } from './ingest';
import { batchMessages, schemaMessage, schemaStreamBytes, serializeSchema, type FlightMessage } from './ipc';
import type { Lake } from './lake';
import { isServiceError, planQuery, runQuery, type QuerySink } from './query';
import { readDirectives } from './sql';
import { SQL_INFO_SCHEMA, sqlInfoBatch } from './sqlinfo';
import { VIEWS, type WireKind } from './schema';

const SQL = 'arrow.flight.protocol.sql.';
const FLIGHT = 'arrow.flight.protocol.';

export interface ApiKey {
  name: string;
  key: string;
}

export interface FlightOptions {
  lake: Lake;
  apiKeys: ApiKey[];
  /** Keys of admin principals (Micromegas grants admin through its OIDC admin list; API keys never are). */
  adminKeys?: ApiKey[];
  log: (line: string) => void;
}

/** Who calls, as Micromegas' CallerContext sees it. */
export interface Caller {
  name?: string;
  admin: boolean;
  /**
   * The mutating functions (retire/materialize/regenerate partitions, deny list…) are registered
   * for admins, and for everyone in a deployment that can never produce an admin (API keys only).
   */
  mayMutate: boolean;
}

interface AnyMessage {
  type_url: string;
  value: Buffer;
}

function unpackAny(bytes: Uint8Array): AnyMessage | undefined {
  try {
    const any = decodeMessage<AnyMessage>('google.protobuf.Any', bytes);
    return any.type_url.startsWith(FLIGHT_SQL_TYPE_PREFIX) ? any : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes a FlightSQL message; malformed bytes are the caller's error, not ours. */
function decodeSql<T>(name: string, bytes: Uint8Array, where: string): T {
  try {
    return decodeMessage<T>(SQL + name, bytes);
  } catch (err) {
    throw grpcError(
      status.INVALID_ARGUMENT,
      `${where}: malformed ${name}: ${err instanceof Error ? err.message : String(err)}`
    );
  }
}

function packAny(name: string, value: Record<string, unknown>): Buffer {
  return encodeMessage('google.protobuf.Any', {
    type_url: FLIGHT_SQL_TYPE_PREFIX + name,
    value: encodeMessage(SQL + name, value),
  });
}

/** What arrow-rs answers for commands Micromegas does not implement. */
function unimplemented(what: string): grpc.ServiceError {
  return grpcError(status.UNIMPLEMENTED, `${what} not implemented`);
}

function wireType(kind: WireKind, id: number): import('apache-arrow').DataType {
  switch (kind) {
    case 'dict-utf8':
      return new Dictionary(new Utf8(), new Int32(), id);
    case 'jsonb':
      return new Dictionary(new Binary(), new Int32(), id);
    case 'utf8':
      return new Utf8();
    case 'binary':
      return new Binary();
    case 'ts':
      return new Timestamp(TimeUnit.NANOSECOND, '+00:00');
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    case 'uint32':
      return new Uint32();
    case 'float64':
      return new Float64();
    case 'bool':
      return new Bool();
    case 'tags':
      return new List(new Field('tag', new Utf8(), true));
  }
}

/** The view's file schema as Micromegas declares it (dictionary types kept). */
export function viewSchema(name: string): Schema {
  const view = VIEWS.find((v) => v.name === name)!;
  return new Schema(view.columns.map((c, i) => new Field(c.name, wireType(c.kind, i), c.nullable ?? false)));
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 's');
}

interface GetTables {
  catalog?: string;
  db_schema_filter_pattern?: string;
  table_name_filter_pattern?: string;
  table_types: string[];
  include_schema: boolean;
}

function tablesSchema(includeSchema: boolean): Schema {
  const fields: Field[] = [
    new Field('catalog_name', new Utf8(), true),
    new Field('db_schema_name', new Utf8(), true),
    new Field('table_name', new Utf8(), false),
    new Field('table_type', new Utf8(), false),
  ];
  if (includeSchema) {
    fields.push(new Field('table_schema', new Binary(), false));
  }
  return new Schema(fields);
}

function varData(type: Utf8 | Binary, values: Uint8Array[]) {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => (offsets[i + 1] = offsets[i]! + v.length));
  return makeData({ type, length: values.length, valueOffsets: offsets, data: Buffer.concat(values) } as never);
}

function tablesBatch(cmd: GetTables): RecordBatch {
  const matchesName = cmd.table_name_filter_pattern ? likeToRegExp(cmd.table_name_filter_pattern) : undefined;
  const matchesSchema = cmd.db_schema_filter_pattern ? likeToRegExp(cmd.db_schema_filter_pattern) : undefined;
  const views = VIEWS.filter((v) => v.global)
    .filter(() => cmd.catalog === undefined || cmd.catalog === '')
    .filter(() => !matchesSchema || matchesSchema.test(''))
    .filter((v) => !matchesName || matchesName.test(v.name))
    .filter(() => cmd.table_types.length === 0 || cmd.table_types.includes('table'));
  const schema = tablesSchema(cmd.include_schema);
  const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
  const children = [
    varData(
      new Utf8(),
      views.map(() => text(''))
    ),
    varData(
      new Utf8(),
      views.map(() => text(''))
    ),
    varData(
      new Utf8(),
      views.map((v) => text(v.name))
    ),
    varData(
      new Utf8(),
      views.map(() => text('table'))
    ),
  ];
  if (cmd.include_schema) {
    children.push(
      varData(
        new Binary(),
        views.map((v) => serializeSchema(viewSchema(v.name)))
      )
    );
  }
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: views.length, children }));
}

/** FlightInfo.schema: the encapsulated IPC schema message (no end-of-stream marker). */
function schemaInfoBytes(schema: Schema): Buffer {
  const bytes = schemaStreamBytes(schema);
  return Buffer.from(bytes.subarray(0, bytes.length - 8));
}

function flightInfo(schema: Schema, ticket: Buffer, descriptor?: unknown): Record<string, unknown> {
  return {
    schema: schemaInfoBytes(schema),
    flight_descriptor: descriptor ?? null,
    endpoint: [{ ticket: { ticket }, location: [] }],
    total_records: -1,
    total_bytes: -1,
    ordered: false,
    app_metadata: Buffer.alloc(0),
  };
}

export function flightService(opts: FlightOptions): grpc.UntypedServiceImplementation {
  const { lake, log } = opts;
  const keys = [
    ...opts.apiKeys.map((k) => ({ name: k.name, key: Buffer.from(k.key, 'utf8'), admin: false })),
    ...(opts.adminKeys ?? []).map((k) => ({ name: k.name, key: Buffer.from(k.key, 'utf8'), admin: true })),
  ];
  const adminPossible = (opts.adminKeys ?? []).length > 0;

  /** The caller, or UNAUTHENTICATED when keys are configured; without keys auth is off and every caller is admin. */
  function authenticate(metadata: Metadata): Caller {
    if (keys.length === 0) {
      return { admin: true, mayMutate: true };
    }
    const raw = metadata.get('authorization')[0];
    const value = typeof raw === 'string' ? raw : raw?.toString('utf8');
    if (value?.startsWith('Bearer ')) {
      const token = Buffer.from(value.slice('Bearer '.length), 'utf8');
      for (const k of keys) {
        if (k.key.length === token.length && timingSafeEqual(k.key, token)) {
          return { name: k.name, admin: k.admin, mayMutate: k.admin || !adminPossible };
        }
      }
    }
    throw grpcError(status.UNAUTHENTICATED, 'invalid token');
  }

  const fail = (err: unknown): grpc.ServiceError => {
    if (isServiceError(err)) {
      return err;
    }
    log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return grpcError(status.INTERNAL, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  };

  async function streamMessages(
    call: grpc.ServerWritableStream<unknown, unknown>,
    messages: FlightMessage[]
  ): Promise<void> {
    for (const m of messages) {
      call.write({ data_header: m.data_header, data_body: m.data_body, app_metadata: Buffer.alloc(0) });
    }
  }

  /** `onBlocked` runs once, the first time the client's unread data holds the query back. */
  function makeSink(call: grpc.ServerWritableStream<unknown, unknown>, onBlocked: () => void): QuerySink {
    let blocked = false;
    let cancelled = false;
    const cancelHandlers: Array<() => void> = [];
    let drainWaiter: (() => void) | undefined;
    call.on('cancelled', () => {
      cancelled = true;
      drainWaiter?.();
      for (const fn of cancelHandlers) {
        fn();
      }
    });
    call.on('drain', () => drainWaiter?.());
    return {
      cancelled: () => cancelled,
      onCancel: (fn) => (cancelled ? fn() : cancelHandlers.push(fn)),
      write: async (m) => {
        if (cancelled) {
          return;
        }
        const ok = call.write({ data_header: m.data_header, data_body: m.data_body, app_metadata: Buffer.alloc(0) });
        if (!ok && !cancelled) {
          if (!blocked) {
            blocked = true;
            onBlocked();
          }
          await new Promise<void>((resolve) => (drainWaiter = resolve));
          drainWaiter = undefined;
        }
      },
    };
  }

  async function doGetStatement(
    call: grpc.ServerWritableStream<unknown, unknown>,
    sql: string,
    caller: Caller
  ): Promise<void> {
    const headers: QueryHeaders = readQueryHeaders(call.metadata);
    const started = process.hrtime.bigint();
    // Logged so that tests (and operators) see back-pressure happen without timing it.
    // A query slowed by a test hook says when it starts, so tests act on it without sleeping.
    if ((headers.delayMs ?? readDirectives(sql).delayMs ?? 0) > 0) {
      log(`query started (delayed) user=${caller.name ?? 'anonymous'} sql=${JSON.stringify(sql)}`);
    }
    const sink = makeSink(call, () =>
      log(
        `back-pressure: a query waits for its client to read user=${caller.name ?? 'anonymous'} ${clientInfo(call.metadata)}`
      )
    );
    const context = matchContext(call.metadata, caller.name, sql, call.getPeer());
    const stats = await runQuery(lake, sql, headers, sink, {
      ...caller,
      identity: context.user_id ?? undefined,
      context,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const range = headers.range ? ` range=[${headers.range.begin}, ${headers.range.end}]` : '';
    log(
      `query_id=${stats.queryId} user=${caller.name ?? 'anonymous'} ${clientInfo(call.metadata)}${range}${headers.limit !== undefined ? ` limit=${headers.limit}` : ''} rows=${stats.rows} batches=${stats.batches} partitions=${stats.partitionsRead} ms=${ms.toFixed(1)}${sink.cancelled() ? ' cancelled' : ''} sql=${JSON.stringify(sql)}`
    );
  }

  return {
    Handshake: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      call.emit('error', unimplemented('Handshake'));
    },
    ListFlights: (call: grpc.ServerWritableStream<unknown, unknown>) =>
      call.emit('error', unimplemented('ListFlights')),
    GetSchema: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(unimplemented('GetSchema')),
    PollFlightInfo: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb(unimplemented('PollFlightInfo')),
    DoExchange: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.emit('error', unimplemented('DoExchange')),
    ListActions: (call: grpc.ServerWritableStream<unknown, unknown>) =>
      call.emit('error', unimplemented('ListActions')),

    GetFlightInfo: (
      call: grpc.ServerUnaryCall<{ type: number; cmd: Buffer; path: string[] }, unknown>,
      cb: grpc.sendUnaryData<unknown>
    ) => {
      try {
        authenticate(call.metadata);
        const descriptor = call.request;
        const any = unpackAny(descriptor.cmd);
        if (!any) {
          throw grpcError(
            status.INVALID_ARGUMENT,
            'GetFlightInfo expects a FlightSQL command (google.protobuf.Any) in FlightDescriptor.cmd'
          );
        }
        const name = any.type_url.slice(FLIGHT_SQL_TYPE_PREFIX.length);
        switch (name) {
          case 'CommandStatementQuery': {
            const cmd = decodeSql<{ query: string }>(name, any.value, 'GetFlightInfo');
            const ticket = encodeMessage(SQL + 'TicketStatementQuery', {
              statement_handle: Buffer.from(cmd.query, 'utf8'),
            });
            cb(null, flightInfo(new Schema([]), ticket));
            return;
          }
          case 'CommandGetTables': {
            const cmd = decodeSql<GetTables>(name, any.value, 'GetFlightInfo');
            cb(null, flightInfo(tablesSchema(cmd.include_schema), Buffer.from(descriptor.cmd), descriptor));
            return;
          }
          case 'CommandGetSqlInfo':
            cb(null, flightInfo(SQL_INFO_SCHEMA, Buffer.from(descriptor.cmd), descriptor));
            return;
          default:
            throw unimplemented(`GetFlightInfo(${name})`);
        }
      } catch (err) {
        cb(fail(err));
      }
    },

    DoGet: (call: grpc.ServerWritableStream<{ ticket: Buffer }, unknown>) => {
      void (async () => {
        try {
          const caller = authenticate(call.metadata);
          const ticket = call.request.ticket;
          const any = unpackAny(ticket);
          const name = any?.type_url.slice(FLIGHT_SQL_TYPE_PREFIX.length);
          if (any && name === 'CommandGetTables') {
            const cmd = decodeSql<GetTables>(name, any.value, 'DoGet');
            const batch = tablesBatch(cmd);
            await streamMessages(call, [schemaMessage(batch.schema), ...batchMessages(batch)]);
          } else if (any && name === 'CommandGetSqlInfo') {
            const cmd = decodeSql<{ info: number[] }>(name, any.value, 'DoGet');
            const batch = sqlInfoBatch(cmd.info);
            await streamMessages(call, [schemaMessage(batch.schema), ...batchMessages(batch)]);
          } else if (any && name !== 'TicketStatementQuery') {
            throw unimplemented(`DoGet(${name})`);
          } else {
            // Any-wrapped (Python) or raw (from GetFlightInfo) TicketStatementQuery.
            const handle = decodeSql<{ statement_handle: Buffer }>(
              'TicketStatementQuery',
              any ? any.value : ticket,
              'DoGet ticket (expected a TicketStatementQuery, raw or in google.protobuf.Any)'
            ).statement_handle;
            const sql = Buffer.from(handle).toString('utf8');
            if (sql.trim() === '') {
              throw grpcError(
                status.INVALID_ARGUMENT,
                'error building dataframe: SQL error: the ticket holds no SQL statement'
              );
            }
            await doGetStatement(call, sql, caller);
          }
          call.end();
        } catch (err) {
          const e = fail(err);
          log(`DoGet failed: ${grpc.status[e.code ?? status.UNKNOWN]} ${e.details ?? e.message}`);
          call.emit('error', e);
        }
      })();
    },

    DoAction: (call: grpc.ServerWritableStream<{ type: string; body: Buffer }, unknown>) => {
      void (async () => {
        try {
          const caller = authenticate(call.metadata);
          const { type, body } = call.request;
          if (type === 'CreatePreparedStatement') {
            const any = unpackAny(body);
            const req = decodeSql<{ query: string }>(
              'ActionCreatePreparedStatementRequest',
              any ? any.value : body,
              'CreatePreparedStatement'
            );
            if (req.query.trim() === '') {
              throw grpcError(status.INVALID_ARGUMENT, 'CreatePreparedStatement: the request holds no SQL statement');
            }
            const queryId = randomUUID();
            // Planned without a range, as upstream.
            const { session, schema } = await planQuery(
              lake,
              req.query,
              { range: undefined, preserveDictionary: true },
              queryId,
              caller
            );
            session.close();
            const result = packAny('ActionCreatePreparedStatementResult', {
              prepared_statement_handle: Buffer.from(req.query, 'utf8'),
              dataset_schema: Buffer.from(schemaStreamBytes(schema)),
              parameter_schema: Buffer.alloc(0),
            });
            call.write({ body: result });
          } else if (type === 'ClosePreparedStatement') {
            // Nothing is held server-side.
          } else {
            throw unimplemented(`DoAction(${type})`);
          }
          call.end();
        } catch (err) {
          call.emit('error', fail(err));
        }
      })();
    },

    DoPut: (
      call: grpc.ServerDuplexStream<
        { flight_descriptor?: { cmd: Buffer }; data_header: Buffer; data_body: Buffer },
        unknown
      >
    ) => {
      let descriptorCmd: Buffer | undefined;
      const chunks: Buffer[] = [];
      let failed = false;
      try {
        // bulk_ingest writes rows verbatim: Micromegas keeps it for admins.
        if (!authenticate(call.metadata).admin) {
          throw grpcError(status.PERMISSION_DENIED, 'bulk_ingest requires admin privileges');
        }
      } catch (err) {
        failed = true;
        call.emit('error', fail(err));
        return;
      }
      call.on('data', (msg) => {
        if (!descriptorCmd && msg.flight_descriptor?.cmd?.length) {
          descriptorCmd = msg.flight_descriptor.cmd;
        }
        if (msg.data_header?.length) {
          chunks.push(encapsulate(msg.data_header, msg.data_body ?? Buffer.alloc(0)));
        }
      });
      call.on('error', () => (failed = true));
      call.on('end', () => {
        if (failed) {
          return;
        }
        void (async () => {
          try {
            const any = descriptorCmd ? unpackAny(descriptorCmd) : undefined;
            const name = any?.type_url.slice(FLIGHT_SQL_TYPE_PREFIX.length);
            if (!any || name !== 'CommandStatementIngest') {
              throw unimplemented(`DoPut(${name ?? 'no FlightSQL command'})`);
            }
            const cmd = decodeSql<{ table: string }>(name, any.value, 'DoPut');
            chunks.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
            let table: Table;
            try {
              table = new Table(RecordBatchReader.from(Buffer.concat(chunks)).readAll());
            } catch (err) {
              throw grpcError(
                status.INVALID_ARGUMENT,
                `error ingesting into ${cmd.table}: the DoPut stream is not valid Arrow IPC: ${err instanceof Error ? err.message : String(err)}`
              );
            }
            const count = await ingest(lake, cmd.table, table);
            log(`ingested ${count} row(s) into ${cmd.table}`);
            call.write({ app_metadata: encodeMessage(SQL + 'DoPutUpdateResult', { record_count: count }) });
            call.end();
          } catch (err) {
            call.emit('error', fail(err));
          }
        })();
      });
    },
  };
}

/** Re-frames a FlightData message as an encapsulated IPC message. */
function encapsulate(header: Buffer, body: Buffer): Buffer {
  const pad = (8 - (header.length % 8)) % 8;
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(0xffffffff, 0);
  prefix.writeUInt32LE(header.length + pad, 4);
  return Buffer.concat([prefix, header, Buffer.alloc(pad), body]);
}

export const FLIGHT_SERVICE = FLIGHT + 'FlightService';
