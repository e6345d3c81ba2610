// Redaction: the one redactor (src/shared/redact.ts) removes every secret kind in every
// encoding it can travel in, case-insensitively; credential-shaped text never survives,
// prose does. The exits of the executable are covered in tests/reliability/redaction.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fromGrpcError, redact as clientRedact } from '../../pkg/micromegas/errors';
import { redact, redactValue, registerSecrets } from '../../pkg/grafana/redact';
import { redactMessage } from '../../pkg/query/errors';
import { REDACTED, Redactor, secretEncodings } from '../../src/shared/redact';
import { assertNoSecret, encodingsOf } from '../reliability/secrets';

const OAUTH_SECRET = 'Zx9+/q=&%r"ké<tag>\\end';
const TOKEN = 'mmk_Abc+def/ghi=jkl';
const HEADER_VALUE = 'hdr-VALUE-1234%zz';
const CLIENT_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('the one redactor', () => {
  for (const [kind, secret] of Object.entries({
    'OAuth client secret': OAUTH_SECRET,
    token: TOKEN,
    'header value': HEADER_VALUE,
    'client key': CLIENT_KEY,
  })) {
    it(`removes a ${kind} in every encoding`, () => {
      const r = new Redactor([secret]);
      for (const [encoding, form] of Object.entries(encodingsOf(secret))) {
        const text = `idp said: invalid_client (${form}) for client_secret`;
        const out = r.redact(text);
        assertNoSecret(out, secret, `${kind} / ${encoding}`);
        assert.match(out, /idp said: invalid_client/, `${kind} / ${encoding}: the prose stays`);
      }
    });
  }

  it('derives no encoding short enough to blank ordinary words', () => {
    for (const f of secretEncodings('abcd')) {
      assert.ok(f === 'abcd' || f.length >= 6, f);
    }
  });

  it('matches bearer/basic credentials in any case, also percent-encoded', () => {
    const r = new Redactor();
    assert.equal(r.redact('authorization: bearer eyJhbGciOi.payload.sig'), `authorization: bearer ${REDACTED}`);
    assert.equal(r.redact('AUTHORIZATION: BEARER abc'), `AUTHORIZATION: BEARER ${REDACTED}`);
    assert.equal(r.redact('h=Bearer%20abc.def&x=1'), `h=Bearer%20${REDACTED}&x=1`);
    assert.equal(r.redact('Basic c3ZjOnNlY3JldA=='), `Basic ${REDACTED}`);
    assert.equal(
      r.redact('{\\"access_token\\":\\"abc\\",\\"n\\":1}'),
      `{\\"access_token\\":\\"${REDACTED}\\",\\"n\\":1}`
    );
  });

  it('the client, the pipeline and the process redact with the same rules', () => {
    const text = `Bearer zzz and ${encodeURIComponent(OAUTH_SECRET)} and bearer yyy`;
    registerSecrets([OAUTH_SECRET]);
    const expected = `Bearer ${REDACTED} and ${REDACTED} and bearer ${REDACTED}`;
    assert.equal(redact(text), expected);
    assert.equal(clientRedact(text, [OAUTH_SECRET]), expected);
    assert.equal(redactMessage(text, [OAUTH_SECRET]), expected);
    const e = fromGrpcError(
      { code: 16, details: `bad secret ${Buffer.from(OAUTH_SECRET).toString('base64')}` },
      'h:1',
      [OAUTH_SECRET]
    );
    assertNoSecret(e.message, OAUTH_SECRET, 'client error');
  });
});

describe('redaction', () => {
  registerSecrets(['s3cr3t-token-value', 'ab']);

  it('removes registered secrets wherever they appear', () => {
    assert.equal(redact('failed with s3cr3t-token-value in the header'), 'failed with [REDACTED] in the header');
    assert.equal(redact('xs3cr3t-token-valuex'), 'x[REDACTED]x');
    assert.equal(redact('failed with S3CR3T-TOKEN-VALUE'), 'failed with [REDACTED]');
  });

  it('ignores secrets too short to be meaningful', () => {
    assert.equal(redact('about a cab'), 'about a cab');
  });

  it('removes credential-shaped text', () => {
    assert.equal(redact('authorization: Bearer eyJhbGciOi.payload.sig'), 'authorization: Bearer [REDACTED]');
    assert.equal(redact('GET /x?token=abc123&x=1'), 'GET /x?token=[REDACTED]&x=1');
    assert.equal(redact('{"client_secret":"xyz","name":"n"}'), '{"client_secret":"[REDACTED]","name":"n"}');
    assert.equal(redact('key:\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n'), 'key:\n[REDACTED]\n');
  });

  it('keeps prose about tokens readable', () => {
    const text =
      'UNAUTHENTICATED: could not obtain a token: OIDC discovery at http://idp/.well-known/openid-configuration failed';
    assert.equal(redact(text), text);
  });

  it('blanks secret-named keys in structured values', () => {
    assert.deepEqual(
      redactValue({ token: 'x', nested: { clientSecret: 'y', url: 'grpc://h:1' }, list: ['s3cr3t-token-value'] }),
      {
        token: '[REDACTED]',
        nested: { clientSecret: '[REDACTED]', url: 'grpc://h:1' },
        list: ['[REDACTED]'],
      }
    );
  });
});
