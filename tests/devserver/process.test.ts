// The dev server as a process: TLS flags, deterministic sample data, CLI validation,
// cancellation of slow queries.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { startDevServer, type DevServer } from '../harness/devserver';
import { hasOpenssl, makeTestPki, type TestPki } from '../harness/pki';
import { TestFlightClient, decodeStream } from './flight-client';

const NOW = '2024-05-01T12:00:00Z';
const ROOT = path.resolve(__dirname, '..', '..');

describe('TLS', { skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  let dir: string;
  let server: DevServer;
  let pki: TestPki;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'devserver-pki-'));
    pki = makeTestPki(dir);
    server = await startDevServer({
      scale: 0.01,
      now: NOW,
      hours: 2,
      tls: { certPem: pki.serverCert, keyPem: pki.serverKey },
    });
  });
  after(async () => {
    await server?.stop();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('serves grpc+tls to a client trusting the CA; plaintext clients fail', async () => {
    assert.match(server.uri, /^grpc\+tls:\/\/127\.0\.0\.1:\d+$/);
    const tls = new TestFlightClient(server.uri, grpc.credentials.createSsl(Buffer.from(pki.caPem)));
    try {
      const { rows } = await tls.table('SELECT 1 AS x');
      assert.equal(rows[0]!.x, 1n);
    } finally {
      tls.close();
    }
    const plain = new TestFlightClient(server.uri);
    try {
      const res = await plain.query('SELECT 1');
      assert.equal(res.error?.code, grpc.status.UNAVAILABLE);
    } finally {
      plain.close();
    }
  });
});

describe('sample data', () => {
  test('same seed and --now give the same data; another seed differs', async () => {
    const opts = { scale: 0.01, now: NOW, hours: 3 };
    const servers = await Promise.all([
      startDevServer({ ...opts, seed: 5 }),
      startDevServer({ ...opts, seed: 5 }),
      startDevServer({ ...opts, seed: 6 }),
    ]);
    try {
      const digests = await Promise.all(
        servers.map(async (s) => {
          const c = new TestFlightClient(s.uri);
          try {
            const { rows } = await c.table(
              "SELECT md5(string_agg(process_id || exe || CAST(time AS VARCHAR) || msg || CAST(level AS VARCHAR), ',' ORDER BY time, process_id)) AS d, count(*) AS n FROM log_entries"
            );
            return `${rows[0]!.d}/${rows[0]!.n}`;
          } finally {
            c.close();
          }
        })
      );
      assert.equal(digests[0], digests[1]);
      assert.notEqual(digests[0], digests[2]);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  });
});

describe('command line', () => {
  test('bad flags exit 2 with an actionable message', async () => {
    const cases = [
      [['--port', 'abc'], /--port must be an integer port/],
      [['--now', 'yesterday'], /--now must be an RFC 3339 timestamp/],
      [['--api-keys', '{"name":"x"}'], /--api-keys must be a JSON array/],
      [['--tls-cert', 'only-cert.pem'], /--tls-cert and --tls-key go together/],
      [['--bogus', '1'], /unknown flag --bogus/],
    ] as const;
    // In parallel: each case is a whole Node + tsx start-up.
    const results = await Promise.all(
      cases.map(
        ([args]) =>
          new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
            execFile(
              process.execPath,
              ['--import', 'tsx', path.join(ROOT, 'pkg/devserver/main.ts'), ...args],
              { cwd: ROOT },
              (err, stdout, stderr) =>
                resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr })
            );
          })
      )
    );
    results.forEach((res, i) => {
      const [args, message] = cases[i]!;
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.equal(res.stdout, '');
    });
  });
});

describe('cancellation', () => {
  let server: DevServer;
  before(async () => {
    server = await startDevServer({ scale: 0.02, now: NOW, hours: 4 });
  });
  after(async () => {
    await server?.stop();
  });

  test('back-pressure: a client that stops reading holds the server back until it resumes', async () => {
    const c = new TestFlightClient(server.uri);
    try {
      const marker = `bp_${Date.now()}`;
      const sql = `SELECT i, repeat('x', 100) || i AS ${marker} FROM generate_series(1, 200000) t(i) /* devserver:batch_rows=2000 */`;
      const call = (
        c.raw.DoGet as (
          req: unknown,
          md: grpc.Metadata
        ) => grpc.ClientReadableStream<{ data_header: Buffer; data_body: Buffer }>
      ).call(
        c.raw,
        { ticket: TestFlightClient.any('TicketStatementQuery', { statement_handle: Buffer.from(sql) }) },
        new grpc.Metadata()
      );
      let messages = 0;
      const received: Array<{ data_header: Buffer; data_body: Buffer }> = [];
      const done = new Promise<void>((resolve, reject) => {
        call.on('end', resolve);
        call.on('error', reject);
      });
      call.on('data', (d: { data_header: Buffer; data_body: Buffer }) => {
        received.push(d);
        messages++;
        if (messages === 2) {
          call.pause();
        }
      });
      // The server says when the unread data holds a query back (this is the only query in
      // flight); until the client resumes, the query must not finish (no completion line).
      const waiting = () => server.stderr().includes('back-pressure: a query waits');
      for (let i = 0; i < 200 && !waiting(); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(waiting(), `the server never waited for the paused client:\n${server.stderr()}`);
      const finishedWhilePaused = server.stderr().includes(`AS ${marker}`);
      assert.equal(finishedWhilePaused, false, 'the query must not run to completion while the client is not reading');
      call.resume();
      await done;
      const { batches } = decodeStream(received);
      assert.equal(
        batches.reduce((n, b) => n + b.numRows, 0),
        200000
      );
      assert.ok(batches.every((b) => b.numRows <= 2000));
    } finally {
      c.close();
    }
  });

  test('a cancelled slow query stops producing batches and the server keeps serving', async () => {
    const c = new TestFlightClient(server.uri);
    try {
      const ticket = TestFlightClient.any('TicketStatementQuery', {
        statement_handle: Buffer.from(
          'SELECT * FROM generate_series(1, 100000) /* devserver:batch_rows=100 */ /* devserver:delay_ms=20 */'
        ),
      });
      const res = await c.doGet(ticket, {}, { cancelAfterMessages: 3 });
      assert.equal(res.error?.code, grpc.status.CANCELLED);
      // The server logs the query as cancelled with far fewer than the 1000 batches it would send.
      let line: string | undefined;
      for (let i = 0; i < 100 && !line; i++) {
        line = server
          .stderr()
          .split('\n')
          .find((l) => l.includes('generate_series(1, 100000)') && l.includes(' cancelled'));
        if (!line) {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      assert.ok(line, `no cancelled log line in:\n${server.stderr()}`);
      assert.ok(Number(/batches=(\d+)/.exec(line)![1]) < 50);
      const { rows } = await c.table('SELECT 2 AS x');
      assert.equal(rows[0]!.x, 2n);
    } finally {
      c.close();
    }
  });
});
