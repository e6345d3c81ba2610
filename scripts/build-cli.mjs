#!/usr/bin/env node
// Bundles the micromegas-query CLI (pkg/micromegas/cli.ts) into one CommonJS file,
// dist-node/micromegas-query.cjs, runnable with `node` (the package.json `bin`).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outfile = path.join(root, 'dist-node', 'micromegas-query.cjs');

await build({
  entryPoints: [path.join(root, 'pkg', 'micromegas', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: false,
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${path.relative(root, outfile)}`);
