// FlightSQLClient: the TypeScript counterpart of the Python client's
// micromegas.flightsql.client.FlightSQLClient, speaking Arrow Flight SQL over gRPC.
import * as grpc from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  Data,
  DataType,
  makeData,
  RecordBatch,
  RecordBatchReader,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  Vector,
  vectorFromArray,
  Field,
} from 'apache-arrow';

import { clientConstructor, decodeMessage, FLIGHT_SQL_TYPE_PREFIX, messageType } from '../proto';
import { resolveClientAgent, resolveClientEntrypoint, resolveSessionId, sanitizeOverride } from './attribution';
import { asProviderObject, AuthProvider, AuthProviderObject } from './auth';
import { fromGrpcError, invalidArgument, MicromegasError, redact } from './errors';
import { FlightDataLike, splitIpcStream } from './flight-ipc';
import { DoGetOpener, QueryStream } from './query-stream';
import { sqlInteger, sqlString } from './sql';
import { formatDatetime, TimeInput } from './time';
import { parseServerUri, ServerAddress } from './uri';

export const DEFAULT_URI = 'grpc://localhost:50051';

/** TLS settings for `grpc+tls://` / `https://` URIs. */
export interface TlsOptions {
  /** PEM of the CA(s) to trust instead of the system roots. */
  caPem?: string | Buffer;
  /** Client certificate and key (PEM) for mutual TLS; both or neither. */
  certPem?: string | Buffer;
  keyPem?: string | Buffer;
  /** Accept any server certificate. Insecure: logs a warning once per client. */
  skipVerify?: boolean;
  /** Expected server name when it differs from the URI host (SNI and certificate check). */
  serverName?: string;
}

export interface Logger {
  warn(message: string): void;
}

export interface ClientOptions {
  /** Keep dictionary-encoded columns as dictionaries (`preserve_dictionary: true` header). */
  preserveDictionary?: boolean;
  /** Static gRPC metadata sent with every call. */
  headers?: Record<string, string>;
  /** Static bearer token. */
  token?: string;
  /** Token source asked before every call (takes precedence over `token`). */
  authProvider?: AuthProvider;
  tls?: TlsOptions;
  /** Default deadline for every call, in milliseconds (none by default). For streams it covers the whole stream. */
  timeoutMs?: number;
  /** `x-client-type` (default `typescript`). */
  clientType?: string;
  /** `x-client-entrypoint` (default: MICROMEGAS_CLIENT_ENTRYPOINT, else `script`/`repl`). Invalid values throw. */
  clientEntrypoint?: string;
  /** `x-client-agent` (default: MICROMEGAS_CLIENT_AGENT, `claude-code` under CLAUDECODE, else `none`). */
  clientAgent?: string;
  /** `x-client-session` (default: CLAUDE_CODE_SESSION_ID or a UUID per client). */
  sessionId?: string;
  /** Extra gRPC channel options (merged over the client's). */
  channelOptions?: grpc.ChannelOptions;
  /** Where warnings go (default: console.warn). */
  logger?: Logger;
}

/** Per-call options of queries. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Per-request metadata (e.g. user attribution), applied over the client's headers. */
  headers?: Record<string, string>;
  /** Server-side row cap (the `limit` header). */
  limit?: number;
  /** Deadline for this call, in milliseconds. */
  timeoutMs?: number;
  /** Overrides the client's `preserveDictionary` for this call. */
  preserveDictionary?: boolean;
}

export interface PreparedStatement {
  query: string;
  datasetSchema: Schema;
}

export interface TableInfo {
  catalogName: string | null;
  dbSchemaName: string | null;
  tableName: string;
  tableType: string;
  /** Present when `includeSchema` was requested. */
  schema?: Schema;
}

export interface GetTablesOptions extends Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'> {
  catalog?: string;
  dbSchemaFilterPattern?: string;
  /** SQL LIKE pattern on the table name. */
  tableNamePattern?: string;
  tableTypes?: string[];
  includeSchema?: boolean;
}

export type SqlInfoValue = string | boolean | number | bigint | string[] | Map<number, number[]> | null;

export interface PartitionMessage {
  time: Date;
  msg: string;
}

export interface DoPutUpdateResult {
  recordCount: number;
}

type Metadata = grpc.Metadata;

