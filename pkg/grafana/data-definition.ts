// pluginv2.Data with our own response encoder: frames are copied once, into the bytes sent.
// Shared by the plugin's server and the warm-up's, so the warm-up runs the same code.
import type * as grpc from '@grpc/grpc-js';

import { serviceDefinition } from '../proto';
import { encodeQueryDataResponse } from './encode';
import type { QueryDataResponseOut } from './messages';
import { finishFramed, installPreframedSend } from './preframed';

const GRPC_HEADER_BYTES = 5;

export function dataDefinition(): grpc.ServiceDefinition {
  const base = serviceDefinition('pluginv2.Data');
  const preframed = installPreframedSend();
  const serialize = preframed
    ? (value: QueryDataResponseOut) => {
        const buf = encodeQueryDataResponse(value, { headroom: GRPC_HEADER_BYTES, releaseFrames: true });
        return finishFramed(buf, buf.byteLength - GRPC_HEADER_BYTES);
      }
    : (value: QueryDataResponseOut) => encodeQueryDataResponse(value, { releaseFrames: true });
  return { ...base, QueryData: { ...base.QueryData, responseSerialize: serialize } };
}
