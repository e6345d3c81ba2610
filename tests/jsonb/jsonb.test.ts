// JSONB codec against the byte vectors of the jsonb crate's own tests
// (datafuselabs/jsonb tests/it/encode.rs and decode.rs), in both directions.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { decodeJsonb, encodeJsonb, jsonbToJson, JsonbError, type JsonValue } from '../../pkg/jsonb';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// [JSON value, crate bytes]
const VECTORS: Array<[string, JsonValue, string]> = [
  ['null', null, '20000000 00000000'],
  ['true', true, '20000000 40000000'],
  ['false', false, '20000000 30000000'],
  ['string', 'asd', '20000000 10000003 617364'],
  ['utf-8 string', '测试', '20000000 10000006 e6b58be8af95'],
  ['newline string', '\n', '20000000 10000001 0a'],
  ['zero', 0, '20000000 20000001 00'],
  ['-100', -100, '20000000 20000002 409c'],
  ['i8 min', -128, '20000000 20000002 4080'],
  ['i16 min', -32768, '20000000 20000003 408000'],
  ['i16 max as unsigned', 32767, '20000000 20000003 507fff'],
  ['i32 min', -2147483648, '20000000 20000005 4080000000'],
  ['i64 min', -9223372036854775808n, '20000000 20000009 408000000000000000'],
  ['100', 100, '20000000 20000002 5064'],
  ['u8 max', 255, '20000000 20000002 50ff'],
  ['u16 max', 65535, '20000000 20000003 50ffff'],
  ['u32 max', 4294967295, '20000000 20000005 50ffffffff'],
  ['u64 max', 18446744073709551615n, '20000000 20000009 50ffffffffffffffff'],
  ['+inf', Infinity, '20000000 20000001 20'],
  ['-inf', -Infinity, '20000000 20000001 30'],
  ['0.0123', 0.0123, '20000000 20000009 603f8930be0ded288d'],
  ['1.2e308', 1.2e308, '20000000 20000009 607fe55c576d815726'],
  ['array', [false, true], '80000002 30000000 40000000'],
  ['object', { asd: 'adf' }, '40000001 10000003 10000003 617364 616466'],
];

// Values where the crate's signed vectors (e.g. i8::MAX as Int64) differ from how a
// parsed JSON number is stored (non-negative → unsigned), checked on decode only.
const DECODE_ONLY: Array<[string, JsonValue, string]> = [
  ['i8 max (signed encoding)', 127, '20000000 20000002 407f'],
  ['i16 max (signed encoding)', 32767, '20000000 20000003 407fff'],
  ['i32 max (signed encoding)', 2147483647, '20000000 20000005 407fffffff'],
  ['i64 max (signed encoding)', 9223372036854775807n, '20000000 20000009 407fffffffffffffff'],
];

describe('JSONB decode (crate vectors)', () => {
  for (const [name, value, bytes] of [...VECTORS, ...DECODE_ONLY]) {
    test(name, () => {
      assert.deepEqual(decodeJsonb(hex(bytes)), value);
    });
  }
});

describe('JSONB encode (crate vectors)', () => {
  for (const [name, value, bytes] of VECTORS) {
    test(name, () => {
      assert.equal(Buffer.from(encodeJsonb(value)).toString('hex'), Buffer.from(hex(bytes)).toString('hex'));
    });
  }
});

describe('nested containers and JSON text', () => {
  test('a nested object/array uses container entries with their byte length', () => {
    const value = { a: [1, 'x'], b: { c: null } };
    const bytes = encodeJsonb(value);
    // Header: object with 2 entries; 2 key entries, then 2 value entries of type container (0x5…).
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(view.getUint32(0), 0x40000002);
    assert.equal(view.getUint32(12) >>> 28, 0x5);
    assert.equal(view.getUint32(16) >>> 28, 0x5);
    // The first nested container is the array [1, "x"]: header + 2 entries + 2 + 1 bytes.
    assert.equal(view.getUint32(12) & 0x0fffffff, 4 + 8 + 2 + 1);
    assert.deepEqual(decodeJsonb(bytes), value);
    assert.equal(jsonbToJson(bytes), '{"a":[1,"x"],"b":{"c":null}}');
  });

  test('object key order is preserved (preserve_order feature)', () => {
    assert.equal(jsonbToJson(encodeJsonb({ zeta: '1', alpha: '2' })), '{"zeta":"1","alpha":"2"}');
  });

  test('big integers stay exact in JSON text', () => {
    assert.equal(jsonbToJson(hex('20000000 20000009 50ffffffffffffffff')), '18446744073709551615');
    assert.equal(jsonbToJson(hex('20000000 20000001 20')), 'null');
  });

  test('truncated or unknown bytes give a clear JsonbError', () => {
    assert.throws(() => decodeJsonb(hex('4000')), JsonbError);
    assert.throws(() => decodeJsonb(hex('40000001 10000003 10000003 6173')), /overruns/);
    assert.throws(() => decodeJsonb(hex('20000000 20000002 99ff')), /unknown number tag 0x99/);
    assert.throws(() => decodeJsonb(hex('20000000 10000001 ff')), /not UTF-8/);
  });
});