interface FlightStub extends grpc.Client {
  DoGet(req: { ticket: Buffer }, md: Metadata, opts: grpc.CallOptions): grpc.ClientReadableStream<FlightDataLike>;
  DoAction(
    req: { type: string; body: Buffer },
    md: Metadata,
    opts: grpc.CallOptions
  ): grpc.ClientReadableStream<{ body: Buffer }>;
  GetFlightInfo(
    req: { type: number; cmd: Buffer },
    md: Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, info?: FlightInfo) => void
  ): grpc.ClientUnaryCall;
  DoPut(
    md: Metadata,
    opts: grpc.CallOptions
  ): grpc.ClientDuplexStream<Record<string, unknown>, { app_metadata: Buffer }>;
}

interface FlightInfo {
  schema: Buffer;
  endpoint: Array<{ ticket?: { ticket: Buffer } | null; location: Array<{ uri: string }> }>;
}

const FLIGHT_SERVICE = 'arrow.flight.protocol.FlightService';
const DESCRIPTOR_CMD = 2;
const HEADER_NAME = /^[0-9a-z_.-]+$/;
const HEADER_VALUE = /^[\x20-\x7e]*$/;

type MessageType = ReturnType<typeof messageType>;
// Every query packs a ticket: resolve each message type once rather than walking the
// protobuf namespace per call.
const typeCache = new Map<string, MessageType>();

function cachedType(fullName: string): MessageType {
  let type = typeCache.get(fullName);
  if (!type) {
    type = messageType(fullName);
    typeCache.set(fullName, type);
  }
  return type;
}

/** Encodes like proto's encodeMessage, without copying when protobufjs already produced a Buffer. */
function encode(fullName: string, value: Record<string, unknown>): Buffer {
  const type = cachedType(fullName);
  const bytes = type.encode(type.fromObject(value)).finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** google.protobuf.Any wrapping of a Flight SQL command. */
function packAny(name: string, value: Record<string, unknown>): Buffer {
  return encode('google.protobuf.Any', {
    type_url: FLIGHT_SQL_TYPE_PREFIX + name,
    value: encode(`arrow.flight.protocol.sql.${name}`, value),
  });
}

function unpackAny<T>(name: string, bytes: Uint8Array): T {
  const any = decodeMessage<{ type_url: string; value: Buffer }>('google.protobuf.Any', bytes);
  if (any.type_url !== FLIGHT_SQL_TYPE_PREFIX + name) {
    throw new MicromegasError({
      code: GrpcStatus.INTERNAL,
      serverMessage: `unexpected message from the server: expected ${name}, got '${any.type_url}'`,
    });
  }
  return decodeMessage<T>(`arrow.flight.protocol.sql.${name}`, any.value);
}

function checkTimeout(ms: number | undefined, what: string): void {
  if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)) {
    throw invalidArgument(`${what} must be a positive number of milliseconds, got ${String(ms)}`);
  }
}

/** The Micromegas FlightSQL client. */
export class FlightSQLClient {
  readonly uri: string;
  readonly server: ServerAddress;
  private stub: FlightStub;
  private readonly channelOptions: grpc.ChannelOptions;
  private readonly options: ClientOptions;
  private readonly auth?: AuthProviderObject;
  private readonly baseHeaders: Array<[string, string]>;
  private readonly secrets = new Set<string>();
  private closed = false;
  /** DoGet calls in flight, cancelled by close(). */
  private readonly active = new Set<grpc.ClientReadableStream<FlightDataLike>>();

  constructor(uri: string = DEFAULT_URI, options: ClientOptions = {}) {
    this.uri = uri;
    this.server = parseServerUri(uri);
    this.options = options;
    checkTimeout(options.timeoutMs, 'timeoutMs');
    if (options.token !== undefined) {
      if (typeof options.token !== 'string' || options.token === '' || !HEADER_VALUE.test(options.token)) {
        throw invalidArgument('token must be a non-empty printable ASCII string');
      }
      this.secrets.add(options.token);
    }
    if (options.authProvider) {
      this.auth = asProviderObject(options.authProvider);
    }
    const clientType = options.clientType ?? 'typescript';
    const agent = options.clientAgent !== undefined ? sanitizeOverride(options.clientAgent) : resolveClientAgent();
    if (!agent) {
      throw invalidArgument('clientAgent must be printable ASCII, <= 64 chars');
    }
    const session = options.sessionId !== undefined ? sanitizeOverride(options.sessionId) : resolveSessionId();
    if (!session) {
      throw invalidArgument('sessionId must be printable ASCII, <= 64 chars');
    }
    this.baseHeaders = [
      ['x-client-type', clientType],
      ['x-client-agent', agent],
      ['x-client-entrypoint', resolveClientEntrypoint(options.clientEntrypoint)],
      ['x-client-session', session],
      ...this.checkHeaders(options.headers, 'headers'),
    ];
    for (const [k, v] of this.baseHeaders) {
      if (k === 'authorization') {
        this.secrets.add(v.replace(/^Bearer\s+/i, ''));
      }
    }
    const channelOptions: grpc.ChannelOptions = {
      // Micromegas answers with messages well above gRPC's 4 MiB default.
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      'grpc.primary_user_agent': 'micromegas-typescript',
      // After an outage, grpc-js's default back-off (1 s growing to 120 s) kept failing calls
      // with a stale ECONNREFUSED long after the server was back. Retry connecting within 1 s,
      // and keep subchannels per client so reconnect() really starts a fresh connection.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.use_local_subchannel_pool': 1,
      ...(options.tls?.serverName
        ? { 'grpc.ssl_target_name_override': options.tls.serverName, 'grpc.default_authority': options.tls.serverName }
        : {}),
      ...options.channelOptions,
    };
    this.channelOptions = channelOptions;
    this.stub = this.newStub();
  }

