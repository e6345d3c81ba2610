// Redaction: registered secrets and credential-shaped text never survive, prose does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { redact, redactValue, registerSecrets } from '../../pkg/grafana/redact';

describe('redaction', () => {
  registerSecrets(['s3cr3t-token-value', 'ab']);

  it('removes registered secrets wherever they appear', () => {
    assert.equal(redact('failed with s3cr3t-token-value in the header'), 'failed with [REDACTED] in the header');
    assert.equal(redact('xs3cr3t-token-valuex'), 'x[REDACTED]x');
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
