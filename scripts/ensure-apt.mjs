// Debian packages the build and the ship tests need, installed with apt when missing and we
// are root (CI runs as root); otherwise an explanation of what to install.
//   - libc6-<arch>-cross, libstdc++6-<arch>-cross, libgcc-s1-<arch>-cross: the glibc a
//     cross-built Linux executable carries (build-backend.mjs, --arch arm64 on amd64)
//   - busybox-static: the only program in the empty root the executables are tested in
//   - qemu-user-static: runs the arm64 executable on an amd64 machine
//   - wine64: runs the Windows executable
//   node scripts/ensure-apt.mjs [cross-arm64] [busybox] [qemu] [wine]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** Debian architecture → GNU triple of its cross packages (files under /usr/<triple>/lib). */
const TRIPLES = { amd64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };

/** What each need is: its packages and the files that prove it is installed. */
export const NEEDS = {
  busybox: { packages: ['busybox-static'], files: ['/bin/busybox'] },
  qemu: { packages: ['qemu-user-static'], files: ['/usr/bin/qemu-aarch64-static'] },
  wine: { packages: ['wine64'], files: ['/usr/lib/wine/wine64'] },
  ...Object.fromEntries(
    Object.entries(TRIPLES).map(([arch, triple]) => [
      `cross-${arch}`,
      {
        packages: [`libc6-${arch}-cross`, `libstdc++6-${arch}-cross`, `libgcc-s1-${arch}-cross`],
        files: ['libc.so.6', 'libstdc++.so.6', 'libgcc_s.so.1'].map((f) => `/usr/${triple}/lib/${f}`),
      },
    ])
  ),
};

let updated = false;

/** @returns {{ ok: true } | { ok: false, reason: string }} */
export function ensureApt(...needs) {
  const unknown = needs.filter((n) => !NEEDS[n]);
  if (unknown.length) {
    return { ok: false, reason: `unknown need(s) ${unknown.join(', ')}; known: ${Object.keys(NEEDS).join(', ')}` };
  }
  const missing = needs.filter((n) => !NEEDS[n].files.every((f) => existsSync(f)));
  if (missing.length === 0) {
    return { ok: true };
  }
  const packages = missing.flatMap((n) => NEEDS[n].packages);
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) {
    return { ok: false, reason: `missing ${packages.join(', ')}: on Debian/Ubuntu run (as root) ${install}` };
  }
  console.log(`installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Test files run in parallel and may install at the same time: wait for apt's lock.
  const lock = ['-o', 'DPkg::Lock::Timeout=600'];
  for (const args of [
    ...(updated ? [] : [['update', '-qq', ...lock]]),
    ['install', '-y', '-qq', '--no-install-recommends', ...lock, ...packages],
  ]) {
    const res = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (res.status !== 0) {
      return { ok: false, reason: `apt-get ${args.join(' ')} failed (exit ${res.status}); run ${install}` };
    }
    updated ||= args[0] === 'update';
  }
  const still = missing.filter((n) => !NEEDS[n].files.every((f) => existsSync(f)));
  return still.length === 0
    ? { ok: true }
    : { ok: false, reason: `apt-get installed ${packages.join(' ')} but ${still.join(', ')} is still missing` };
}

/** The folder holding Debian's glibc, libstdc++ and libgcc_s for `debArch`, installed if need be. */
export function ensureCrossGlibc(debArch) {
  const triple = TRIPLES[debArch];
  if (!triple) {
    return { ok: false, reason: `no Debian cross packages known for ${debArch}` };
  }
  const r = ensureApt(`cross-${debArch}`);
  return r.ok ? { ok: true, dir: path.join('/usr', triple, 'lib') } : r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureApt(...process.argv.slice(2));
  if (!r.ok) {
    console.error(r.reason);
    process.exit(1);
  }
  console.log(`installed: ${process.argv.slice(2).join(', ') || '(nothing asked)'}`);
}
