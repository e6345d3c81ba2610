// Arrow IPC stream bytes (written by apache-arrow) → Flight messages
// {data_header = flatbuffer Message, data_body = body buffers}.
import { Message, MessageHeader, RecordBatch, RecordBatchStreamWriter, type Schema, Table } from 'apache-arrow';

import { splitIpcStream as splitProductIpc } from '../micromegas/flight-ipc';

export interface FlightMessage {
  type: 'schema' | 'dictionary' | 'record';
  data_header: Buffer;
  data_body: Buffer;
}

/**
 * Splits an encapsulated IPC stream into its messages with the client's own splitter (the
 * stricter one: an inconsistent stream throws instead of being cut short), typed for Flight.
 */
export function splitIpcStream(bytes: Uint8Array): FlightMessage[] {
  return splitProductIpc(bytes).map(({ header, body }) => {
    const headerType = Message.decode(header).headerType;
    const type =
      headerType === MessageHeader.Schema
        ? 'schema'
        : headerType === MessageHeader.DictionaryBatch
          ? 'dictionary'
          : 'record';
    return { type, data_header: Buffer.from(header), data_body: Buffer.from(body) };
  });
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
