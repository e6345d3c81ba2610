#!/usr/bin/env node
// Entry point of the `micromegas-query` executable (bundled by scripts/build-cli.mjs).
import { readFileSync } from 'node:fs';

import { runCli } from './cli-run';

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // `micromegas-query ... | head` closes the pipe early: not an error worth a stack trace.
  if (err.code === 'EPIPE') {
    process.exit(0);
  }
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin: () => readFileSync(0, 'utf8'),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`micromegas-query: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
);
