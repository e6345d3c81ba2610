#!/usr/bin/env node
// `npm start`: builds what is missing (the frontend dist/module.js, the backend executable),
// then runs the dev server and the browser sandbox (dev/sandbox/run.ts) until Ctrl+C.
//   npm start [-- --port 3000] [-- --micromegas grpc://host:port] [-- --rebuild]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rebuild = args.includes('--rebuild');
const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts ?? {};

function build(script, output) {
  if (!rebuild && existsSync(path.join(root, output))) {
    return;
  }
  if (!scripts[script]) {
    console.error(`${output} is missing and package.json has no "${script}" script to build it`);
    process.exit(1);
  }
  console.log(`building ${output} (npm run ${script}) …`);
  const res = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`npm run ${script} failed (exit ${res.status}); fix the build and run npm start again`);
    process.exit(1);
  }
}

build('build', 'dist/module.js');
build('build:backend', 'dist/gpx_micromegas_linux_amd64');

const child = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'dev', 'sandbox', 'run.ts'), ...args.filter((a) => a !== '--rebuild')],
  {
    cwd: root,
    stdio: 'inherit',
  }
);
// Ctrl+C reaches the whole process group; forward other stop signals and wait for a clean stop.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
