#!/usr/bin/env node
// Runs every benchmark (scripts/bench/*.ts), one after the other, through tsx.
//   node scripts/bench/run.mjs [name-filter...]
// Each benchmark prints its own figures (ratios measured within one run).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(dir, '..', '..');
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, file)], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.log(`${file} failed (exit ${res.status})`);
  }
}
console.log(`\n${benches.length - failed} benchmark(s) ran, ${failed} failed`);
process.exit(failed ? 1 : 0);
