// The encoder and the JSON decoder against the frame Grafana's own SDK wrote
// (shared/testdata/grafana-sdk): same metadata, types, values and browser JSON.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import * as arrow from 'apache-arrow';

import { encodeFrame, type FieldType, type Frame } from '../../pkg/frames';
import { frameToJson } from '../harness/frame-json';
import { assertGrafanaFrame, readFrame } from '../harness/frame-validate';
import { requiredSkip } from '../harness/required';

const dir = path.resolve(import.meta.dirname, '../../../shared/testdata/grafana-sdk');
const skip = requiredSkip(
  existsSync(dir)
    ? false
    : `../shared/testdata/grafana-sdk not found (${dir}): clone the shared test data beside the repository`
);

function golden() {
  const arrowBytes = new Uint8Array(readFileSync(path.join(dir, 'all_types.golden.arrow')));
  const json = JSON.parse(readFileSync(path.join(dir, 'all_types.golden.json'), 'utf8')) as unknown;
  return { arrowBytes, json };
}

/** The golden frame rebuilt through our frame model (fields from the decoded columns). */
function rebuild(table: arrow.Table): Frame {
  const md = table.schema.metadata;
  return {
    name: md.get('name'),
    refId: md.get('refId'),
    meta: JSON.parse(md.get('meta')!),
    fields: table.schema.fields.map((f, i) => ({
      name: f.name,
      type: f.metadata.get('tstype') as FieldType,
      chunks: [...table.getChildAt(i)!.data],
      nullable: f.nullable,
      labels: f.metadata.has('labels') ? JSON.parse(f.metadata.get('labels')!) : undefined,
      config: f.metadata.has('config') ? JSON.parse(f.metadata.get('config')!) : undefined,
    })),
  };
}

function parsedMetadata(m: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of m) {
    out[k] = k === 'name' || k === 'refId' || k === 'tstype' ? v : JSON.parse(v);
  }
  return out;
}

function rawValues(v: arrow.Vector): unknown[] {
  const out: unknown[] = [];
  for (const d of v.data) {
    for (let i = 0; i < d.length; i++) {
      const valid = d.nullCount === 0 || (d.nullBitmap[(d.offset + i) >> 3] & (1 << ((d.offset + i) & 7))) !== 0;
      if (!valid) {
        out.push(null);
      } else if (d.type.typeId === arrow.Type.Timestamp) {
        out.push((d.values as unknown as BigInt64Array)[i]);
      } else {
        const x = arrow.makeVector(d).get(i);
        out.push(x instanceof Uint8Array ? Buffer.from(x).toString() : x);
      }
    }
  }
  return out;
}

describe('golden frame from grafana-plugin-sdk-go', { skip }, () => {
  it('frame-json decodes all_types.golden.arrow to all_types.golden.json', () => {
    const { arrowBytes, json } = golden();
    assert.deepEqual(frameToJson(arrowBytes), json);
  });

  it('the validator accepts the SDK frame', () => {
    assertGrafanaFrame(golden().arrowBytes);
  });

  it('our model + encoder reproduce the golden frame', () => {
    const { arrowBytes, json } = golden();
    const original = readFrame(arrowBytes);
    const ours = encodeFrame(rebuild(original));
    assertGrafanaFrame(ours);
    const back = readFrame(ours);
    assert.deepEqual(parsedMetadata(back.schema.metadata), parsedMetadata(original.schema.metadata));
    assert.equal(back.schema.fields.length, original.schema.fields.length);
    original.schema.fields.forEach((f, i) => {
      const g = back.schema.fields[i];
      assert.equal(g.name, f.name);
      assert.equal(String(g.type), String(f.type), f.name);
      assert.equal(g.nullable, f.nullable, f.name);
      assert.deepEqual(parsedMetadata(g.metadata), parsedMetadata(f.metadata), f.name);
      assert.deepEqual(rawValues(back.getChildAt(i)!), rawValues(original.getChildAt(i)!), f.name);
    });
    assert.deepEqual(frameToJson(ours), json);
  });
});
