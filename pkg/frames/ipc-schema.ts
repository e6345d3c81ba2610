// The flatbuffers of an IPC file that grow with the number of fields (the schema message,
// the footer and a record batch message), built a few hundred fields at a time: a time
// series of thousands of series is a frame of thousands of fields, and apache-arrow's
// Message.encode / Footer.encode build each in one call (tens of ms per thousand fields).
// These generators yield as they go so the caller may pause (slicer.ts); the bytes are
// those apache-arrow writes (the same builder calls in the same order as
// ipc/metadata/message.js encodeSchema / encodeRecordBatch and file.js Footer.encode).
import * as arrow from 'apache-arrow';
import { Endianness } from 'apache-arrow/fb/endianness';
import { Footer as FooterTable } from 'apache-arrow/fb/footer';
import { KeyValue } from 'apache-arrow/fb/key-value';
import { Message as MessageTable } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { MetadataVersion } from 'apache-arrow/fb/metadata-version';
import { RecordBatch as RecordBatchTable } from 'apache-arrow/fb/record-batch';
import { Schema as SchemaTable } from 'apache-arrow/fb/schema';
import { FileBlock } from 'apache-arrow/ipc/metadata/file';
import { BufferRegion, FieldNode, Message } from 'apache-arrow/ipc/metadata/message';
import { Builder } from 'flatbuffers';

import type { Slicer } from './slicer';

/** apache-arrow's field encoder, attached to Field by the module of Message (referenced so no bundler drops it). */
function encodeField(b: Builder, field: arrow.Field): number {
  const encoder = Message && (arrow.Field as unknown as { encode(b: Builder, field: arrow.Field): number });
  return encoder.encode(b, field);
}
const LITTLE_ENDIAN = new Int16Array(new Uint8Array([1, 0]).buffer)[0] === 1;

/** A builder step: yields where the caller may pause, returns the built value. */
export type Steps<T> = Generator<void, T, void>;

function keyValues(b: Builder, metadata: Map<string, string>): number[] {
  return [...metadata].map(([k, v]) => {
    const key = b.createString(k);
    const value = b.createString(v);
    KeyValue.startKeyValue(b);
    KeyValue.addKey(b, key);
    KeyValue.addValue(b, value);
    return KeyValue.endKeyValue(b);
  });
}

function* schemaTable(b: Builder, schema: arrow.Schema): Steps<number> {
  const fields: number[] = [];
  for (let i = 0; i < schema.fields.length; i++) {
    fields.push(encodeField(b, schema.fields[i]));
    if ((i & 63) === 63) {
      yield;
    }
  }
  SchemaTable.startFieldsVector(b, fields.length);
  const fieldsVector = SchemaTable.createFieldsVector(b, fields);
  const metadata =
    schema.metadata.size > 0 ? SchemaTable.createCustomMetadataVector(b, keyValues(b, schema.metadata)) : -1;
  SchemaTable.startSchema(b);
  SchemaTable.addFields(b, fieldsVector);
  SchemaTable.addEndianness(b, LITTLE_ENDIAN ? Endianness.Little : Endianness.Big);
  if (metadata !== -1) {
    SchemaTable.addCustomMetadata(b, metadata);
  }
  return SchemaTable.endSchema(b);
}

/** The schema message's flatbuffer (Message.encode(Message.from(schema))). */
export function* schemaMessage(schema: arrow.Schema): Steps<Uint8Array> {
  const b = new Builder();
  const header = yield* schemaTable(b, schema);
  MessageTable.startMessage(b);
  MessageTable.addVersion(b, MetadataVersion.V5);
  MessageTable.addHeader(b, header);
  MessageTable.addHeaderType(b, MessageHeader.Schema);
  MessageTable.addBodyLength(b, BigInt(0));
  MessageTable.finishMessageBuffer(b, MessageTable.endMessage(b));
  return b.asUint8Array();
}

/** The footer's flatbuffer (Footer.encode(new Footer(schema, V5, blocks, []))). */
export function* footer(schema: arrow.Schema, blocks: FileBlock[]): Steps<Uint8Array> {
  const b = new Builder();
  const schemaOffset = yield* schemaTable(b, schema);
  FooterTable.startRecordBatchesVector(b, blocks.length);
  for (let i = blocks.length - 1; i >= 0; i--) {
    FileBlock.encode(b, blocks[i]);
  }
  const recordBatches = b.endVector();
  FooterTable.startDictionariesVector(b, 0);
  const dictionaries = b.endVector();
  FooterTable.startFooter(b);
  FooterTable.addSchema(b, schemaOffset);
  FooterTable.addVersion(b, MetadataVersion.V5);
  FooterTable.addRecordBatches(b, recordBatches);
  FooterTable.addDictionaries(b, dictionaries);
  FooterTable.finishFooterBuffer(b, FooterTable.endFooter(b));
  return b.asUint8Array();
}

/** A record batch message's flatbuffer (Message.encode(Message.from(new RecordBatch(…), bodyLength))). */
export function* recordBatchMessage(
  length: number,
  nodes: FieldNode[],
  buffers: BufferRegion[],
  bodyLength: number
): Steps<Uint8Array> {
  const b = new Builder();
  RecordBatchTable.startNodesVector(b, nodes.length);
  for (let i = nodes.length - 1; i >= 0; i--) {
    FieldNode.encode(b, nodes[i]);
    if ((i & 1023) === 0) {
      yield;
    }
  }
  const nodesVector = b.endVector();
  RecordBatchTable.startBuffersVector(b, buffers.length);
  for (let i = buffers.length - 1; i >= 0; i--) {
    BufferRegion.encode(b, buffers[i]);
    if ((i & 1023) === 0) {
      yield;
    }
  }
  const buffersVector = b.endVector();
  RecordBatchTable.startRecordBatch(b);
  RecordBatchTable.addLength(b, BigInt(length));
  RecordBatchTable.addNodes(b, nodesVector);
  RecordBatchTable.addBuffers(b, buffersVector);
  const header = RecordBatchTable.endRecordBatch(b);
  MessageTable.startMessage(b);
  MessageTable.addVersion(b, MetadataVersion.V5);
  MessageTable.addHeader(b, header);
  MessageTable.addHeaderType(b, MessageHeader.RecordBatch);
  MessageTable.addBodyLength(b, BigInt(bodyLength));
  MessageTable.finishMessageBuffer(b, MessageTable.endMessage(b));
  return b.asUint8Array();
}

/** Runs the steps at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) {
      return next.value;
    }
  }
}

/** Runs the steps, pausing between them once the slice's budget is spent. */
export async function runStepsSliced<T>(steps: Steps<T>, slicer: Slicer): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) {
      return next.value;
    }
    await slicer.check();
  }
}