  private newStub(): FlightStub {
    const Ctor = clientConstructor(FLIGHT_SERVICE);
    return new Ctor(this.server.address, this.credentials(), this.channelOptions) as unknown as FlightStub;
  }

  /**
   * Reconnect on demand: a call refused because the channel is waiting out its back-off
   * (TRANSIENT_FAILURE) gets a fresh channel, which connects at once. Returns true when the
   * caller may retry. The old channel carries no call (it cannot connect), so closing it is safe.
   */
  private reconnect(): boolean {
    if (this.closed) {
      return false;
    }
    const state = this.stub.getChannel().getConnectivityState(false);
    if (state !== grpc.connectivityState.TRANSIENT_FAILURE && state !== grpc.connectivityState.IDLE) {
      return state === grpc.connectivityState.CONNECTING || state === grpc.connectivityState.READY;
    }
    const old = this.stub;
    this.stub = this.newStub();
    old.close();
    return true;
  }

  private credentials(): grpc.ChannelCredentials {
    const tls = this.options.tls;
    if (!this.server.tls) {
      if (tls && (tls.caPem || tls.certPem || tls.keyPem || tls.skipVerify)) {
        throw invalidArgument(`TLS options need a TLS URI (grpc+tls:// or https://), got '${this.uri}'`);
      }
      return grpc.credentials.createInsecure();
    }
    if (!!tls?.certPem !== !!tls?.keyPem) {
      throw invalidArgument('mutual TLS needs both certPem and keyPem');
    }
    const buf = (v: string | Buffer | undefined): Buffer | null =>
      v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
    const verify: grpc.VerifyOptions = {};
    if (tls?.skipVerify) {
      (this.options.logger ?? console).warn(
        `WARNING: TLS certificate verification is DISABLED for ${this.server.address}; the connection is encrypted but the server is not authenticated. Do not use this in production.`
      );
      verify.rejectUnauthorized = false;
      verify.checkServerIdentity = () => undefined;
    }
    try {
      return grpc.credentials.createSsl(buf(tls?.caPem), buf(tls?.keyPem), buf(tls?.certPem), verify);
    } catch (err) {
      throw invalidArgument(`invalid TLS material: ${(err as Error).message}`);
    }
  }

