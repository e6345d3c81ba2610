// The go-plugin host test (tests/go-host) builds against Debian's Go toolchain and
// its packaged hashicorp/go-plugin and grpc-go sources, in GOPATH mode (no module
// downloads). Installs them with apt when missing and we are root; otherwise
// explains what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const GO_PACKAGES = ['golang-go', 'golang-github-hashicorp-go-plugin-dev', 'golang-google-grpc-dev'];
/** Where Debian's golang-*-dev packages put their sources. */
export const GOPATH = process.env.GO_HOST_GOPATH || '/usr/share/gocode';
const REQUIRED_SOURCES = ['github.com/hashicorp/go-plugin/client.go', 'google.golang.org/grpc/call.go'];

/** The go binary: $GO, then PATH, then Debian's default location. */
export function findGo() {
  const candidates = [
    process.env.GO,
    ...(process.env.PATH ?? '').split(':').map((d) => d && path.join(d, 'go')),
    '/usr/lib/go/bin/go',
  ];
  return candidates.find((p) => p && existsSync(p));
}

function missing() {
  const what = [];
  if (!findGo()) {
    what.push('the go toolchain');
  }
  for (const src of REQUIRED_SOURCES) {
    if (!existsSync(path.join(GOPATH, 'src', src))) {
      what.push(`${path.dirname(src)} sources under ${GOPATH}/src`);
    }
  }
  return what;
}

/** @returns {{ ok: true, go: string } | { ok: false, reason: string }} */
export function ensureGo() {
  let gaps = missing();
  if (gaps.length === 0) {
    return { ok: true, go: findGo() };
  }
  const install = `apt-get install -y --no-install-recommends ${GO_PACKAGES.join(' ')}`;
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: `missing ${gaps.join(', ')}: run (as root) ${install}` };
  }
  console.log(`Go host prerequisites missing (${gaps.join(', ')}): installing ${GO_PACKAGES.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...GO_PACKAGES],
  ]) {
    const res = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (res.status !== 0) {
      return { ok: false, reason: `apt-get ${args.join(' ')} failed (exit ${res.status}); run ${install}` };
    }
  }
  gaps = missing();
  return gaps.length === 0
    ? { ok: true, go: findGo() }
    : { ok: false, reason: `apt-get installed ${GO_PACKAGES.join(' ')} but still missing ${gaps.join(', ')}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureGo();
  if (!r.ok) {
    console.error(r.reason);
    process.exit(1);
  }
  console.log(`go: ${r.go}; sources: ${GOPATH}`);
}
