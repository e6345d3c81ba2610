// Reads a Perfetto trace (protobuf `Trace`) as tests need it: the packets' track
// descriptors and slice events, decoded with Perfetto's field numbers (Trace.packet 1;
// TracePacket.timestamp 8, track_event 11, track_descriptor 60; TrackEvent.type 9,
// track_uuid 11, name 23; TrackDescriptor.uuid 1, name 2). Unknown fields are skipped.
import protobuf from 'protobufjs';

const TRACE = protobuf
  .parse(
    `syntax = "proto2";
     message Trace { repeated TracePacket packet = 1; }
     message TracePacket { optional uint64 timestamp = 8; optional TrackEvent track_event = 11; optional TrackDescriptor track_descriptor = 60; }
     message TrackEvent { optional int32 type = 9; optional uint64 track_uuid = 11; optional string name = 23; }
     message TrackDescriptor { optional uint64 uuid = 1; optional string name = 2; }`,
    { keepCase: true }
  )
  .root.lookupType('Trace');

export const SLICE_BEGIN = 1;
export const SLICE_END = 2;

export interface TracePacket {
  timestamp?: string;
  track_event?: { type: number; track_uuid?: string; name?: string };
  track_descriptor?: { uuid?: string; name: string };
}

/** Decodes the bytes; throws when they are not a protobuf Trace. */
export function decodePerfettoTrace(bytes: Uint8Array): TracePacket[] {
  const trace = TRACE.toObject(TRACE.decode(bytes), { longs: String, arrays: true }) as { packet: TracePacket[] };
  return trace.packet;
}