  private checkHeaders(headers: Record<string, string> | undefined, what: string): Array<[string, string]> {
    if (!headers) {
      return [];
    }
    return Object.entries(headers).map(([name, value]) => {
      const key = name.toLowerCase();
      if (!HEADER_NAME.test(key) || key.endsWith('-bin')) {
        throw invalidArgument(
          `${what}: invalid gRPC metadata name '${name}' (use lowercase letters, digits, '-', '_', '.')`
        );
      }
      if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
        throw invalidArgument(
          `${what}: the value of '${key}' must be printable ASCII (percent-encode other characters)`
        );
      }
      return [key, value];
    });
  }

  private async token(): Promise<string | undefined> {
    if (!this.auth) {
      return this.options.token;
    }
    let token: string;
    try {
      token = await this.auth.getToken();
    } catch (err) {
      const msg = redact(err instanceof Error ? err.message : String(err), this.secrets);
      if ((err as { reason?: unknown } | null)?.reason === 'unreachable') {
        // Not a refusal: nothing answered (OidcError from ./oidc, matched by shape for custom providers).
        throw new MicromegasError({
          code: GrpcStatus.UNAVAILABLE,
          serverMessage: msg,
          message: `UNAVAILABLE: could not obtain a token: ${msg}`,
        });
      }
      throw new MicromegasError({
        code: GrpcStatus.UNAUTHENTICATED,
        serverMessage: msg,
        message: `UNAUTHENTICATED: could not obtain a token: ${msg}`,
      });
    }
    if (typeof token !== 'string' || token === '' || !HEADER_VALUE.test(token)) {
      throw new MicromegasError({
        code: GrpcStatus.UNAUTHENTICATED,
        serverMessage: 'the auth provider returned an empty or non-ASCII token',
      });
    }
    this.secrets.add(token);
    return token;
  }

  /**
   * Builds the metadata of one call: attribution < client headers < call headers < API-controlled keys.
   * `callHeaders` are `opts.headers` already validated by the caller (validated here otherwise).
   */
  private async metadata(
    opts: CallOptions,
    extra: Array<[string, string]> = [],
    callHeaders: Array<[string, string]> = this.checkHeaders(opts.headers, 'call headers')
  ): Promise<Metadata> {
    const md = new grpc.Metadata();
    for (const list of [this.baseHeaders, callHeaders, extra]) {
      for (const [k, v] of list) {
        md.set(k, v);
      }
    }
    const token = await this.token();
    if (token !== undefined) {
      md.set('authorization', `Bearer ${token}`);
    }
    return md;
  }

  private callOptions(opts: { timeoutMs?: number }): grpc.CallOptions {
    const ms = opts.timeoutMs ?? this.options.timeoutMs;
    return ms === undefined ? {} : { deadline: new Date(Date.now() + ms) };
  }

  private translate(err: unknown): MicromegasError {
    return fromGrpcError(err, this.server.address, this.secrets);
  }

  private ensureOpen(): void {
    if (this.closed) {
      throw new MicromegasError({
        code: GrpcStatus.CANCELLED,
        serverMessage: 'the client is closed',
        message: 'the Micromegas client is closed',
      });
    }
  }

  private invalidateAuth(): boolean {
    if (this.auth?.invalidate) {
      this.auth.invalidate();
      return true;
    }
    return false;
  }

  /** A DoGet over an arbitrary ticket, as a QueryStream. */
  private doGet(
    ticket: Buffer,
    opts: CallOptions,
    extra: Array<[string, string]>,
    callHeaders?: Array<[string, string]>
  ): QueryStream {
    const opener: DoGetOpener = {
      start: async () => {
        this.ensureOpen();
        const md = await this.metadata(opts, extra, callHeaders);
        this.ensureOpen();
        const call = this.stub.DoGet({ ticket }, md, this.callOptions(opts));
        this.active.add(call);
        call.on('status', () => this.active.delete(call));
        call.on('error', () => this.active.delete(call));
        return call;
      },
      translate: (err) => this.translate(err),
      invalidateAuth: () => this.invalidateAuth(),
      reconnect: () => this.reconnect(),
    };
    return new QueryStream(opener, opts.signal);
  }

  /** The API-controlled headers of a query, and its call headers validated now rather than when the stream starts. */
  private queryHeaders(
    begin: TimeInput | undefined | null,
    end: TimeInput | undefined | null,
    opts: CallOptions
  ): { extra: Array<[string, string]>; callHeaders: Array<[string, string]> } {
    const extra: Array<[string, string]> = [];
    const hasBegin = begin !== undefined && begin !== null;
    const hasEnd = end !== undefined && end !== null;
    if (hasBegin !== hasEnd) {
      throw invalidArgument('begin and end must be given together (or neither, for no time range)');
    }
    if (hasBegin && hasEnd) {
      let b: string;
      let e: string;
      try {
        b = formatDatetime(begin);
        e = formatDatetime(end);
      } catch (err) {
        throw invalidArgument(`invalid time range: ${(err as Error).message}`);
      }
      extra.push(['query_range_begin', b], ['query_range_end', e]);
    }
    if (opts.limit !== undefined) {
      extra.push(['limit', sqlInteger(opts.limit, 'limit')]);
    }
    if (opts.preserveDictionary ?? this.options.preserveDictionary) {
      extra.push(['preserve_dictionary', 'true']);
    }
    checkTimeout(opts.timeoutMs, 'timeoutMs');
    const callHeaders = this.checkHeaders(opts.headers, 'call headers');
    return { extra, callHeaders };
  }

  /**
   * Runs `sql` and streams the result as RecordBatches. `begin`/`end` (both or neither) become the
   * query_range_begin/query_range_end headers. The returned stream exposes `schema` (also for zero rows).
   */
  queryStream(sql: string, begin?: TimeInput | null, end?: TimeInput | null, opts: CallOptions = {}): QueryStream {
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw invalidArgument('sql must be a non-empty string');
    }
    const { extra, callHeaders } = this.queryHeaders(begin, end, opts);
    // Like Python: DoGet directly with Ticket{ticket = Any(TicketStatementQuery{sql})}, no GetFlightInfo.
    return this.doGet(
      packAny('TicketStatementQuery', { statement_handle: Buffer.from(sql, 'utf8') }),
      opts,
      extra,
      callHeaders
    );
  }

  /** Runs `sql` and returns the whole result as a Table, dictionary encoding kept when preserved. */
  async queryArrow(
    sql: string,
    begin?: TimeInput | null,
    end?: TimeInput | null,
    opts: CallOptions = {}
  ): Promise<Table> {
    return this.queryStream(sql, begin, end, opts).toTable();
  }

  /** Runs `sql` and returns a Table whose top-level dictionary columns are decoded to their value types. */
  async query(sql: string, begin?: TimeInput | null, end?: TimeInput | null, opts: CallOptions = {}): Promise<Table> {
    return decodeDictionaries(await this.queryArrow(sql, begin, end, opts));
  }

  /** Plans `sql` on the server (no time range) and returns its result schema. */
  async prepareStatement(
    sql: string,
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'> = {}
  ): Promise<PreparedStatement> {
    if (typeof sql !== 'string' || sql.trim() === '') {
      throw invalidArgument('sql must be a non-empty string');
    }
    const results = await this.doAction(
      'CreatePreparedStatement',
      packAny('ActionCreatePreparedStatementRequest', { query: sql }),
      opts
    );
    if (results.length === 0) {
      throw new MicromegasError({
        code: GrpcStatus.INTERNAL,
        serverMessage: 'CreatePreparedStatement returned no result',
      });
    }
    const res = unpackAny<{ prepared_statement_handle: Buffer; dataset_schema: Buffer }>(
      'ActionCreatePreparedStatementResult',
      results[0]
    );
    const reader = RecordBatchReader.from(res.dataset_schema);
    reader.open();
    if (!reader.schema) {
      throw new MicromegasError({
        code: GrpcStatus.INTERNAL,
        serverMessage: 'the prepared statement carries no dataset schema',
      });
    }
    return { query: res.prepared_statement_handle.toString('utf8'), datasetSchema: reader.schema };
  }

  /** Runs a prepared statement (Micromegas re-plans the SQL; no time range), like Python's prepared_statement_stream. */
  preparedStatementStream(stmt: PreparedStatement, opts: CallOptions = {}): QueryStream {
    return this.queryStream(stmt.query, undefined, undefined, opts);
  }

  private async doAction(
    type: string,
    body: Buffer,
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'>
  ): Promise<Buffer[]> {
    this.ensureOpen();
    checkTimeout(opts.timeoutMs, 'timeoutMs');
    for (let attempt = 0; ; attempt++) {
      const md = await this.metadata(opts);
      const call = this.stub.DoAction({ type, body }, md, this.callOptions(opts));
      try {
        return await collectStream(call, opts.signal, (r) => r.body);
      } catch (err) {
        const e = opts.signal?.aborted ? err : this.translate(err);
        if (
          e instanceof MicromegasError &&
          e.code === GrpcStatus.UNAUTHENTICATED &&
          attempt === 0 &&
          this.invalidateAuth()
        ) {
          continue;
        }
        throw e;
      }
    }
  }

  private async getFlightInfo(
    cmd: Buffer,
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'>
  ): Promise<FlightInfo> {
    this.ensureOpen();
    checkTimeout(opts.timeoutMs, 'timeoutMs');
    for (let attempt = 0; ; attempt++) {
      const md = await this.metadata(opts);
      try {
        return await new Promise<FlightInfo>((resolve, reject) => {
          if (opts.signal?.aborted) {
            reject(opts.signal.reason);
            return;
          }
          const onAbort = (): void => call.cancel();
          const call = this.stub.GetFlightInfo(
            { type: DESCRIPTOR_CMD, cmd },
            md,
            this.callOptions(opts),
            (err, info) => {
              opts.signal?.removeEventListener('abort', onAbort);
              if (err) {
                reject(opts.signal?.aborted ? opts.signal.reason : this.translate(err));
              } else {
                resolve(info!);
              }
            }
          );
          opts.signal?.addEventListener('abort', onAbort, { once: true });
        });
      } catch (e) {
        if (
          e instanceof MicromegasError &&
          e.code === GrpcStatus.UNAUTHENTICATED &&
          attempt === 0 &&
          this.invalidateAuth()
        ) {
          continue;
        }
        throw e;
      }
    }
  }

  /** GetFlightInfo(command) then DoGet of every endpoint (on this connection), as one Table. */
  private async commandTable(
    name: string,
    command: Record<string, unknown>,
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'>
  ): Promise<Table> {
    const info = await this.getFlightInfo(packAny(name, command), opts);
    const batches: RecordBatch[] = [];
    let schema: Schema | undefined;
    for (const ep of info.endpoint) {
      if (!ep.ticket) {
        continue;
      }
      const stream = this.doGet(ep.ticket.ticket, opts, []);
      schema ??= await stream.schema;
      for await (const b of stream) {
        batches.push(b);
      }
    }
    if (batches.length > 0) {
      return new Table(batches);
    }
    return new Table(schema ?? new Schema([]));
  }

  /** Flight SQL GetTables: the server's tables, optionally with their Arrow schemas. */
  async getTables(options: GetTablesOptions = {}): Promise<TableInfo[]> {
    const cmd: Record<string, unknown> = {
      include_schema: !!options.includeSchema,
      table_types: options.tableTypes ?? [],
    };
    if (options.catalog !== undefined) {
      cmd.catalog = options.catalog;
    }
    if (options.dbSchemaFilterPattern !== undefined) {
      cmd.db_schema_filter_pattern = options.dbSchemaFilterPattern;
    }
    if (options.tableNamePattern !== undefined) {
      cmd.table_name_filter_pattern = options.tableNamePattern;
    }
    const table = await this.commandTable('CommandGetTables', cmd, options);
    const out: TableInfo[] = [];
    for (const row of table) {
      const r = row as unknown as Record<string, unknown>;
      const info: TableInfo = {
        catalogName: (r.catalog_name as string | null) ?? null,
        dbSchemaName: (r.db_schema_name as string | null) ?? null,
        tableName: String(r.table_name),
        tableType: String(r.table_type),
      };
      if (options.includeSchema && r.table_schema) {
        const reader = RecordBatchReader.from(r.table_schema as Uint8Array);
        reader.open();
        if (reader.schema) {
          info.schema = reader.schema;
        }
      }
      out.push(info);
    }
    return out;
  }

  /** Flight SQL GetSqlInfo: server information keyed by info id (all ids when `ids` is empty). */
  async getSqlInfo(
    ids: number[] = [],
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'> = {}
  ): Promise<Map<number, SqlInfoValue>> {
    for (const id of ids) {
      sqlInteger(id, 'sql info id');
    }
    const table = await this.commandTable('CommandGetSqlInfo', { info: ids }, opts);
    const out = new Map<number, SqlInfoValue>();
    const names = table.getChild('info_name');
    const values = table.getChild('value');
    for (let i = 0; i < table.numRows; i++) {
      out.set(Number(names?.get(i)), normalizeSqlInfo(values?.get(i)));
    }
    return out;
  }

  /** Bulk-ingests an Arrow table with DoPut(CommandStatementIngest); returns the server's update result. */
  async bulkIngest(
    tableName: string,
    table: Table,
    opts: Pick<CallOptions, 'signal' | 'timeoutMs' | 'headers'> = {}
  ): Promise<DoPutUpdateResult | undefined> {
    this.ensureOpen();
    if (typeof tableName !== 'string' || tableName === '') {
      throw invalidArgument('tableName must be a non-empty string');
    }
    if (!(table instanceof Table)) {
      throw invalidArgument('bulkIngest expects an apache-arrow Table');
    }
    checkTimeout(opts.timeoutMs, 'timeoutMs');
    const descriptor = {
      type: DESCRIPTOR_CMD,
      cmd: packAny('CommandStatementIngest', { table: tableName, temporary: false }),
    };
    let messages;
    try {
      messages = splitIpcStream(RecordBatchStreamWriter.writeAll(table).toUint8Array(true));
    } catch (err) {
      // apache-arrow's writer miscounts a batch's body when columns share buffers.
      throw invalidArgument(
        `this table cannot be sent: ${(err as Error).message}. A known cause is two columns using the same vector or buffers; give each column its own`
      );
    }
    const md = await this.metadata(opts);
    const call = this.stub.DoPut(md, this.callOptions(opts));
    const results = collectStream(call, opts.signal, (r) => r.app_metadata);
    try {
      for (let i = 0; i < messages.length; i++) {
        const msg: Record<string, unknown> = {
          data_header: Buffer.from(messages[i].header),
          data_body: Buffer.from(messages[i].body),
        };
        if (i === 0) {
          msg.flight_descriptor = descriptor;
        }
        if (!call.write(msg)) {
          await new Promise<void>((resolve) => call.once('drain', resolve));
        }
      }
      call.end();
      const metas = await results;
      const first = metas.find((m) => m && m.length > 0);
      if (!first) {
        return undefined;
      }
      const res = decodeMessage<{ record_count: number }>('arrow.flight.protocol.sql.DoPutUpdateResult', first);
      return { recordCount: Number(res.record_count) };
    } catch (err) {
      call.cancel();
      await results.catch(() => undefined);
      throw opts.signal?.aborted ? err : this.translate(err);
    }
  }

  /** `SELECT * FROM processes WHERE process_id = '<id>'` (no time range). */
  async findProcess(processId: string, opts: CallOptions = {}): Promise<Table> {
    return this.query(
      `SELECT * FROM processes WHERE process_id = ${sqlString(processId)};`,
      undefined,
      undefined,
      opts
    );
  }

  /** Streams over a time range, optionally of one process and with one tag. */
  async queryStreams(
    begin: TimeInput,
    end: TimeInput,
    limit: number,
    filters: { processId?: string; tagFilter?: string } = {},
    opts: CallOptions = {}
  ): Promise<Table> {
    const conditions: string[] = [];
    if (filters.processId !== undefined) {
      conditions.push(`process_id = ${sqlString(filters.processId)}`);
    }
    if (filters.tagFilter !== undefined) {
      conditions.push(`(array_position(tags, ${sqlString(filters.tagFilter)}) IS NOT NULL)`);
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    return this.query(`SELECT * FROM streams${where} LIMIT ${sqlInteger(limit, 'limit')};`, begin, end, opts);
  }

  /** Blocks of one stream over a time range. */
  async queryBlocks(
    begin: TimeInput,
    end: TimeInput,
    limit: number,
    streamId: string,
    opts: CallOptions = {}
  ): Promise<Table> {
    return this.query(
      `SELECT * FROM blocks WHERE stream_id = ${sqlString(streamId)} LIMIT ${sqlInteger(limit, 'limit')};`,
      begin,
      end,
      opts
    );
  }

  /** Thread spans of one stream over a time range (the range is mandatory for thread_spans). */
  async querySpans(
    begin: TimeInput,
    end: TimeInput,
    limit: number,
    streamId: string,
    opts: CallOptions = {}
  ): Promise<Table> {
    return this.query(
      `SELECT * FROM view_instance('thread_spans', ${sqlString(streamId)}) LIMIT ${sqlInteger(limit, 'limit')};`,
      begin,
      end,
      opts
    );
  }

  // The three partition-maintenance calls stay methods of the client, as in the Python client's
  // FlightSQLClient (materialize_/regenerate_/retire_partitions); its micromegas.admin module holds only
  // the incompatible-partition helpers, which live in admin.ts here.

  /** Materializes partitions of a view set; progress messages are yielded as the server sends them. Admin only. */
  materializePartitions(
    viewSet: string,
    begin: TimeInput,
    end: TimeInput,
    deltaSeconds: number,
    opts: CallOptions = {}
  ): AsyncGenerator<PartitionMessage> {
    return this.partitionProgress(
      'materialize_partitions',
      [sqlString(viewSet), sqlTime(begin), sqlTime(end), sqlInteger(deltaSeconds, 'deltaSeconds')],
      opts
    );
  }

  /** Rebuilds the partitions of a view set over a time range from their blocks; progress messages as they arrive. Admin only. */
  regeneratePartitions(
    viewSet: string,
    begin: TimeInput,
    end: TimeInput,
    deltaSeconds: number,
    opts: CallOptions = {}
  ): AsyncGenerator<PartitionMessage> {
    return this.partitionProgress(
      'regenerate_partitions',
      [sqlString(viewSet), sqlTime(begin), sqlTime(end), sqlInteger(deltaSeconds, 'deltaSeconds')],
      opts
    );
  }

  /** Retires the partitions of one view instance over a time range; progress messages as they arrive. Admin only. */
  retirePartitions(
    viewSet: string,
    viewInstanceId: string,
    begin: TimeInput,
    end: TimeInput,
    opts: CallOptions = {}
  ): AsyncGenerator<PartitionMessage> {
    return this.partitionProgress(
      'retire_partitions',
      [sqlString(viewSet), sqlString(viewInstanceId), sqlTime(begin), sqlTime(end)],
      opts
    );
  }

  /** `SELECT time, msg FROM <fn>(<SQL arguments>)` streamed as progress messages, without range headers. */
  private partitionProgress(fn: string, sqlArgs: string[], opts: CallOptions): AsyncGenerator<PartitionMessage> {
    const sql = `SELECT time, msg FROM ${fn}(${sqlArgs.join(', ')})`;
    return progressMessages(this.queryStream(sql, undefined, undefined, opts));
  }

  /** Closes the channel; query streams in flight are cancelled, later calls fail. */
  close(): void {
    this.closed = true;
    for (const call of this.active) {
      call.cancel();
    }
    this.active.clear();
    this.stub.close();
  }
}

