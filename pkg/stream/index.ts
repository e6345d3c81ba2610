// Live tail of logs queries over Grafana Live (pluginv2.Stream). See docs/live-tail.md.
export {
  DEFAULT_POLL_MS,
  MIN_POLL_MS,
  MAX_POLL_MS,
  TailRequestError,
  parseTailRequest,
  tailPath,
  type TailRequest,
} from './channel';
export { TailCursor, type TailWindow } from './cursor';
export { DEFAULT_OVERLAP_MS, MAX_BACKOFF_MS, isPermanent, runTail, type TailOptions, type TailOutcome } from './tail';
