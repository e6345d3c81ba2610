// Cost of carrying glibc: time from spawn to Grafana's handshake line for the Linux launcher
// (dist/gpx_micromegas_linux_<arch>: sh → bundled ld.so → the SEA) against the same SEA started
// directly on this machine's glibc, launches interleaved, in one run. Prints the medians, their
// ratio (target ≤ 1.05) and the size the bundled glibc adds to the zip.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';

const root = path.resolve(__dirname, '..', '..');
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const launcher = path.join(root, 'dist', `gpx_micromegas_linux_${arch}`);
const libDir = path.join(root, 'dist', 'lib', `linux_${arch}`);
const sea = path.join(libDir, 'gpx_micromegas');
const RUNS = 15;

function timeToHandshake(exe: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(exe, [], {
      env: { grafana_plugin_type: 'datasource', PLUGIN_PROTOCOL_VERSIONS: '2' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    child.on('error', reject);
    child.stdout.once('data', () => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      child.kill('SIGKILL');
      child.on('exit', () => resolve(ms));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  if (process.platform !== 'linux' || !existsSync(launcher) || !existsSync(sea)) {
    console.log(`skipped: needs Linux and ${path.relative(root, launcher)} (npm run build:backend)`);
    return;
  }
  const plain: number[] = [];
  const bundled: number[] = [];
  await timeToHandshake(sea); // warm the page cache for both
  await timeToHandshake(launcher);
  for (let i = 0; i < RUNS; i++) {
    plain.push(await timeToHandshake(sea));
    bundled.push(await timeToHandshake(launcher));
  }
  const ratio = median(bundled) / median(plain);
  console.log(
    `time to handshake, p50 of ${RUNS}: host glibc ${median(plain).toFixed(0)} ms, bundled glibc (launcher) ${median(bundled).toFixed(0)} ms: ×${ratio.toFixed(2)} (target ≤ 1.05)`
  );
  let raw = 0;
  let zipped = 0;
  for (const f of readdirSync(libDir).filter((n) => n !== 'gpx_micromegas')) {
    raw += statSync(path.join(libDir, f)).size;
    zipped += deflateRawSync(readFileSync(path.join(libDir, f))).length;
  }
  const seaZipped = deflateRawSync(readFileSync(sea)).length;
  console.log(
    `bundled glibc: ${(raw / 1e6).toFixed(1)} MB (${(zipped / 1e6).toFixed(1)} MB deflated): the executable's zip ×${((seaZipped + zipped) / seaZipped).toFixed(3)}`
  );
}

void main();