/** A time as the RFC 3339 string literal the partition functions take. */
function sqlTime(t: TimeInput): string {
  return sqlString(formatDatetime(t));
}

/** `connect(uri, options)`: a FlightSQLClient with the Python client's default URI. */
export function connect(uri: string = DEFAULT_URI, options: ClientOptions = {}): FlightSQLClient {
  return new FlightSQLClient(uri, options);
}

async function* progressMessages(stream: QueryStream): AsyncGenerator<PartitionMessage> {
  for await (const batch of stream) {
    const time = batch.getChild('time');
    const msg = batch.getChild('msg');
    for (let i = 0; i < batch.numRows; i++) {
      const t = time?.get(i);
      yield { time: new Date(typeof t === 'bigint' ? Number(t) : Number(t ?? 0)), msg: String(msg?.get(i) ?? '') };
    }
  }
}

/** Reads a server stream to its end, mapping each message; rejects on error or abort. */
function collectStream<M, T>(
  call: grpc.ClientReadableStream<M> | grpc.ClientDuplexStream<unknown, M>,
  signal: AbortSignal | undefined,
  map: (m: M) => T
): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    if (signal?.aborted) {
      call.cancel();
      reject(signal.reason);
      return;
    }
    const out: T[] = [];
    const onAbort = (): void => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    call.on('data', (m: M) => out.push(map(m)));
    call.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? signal.reason : err);
    });
    call.on('status', (s: grpc.StatusObject) => {
      signal?.removeEventListener('abort', onAbort);
      if (s.code === GrpcStatus.OK) {
        resolve(out);
      }
    });
  });
}

