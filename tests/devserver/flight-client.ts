// A minimal Flight test client built from pkg/proto + apache-arrow (independent of
// the product client in pkg/micromegas): raw calls, raw messages, decoded batches.
import * as grpc from '@grpc/grpc-js';
import { RecordBatchReader, type RecordBatch, type Schema, Table, RecordBatchStreamWriter } from 'apache-arrow';

import { FLIGHT_SQL_TYPE_PREFIX, clientConstructor, decodeMessage, encodeMessage } from '../../pkg/proto';
import { splitIpcStream } from '../../pkg/devserver/ipc';

const SQL = 'arrow.flight.protocol.sql.';

export type Headers = Record<string, string>;

interface FlightData {
  data_header: Buffer;
  data_body: Buffer;
}

export interface GetResult {
  schema?: Schema;
  batches: RecordBatch[];
  /** Number of FlightData messages per kind received before the stream ended. */
  messages: number;
  error?: grpc.ServiceError;
}

type Unary = (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type ServerStream = (req: unknown, md: grpc.Metadata) => grpc.ClientReadableStream<unknown>;

export class TestFlightClient {
  readonly raw: grpc.Client & Record<string, unknown>;

  constructor(uri: string, credentials = grpc.credentials.createInsecure()) {
    const Ctor = clientConstructor('arrow.flight.protocol.FlightService');
    const target = uri.replace(/^grpc(\+tls)?:\/\//, '');
    this.raw = new Ctor(target, credentials, { 'grpc.max_receive_message_length': -1 }) as unknown as grpc.Client &
      Record<string, unknown>;
  }

  close(): void {
    this.raw.close();
  }

  static any(name: string, value: Record<string, unknown>): Buffer {
    return encodeMessage('google.protobuf.Any', {
      type_url: FLIGHT_SQL_TYPE_PREFIX + name,
      value: encodeMessage(SQL + name, value),
    });
  }

  static metadata(headers: Headers = {}): grpc.Metadata {
    const md = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) {
      md.set(k, v);
    }
    return md;
  }

  getFlightInfo(cmd: Buffer, headers: Headers = {}): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) =>
      (this.raw.GetFlightInfo as Unary).call(
        this.raw,
        { type: 2, cmd },
        TestFlightClient.metadata(headers),
        (err, res) => (err ? reject(err) : resolve(res as Record<string, unknown>))
      )
    );
  }

  /** DoGet; never rejects: a failed stream returns what arrived plus the error. */
  doGet(ticket: Buffer, headers: Headers = {}, opts: { cancelAfterMessages?: number } = {}): Promise<GetResult> {
    return new Promise((resolve) => {
      const call = (this.raw.DoGet as ServerStream).call(this.raw, { ticket }, TestFlightClient.metadata(headers));
      const received: FlightData[] = [];
      let done = false;
      const finish = (error?: grpc.ServiceError): void => {
        if (done) {
          return;
        }
        done = true;
        resolve({ ...decodeStream(received), messages: received.length, error });
      };
      call.on('data', (d: FlightData) => {
        received.push(d);
        if (opts.cancelAfterMessages !== undefined && received.length >= opts.cancelAfterMessages) {
          call.cancel();
        }
      });
      call.on('error', (e: grpc.ServiceError) => finish(e));
      call.on('end', () => finish());
    });
  }

  query(sql: string, headers: Headers = {}, form: 'any' | 'raw' = 'any'): Promise<GetResult> {
    const ticket =
      form === 'any'
        ? TestFlightClient.any('TicketStatementQuery', { statement_handle: Buffer.from(sql) })
        : encodeMessage(SQL + 'TicketStatementQuery', { statement_handle: Buffer.from(sql) });
    return this.doGet(ticket, headers);
  }

  /** Query and require success. */
  async table(
    sql: string,
    headers: Headers = {}
  ): Promise<{ schema: Schema; rows: Array<Record<string, unknown>>; batches: RecordBatch[] }> {
    const res = await this.query(sql, headers);
    if (res.error) {
      throw res.error;
    }
    const rows = res.batches.flatMap((b) => b.toArray().map((r) => r.toJSON() as Record<string, unknown>));
    return { schema: res.schema!, rows, batches: res.batches };
  }

  doAction(type: string, body: Buffer, headers: Headers = {}): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const call = (this.raw.DoAction as ServerStream).call(
        this.raw,
        { type, body },
        TestFlightClient.metadata(headers)
      );
      const out: Buffer[] = [];
      call.on('data', (r: { body: Buffer }) => out.push(r.body));
      call.on('error', reject);
      call.on('end', () => resolve(out));
    });
  }

  /** DoPut of a table with a FlightSQL command descriptor; resolves to the PutResults' app_metadata. */
  doPut(cmd: Buffer, table: Table, headers: Headers = {}): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const call = (this.raw.DoPut as (md: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown>).call(
        this.raw,
        TestFlightClient.metadata(headers)
      );
      const out: Buffer[] = [];
      call.on('data', (r: { app_metadata: Buffer }) => out.push(r.app_metadata));
      call.on('error', reject);
      call.on('end', () => resolve(out));
      const messages = splitIpcStream(RecordBatchStreamWriter.writeAll(table).toUint8Array(true));
      messages.forEach((m, i) =>
        call.write({
          flight_descriptor: i === 0 ? { type: 2, cmd } : null,
          data_header: m.data_header,
          data_body: m.data_body,
        })
      );
      call.end();
    });
  }
}

/** Re-frames FlightData as one IPC stream and reads it with one reader (dictionary state kept). */
export function decodeStream(messages: FlightData[]): { schema?: Schema; batches: RecordBatch[] } {
  if (messages.length === 0) {
    return { batches: [] };
  }
  const parts: Buffer[] = [];
  for (const m of messages) {
    const pad = (8 - (m.data_header.length % 8)) % 8;
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(0xffffffff, 0);
    prefix.writeUInt32LE(m.data_header.length + pad, 4);
    parts.push(prefix, m.data_header, Buffer.alloc(pad), m.data_body ?? Buffer.alloc(0));
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
  const reader = RecordBatchReader.from(Buffer.concat(parts)).open();
  const schema = reader.schema;
  const batches: RecordBatch[] = [];
  for (const batch of reader) {
    batches.push(batch);
  }
  return { schema, batches };
}

export function decodeAny<T>(bytes: Uint8Array, name: string): T {
  const any = decodeMessage<{ type_url: string; value: Buffer }>('google.protobuf.Any', bytes);
  if (any.type_url !== FLIGHT_SQL_TYPE_PREFIX + name) {
    throw new Error(`expected ${name}, got ${any.type_url}`);
  }
  return decodeMessage<T>(SQL + name, any.value);
}

export { Table };
