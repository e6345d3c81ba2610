// Builds tests/go-host (a hashicorp/go-plugin + grpc-go host, as Grafana runs
// plugins) into node_modules/.cache/go-host/go-host; skips when up to date.
// `--baseline` builds tests/go-baseline (the minimal Go plugin the start-up
// benchmark compares with) the same way, into node_modules/.cache/go-baseline/.
//   node scripts/build-go-host.mjs [--baseline]
// Exit 0: built or up to date (the binary path is the last stdout line); exit 3: Go
// or the Debian sources are unavailable (reason on stderr); exit 1: the build failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureGo, GOPATH } from './ensure-go.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binaryOf = (name) => path.join(root, 'node_modules', '.cache', name, name);
export const GO_HOST_BINARY = binaryOf('go-host');
export const GO_BASELINE_BINARY = binaryOf('go-baseline');

function newestSource(dir) {
  return Math.max(
    ...readdirSync(dir)
      .filter((f) => f.endsWith('.go'))
      .map((f) => statSync(path.join(dir, f)).mtimeMs)
  );
}

/** @returns {{ ok: true, binary: string, built: boolean } | { ok: false, reason: string, unavailable?: boolean }} */
export function buildGoHost() {
  return buildGoProgram('go-host');
}

/** tests/go-baseline: the minimal Go plugin (go-plugin + grpc-go) of the start-up benchmark. */
export function buildGoBaseline() {
  return buildGoProgram('go-baseline');
}

function buildGoProgram(name) {
  const sourceDir = path.join(root, 'tests', name);
  const binary = binaryOf(name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= newestSource(sourceDir)) {
    return { ok: true, binary, built: false };
  }
  const go = ensureGo();
  if (!go.ok) {
    return { ...go, unavailable: true };
  }
  mkdirSync(path.dirname(binary), { recursive: true });
  const env = {
    ...process.env,
    GO111MODULE: 'off', // Debian's sources, no module downloads
    GOPATH,
    GOCACHE: path.join(root, 'node_modules', '.cache', 'go-build'),
    GOFLAGS: '',
  };
  const res = spawnSync(go.go, ['build', '-o', binary, '.'], { cwd: sourceDir, env, encoding: 'utf8' });
  if (res.status !== 0) {
    return { ok: false, reason: `go build of tests/${name} failed (exit ${res.status}):\n${res.stdout}${res.stderr}` };
  }
  return { ok: true, binary, built: true };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = process.argv.includes('--baseline') ? buildGoBaseline() : buildGoHost();
  if (!r.ok) {
    console.error(r.reason);
    process.exit(r.unavailable ? 3 : 1);
  }
  console.log(r.built ? 'built' : 'up to date');
  console.log(r.binary);
}
