// Arrow → Grafana data frames (one Arrow IPC file per frame, as Grafana's SDK reads them). See docs/ARCHITECTURE.md.
export { framesFromBatches } from './frames';
export { encodeFrame, encodeFrameChunks, isGrafanaType } from './encode';
export { chunksLength, joinChunks } from './ipc-file';
export { grafanaUnit } from './units';
export { arrowTypeToText } from './type-text';
export { FrameFormatError } from './model';
export { nextTurn } from './slicer';
export type {
  EncodedFrames,
  FieldConfig,
  FrameChunks,
  FieldType,
  Frame,
  FrameField,
  FrameFormat,
  FrameMeta,
  FrameOptions,
  Notice,
} from './model';
