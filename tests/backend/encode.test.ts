// The hand-written QueryDataResponse encoder must produce what protobufjs would,
// so Grafana's Go decoder reads it the same way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { encodeQueryDataResponse, encodeQueryDataResponsePieces } from '../../pkg/grafana/encode';
import { decodeMessage, encodeMessage } from '../../pkg/proto';

interface Decoded {
  responses: Record<string, { frames: Buffer[]; error: string; status: number; errorSource: string }>;
}

describe('QueryDataResponse encoder', () => {
  const message = {
    responses: {
      A: { frames: [Buffer.from('ARROW1 frame one'), Buffer.alloc(300, 7)] },
      'B-ü': { frames: [], error: 'bad SQL at line 1 ✗', status: 400, errorSource: 'downstream' },
      C: { frames: [Buffer.alloc(70000, 1)], error: '', status: 0 },
      '': { frames: [new Uint8Array([1, 2, 3])], status: 200 },
    },
  };

  it('decodes to the same message as the protobufjs encoding', () => {
    const ours = decodeMessage<Decoded>('pluginv2.QueryDataResponse', encodeQueryDataResponse(message));
    const reference = decodeMessage<Decoded>(
      'pluginv2.QueryDataResponse',
      encodeMessage('pluginv2.QueryDataResponse', message as unknown as Record<string, unknown>)
    );
    assert.deepEqual(ours, reference);
    assert.equal(ours.responses['B-ü'].error, 'bad SQL at line 1 ✗');
    assert.equal(ours.responses.C.frames[0].length, 70000);
    assert.equal(ours.responses[''].status, 200);
  });

  it('is byte-identical to protobufjs for a typical response', () => {
    const simple = {
      responses: {
        A: { frames: [Buffer.from('x'.repeat(200))] },
        B: { frames: [], error: 'e', status: 500, errorSource: 'plugin' },
      },
    };
    assert.deepEqual(encodeQueryDataResponse(simple), encodeMessage('pluginv2.QueryDataResponse', simple));
  });

  it('leaves headroom for the gRPC message header and can release frames once copied', () => {
    const big = { responses: { A: { frames: [Buffer.alloc(100_000, 3)] as Uint8Array[] } } };
    const reference = encodeMessage('pluginv2.QueryDataResponse', big);
    const framed = encodeQueryDataResponse(big, { headroom: 5, releaseFrames: true });
    assert.equal(framed.length, reference.length + 5);
    assert.deepEqual(framed.subarray(5), reference);
    assert.equal(big.responses.A.frames.length, 0, 'frame references dropped after the copy');
  });

  it('writes chunked frames (IPC writer chunks) as one bytes field, without concatenating first', () => {
    const chunks = [Buffer.from('ARROW1\0\0'), Buffer.alloc(1000, 9), Buffer.from('ARROW1')];
    const ours = encodeQueryDataResponse({ responses: { A: { frames: [chunks, Buffer.from('x')] } } });
    const reference = encodeMessage('pluginv2.QueryDataResponse', {
      responses: { A: { frames: [Buffer.concat(chunks), Buffer.from('x')] } },
    });
    assert.deepEqual(ours, reference);
  });

  it('encodes an empty response', () => {
    assert.equal(encodeQueryDataResponse({ responses: {} }).length, 0);
  });
});

describe('QueryDataResponse encoder, as pieces for the pre-framed send path', () => {
  it('pieces concatenate to the same bytes, with large frames and frame chunks referenced', () => {
    const big = Buffer.alloc(200_000, 5);
    const chunks = [Buffer.from('ARROW1\0\0'), Buffer.alloc(100_000, 9), Buffer.from('ARROW1')];
    const make = () => ({
      responses: {
        A: { frames: [chunks, Buffer.from('small frame')] },
        B: { frames: [big], error: 'x'.repeat(70_000), status: 500, errorSource: 'plugin' },
        C: { frames: [] },
      },
    });
    const reference = encodeQueryDataResponse(make());
    const { pieces, messageLength } = encodeQueryDataResponsePieces(make(), { headroom: 5 });
    assert.equal(messageLength, reference.length);
    assert.deepEqual(Buffer.concat(pieces).subarray(5), reference);
    // The frames' own buffers are among the pieces (not copies of them).
    assert.ok(pieces.includes(big));
    assert.ok(pieces.includes(chunks[1]));
  });

  it('releases the frame references when asked', () => {
    const message = { responses: { A: { frames: [[Buffer.alloc(80_000, 1)]] as Uint8Array[][] } } };
    const { pieces } = encodeQueryDataResponsePieces(message, { releaseFrames: true });
    assert.equal(message.responses.A.frames.length, 0);
    assert.equal(
      Buffer.concat(pieces).length,
      encodeMessage('pluginv2.QueryDataResponse', { responses: { A: { frames: [Buffer.alloc(80_000, 1)] } } }).length
    );
  });
});