function normalizeSqlInfo(v: unknown): SqlInfoValue {
  if (v === null || v === undefined) {
    return null;
  }
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
    return v;
  }
  if (typeof v === 'bigint') {
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  }
  if (v instanceof Vector) {
    return Array.from(v as Vector, (x) => String(x));
  }
  if (v instanceof Map) {
    return v as Map<number, number[]>;
  }
  if (typeof v === 'object' && v !== null && Symbol.iterator in v) {
    const entries = Array.from(v as Iterable<[unknown, unknown]>);
    return new Map(entries.map(([k, val]) => [Number(k), Array.from(val as Iterable<number>, Number)]));
  }
  return String(v);
}

/** Replaces top-level dictionary columns by plain columns of their value type (Python's query() does the same for DataFrames). */
export function decodeDictionaries(table: Table): Table {
  const dictIdx = table.schema.fields.map((f, i) => (DataType.isDictionary(f.type) ? i : -1)).filter((i) => i >= 0);
  if (dictIdx.length === 0) {
    return table;
  }
  const fields = table.schema.fields.map((f) =>
    DataType.isDictionary(f.type) ? new Field(f.name, f.type.dictionary, f.nullable, f.metadata) : f
  );
  const schema = new Schema(fields, table.schema.metadata);
  if (table.batches.length === 0) {
    return new Table(schema);
  }
  const batches = table.batches.map((batch) => {
    const children: Data[] = batch.schema.fields.map((f, i) => {
      const col = batch.getChildAt(i)!;
      if (!DataType.isDictionary(f.type)) {
        return col.data[0];
      }
      return vectorFromArray(Array.from(col as Vector), f.type.dictionary).data[0];
    });
    return new RecordBatch(
      schema,
      makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children })
    );
  });
  return new Table(schema, batches);
}
