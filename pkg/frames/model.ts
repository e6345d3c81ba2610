// The frame model at the boundary between the query pipeline and Grafana: what a
// frame holds before it is encoded as one Arrow IPC file (the form Grafana's SDK decodes).
import type * as arrow from 'apache-arrow';

export type FrameFormat = 'table' | 'time_series' | 'logs' | 'traces' | 'flame_graph' | 'heatmap';

export interface Notice {
  severity: 'info' | 'warning' | 'error';
  text: string;
  link?: string;
  inspect?: string;
}

export interface FrameOptions {
  refId: string;
  format: FrameFormat;
  executedQueryString?: string;
  notices?: Notice[];
  frameName?: string;
  /** The data source the frames come from: drill-down links are added when given (links.ts). */
  links?: { dataSourceUid: string; dataSourceName: string };
  /** Written to `meta.custom` (e.g. what the pipeline sent to Micromegas), read after the last batch like `notices`. */
  custom?: Record<string, unknown>;
  /** The query's cancellation: the conversion stops at its next pause (slicer.ts) once aborted. */
  signal?: AbortSignal;
  /** How long the conversion may hold the event loop before it pauses (default DEFAULT_SLICE_MS; 0: at every check point). */
  sliceMs?: number;
}

/**
 * One frame as an Arrow IPC file in consecutive chunks (their concatenation is the
 * file). The chunks reference the converted column buffers: writing them out one
 * after the other avoids a copy of the whole frame.
 */
export type FrameChunks = Uint8Array[];

export interface EncodedFrames {
  /** One Arrow IPC file per frame, as chunks (`joinChunks` gives the single buffer). */
  frames: FrameChunks[];
  /** Rows received from the server (before any reshaping). */
  rowCount: number;
  /** Every notice attached to the frames: the caller's plus the converter's own. */
  notices: Notice[];
}

/** Grafana's simple field type, written as the `tstype` field metadata. */
export type FieldType = 'string' | 'number' | 'boolean' | 'time' | 'other' | 'enum';

/** The subset of Grafana's FieldConfig this backend writes; other keys pass through. */
export interface FieldConfig {
  displayName?: string;
  displayNameFromDS?: string;
  description?: string;
  unit?: string;
  decimals?: number;
  min?: number | null;
  max?: number | null;
  interval?: number;
  filterable?: boolean;
  links?: Array<{ title: string; url: string; targetBlank?: boolean }>;
  type?: { enum?: { text?: string[]; color?: string[]; icon?: string[]; description?: string[] } };
  [key: string]: unknown;
}

export interface FrameStat {
  displayName: string;
  value: number;
  unit?: string;
}

export type FrameType = 'timeseries-wide' | 'timeseries-long' | 'timeseries-multi' | 'log-lines' | 'table' | string;

export interface FrameMeta {
  type?: FrameType;
  typeVersion?: [number, number];
  executedQueryString?: string;
  preferredVisualisationType?: 'graph' | 'table' | 'logs' | 'trace' | 'nodeGraph' | 'flamegraph';
  notices?: Notice[];
  stats?: FrameStat[];
  custom?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * One field: its values are Arrow Data chunks of a type Grafana decodes (Utf8, Int*,
 * Uint*, Float32/64, Bool, Timestamp(ns), Binary holding JSON text, Uint16 for enum).
 * Chunks of different fields may split rows differently; the encoder aligns them.
 */
export interface FrameField {
  name: string;
  type: FieldType;
  chunks: arrow.Data[];
  /** Defaults to "declared nullable or has nulls". */
  nullable?: boolean;
  labels?: Record<string, string>;
  config?: FieldConfig;
}

export interface Frame {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: FrameField[];
}

/**
 * A query result cannot be shaped into the requested format (e.g. time series
 * without a time column). The message says what was found and what to do; the
 * pipeline reports it with errorSource "plugin".
 */
export class FrameFormatError extends Error {
  readonly errorSource = 'plugin' as const;
  constructor(message: string) {
    super(message);
    this.name = 'FrameFormatError';
  }
}
