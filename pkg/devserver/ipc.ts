// Arrow IPC stream bytes (written by apache-arrow) → Flight messages
// {data_header = flatbuffer Message, data_body = body buffers}.
import { Message, MessageHeader, RecordBatch, RecordBatchStreamWriter, type Schema, Table } from 'apache-arrow';

export interface FlightMessage {
  type: 'schema' | 'dictionary' | 'record';
  data_header: Buffer;
  data_body: Buffer;
}

const CONTINUATION = 0xffffffff;

/** Splits an encapsulated IPC stream into its messages (EOS ends it). */
export function splitIpcStream(bytes: Uint8Array): FlightMessage[] {
  const out: FlightMessage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o + 4 <= bytes.length) {
    let len = view.getUint32(o, true);
    o += 4;
    if (len === CONTINUATION) {
      len = view.getUint32(o, true);
      o += 4;
    }
    if (len === 0) {
      break;
    }
    const header = bytes.subarray(o, o + len);
    o += len;
    const message = Message.decode(header);
    const bodyLength = Number(message.bodyLength);
    const body = bytes.subarray(o, o + bodyLength);
    o += bodyLength;
    const type =
      message.headerType === MessageHeader.Schema
        ? 'schema'
        : message.headerType === MessageHeader.DictionaryBatch
          ? 'dictionary'
          : 'record';
    out.push({ type, data_header: Buffer.from(header), data_body: Buffer.from(body) });
  }
  return out;
}

/** IPC stream bytes of a schema alone (schema message + EOS). */
export function schemaStreamBytes(schema: Schema): Uint8Array {
  return RecordBatchStreamWriter.writeAll(new Table(schema)).toUint8Array(true);
}

export function schemaMessage(schema: Schema): FlightMessage {
  const msgs = splitIpcStream(schemaStreamBytes(schema));
  const first = msgs[0];
  if (!first || first.type !== 'schema') {
    throw new Error('arrow writer produced no schema message');
  }
  return first;
}

/**
 * The dictionary and record messages of one batch. Each batch carries its full
 * dictionaries (Micromegas' "Resend" handling), so readers that keep dictionary state
 * and readers that don't both decode it.
 */
export function batchMessages(batch: RecordBatch): FlightMessage[] {
  const bytes = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);
  return splitIpcStream(bytes).filter((m) => m.type !== 'schema');
}

/** Encapsulates a schema's IPC bytes for GetTables' table_schema column. */
export function serializeSchema(schema: Schema): Buffer {
  return Buffer.from(schemaStreamBytes(schema));
}
