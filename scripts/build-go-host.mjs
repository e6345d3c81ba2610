// Builds tests/go-host (a hashicorp/go-plugin + grpc-go host, as Grafana runs
// plugins) into node_modules/.cache/go-host/go-host; skips when up to date.
//   node scripts/build-go-host.mjs
// Exit 0: built or up to date (the binary path is the last stdout line); exit 3: Go
// or the Debian sources are unavailable (reason on stderr); exit 1: the build failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureGo, GOPATH } from './ensure-go.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIR = path.join(root, 'tests', 'go-host');
export const GO_HOST_BINARY = path.join(root, 'node_modules', '.cache', 'go-host', 'go-host');

function newestSource() {
  return Math.max(
    ...readdirSync(SOURCE_DIR)
      .filter((f) => f.endsWith('.go'))
      .map((f) => statSync(path.join(SOURCE_DIR, f)).mtimeMs)
  );
}

/** @returns {{ ok: true, binary: string, built: boolean } | { ok: false, reason: string, unavailable?: boolean }} */
export function buildGoHost() {
  if (existsSync(GO_HOST_BINARY) && statSync(GO_HOST_BINARY).mtimeMs >= newestSource()) {
    return { ok: true, binary: GO_HOST_BINARY, built: false };
  }
  const go = ensureGo();
  if (!go.ok) {
    return { ...go, unavailable: true };
  }
  mkdirSync(path.dirname(GO_HOST_BINARY), { recursive: true });
  const env = {
    ...process.env,
    GO111MODULE: 'off', // Debian's sources, no module downloads
    GOPATH,
    GOCACHE: path.join(root, 'node_modules', '.cache', 'go-build'),
    GOFLAGS: '',
  };
  const res = spawnSync(go.go, ['build', '-o', GO_HOST_BINARY, '.'], { cwd: SOURCE_DIR, env, encoding: 'utf8' });
  if (res.status !== 0) {
    return { ok: false, reason: `go build of tests/go-host failed (exit ${res.status}):\n${res.stdout}${res.stderr}` };
  }
  return { ok: true, binary: GO_HOST_BINARY, built: true };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = buildGoHost();
  if (!r.ok) {
    console.error(r.reason);
    process.exit(r.unavailable ? 3 : 1);
  }
  console.log(r.built ? 'built' : 'up to date');
  console.log(r.binary);
}
