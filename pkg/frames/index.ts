// Arrow → Grafana data frames. See docs/ARCHITECTURE.md and grafana-protocol §3–§4.
export { framesFromBatches } from './frames';
export { encodeFrame, isGrafanaType } from './encode';
export { arrowTypeToText } from './type-text';
export { FrameFormatError } from './model';
export type { EncodedFrames, FieldConfig, FieldType, Frame, FrameField, FrameFormat, FrameMeta, FrameOptions, Notice } from './model';
