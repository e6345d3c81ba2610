#!/usr/bin/env node
// Builds release zips in the layout Grafana's plugin installer expects:
//   <plugin-id>/plugin.json, module.js, img/…, README.md, CHANGELOG.md, LICENSE, and per platform
//   <executable>_<os>_<arch>[.exe] (run bit set); on Linux that file is a sh launcher and
//   lib/linux_<arch>/ holds the SEA with the glibc it runs on (scripts/build-backend.mjs).
// Usage: node scripts/package.mjs [--arch amd64|arm64|<os>_<arch>|all] [--no-build] [--out DIR]
// Zips (as Grafana's own packaging does: one per platform, plus one for any platform):
//   <id>-<version>.<os>_<arch>.zip  one per platform, holding only that platform's executable
//   <id>-<version>.zip              with --arch all: every executable; Grafana runs the file
//                                   named for its own os/arch, so one zip serves all
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const outDir = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(root, 'artifacts');
const dist = path.join(root, 'dist');
const PLATFORMS = ['linux_amd64', 'linux_arm64', 'windows_amd64', 'darwin_amd64'];
// The arch-only spelling means Linux.
const ALIASES = { amd64: 'linux_amd64', arm64: 'linux_arm64' };

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const archArg = args.includes('--arch') ? args[args.indexOf('--arch') + 1] : 'amd64';
const choices = [...Object.keys(ALIASES), ...PLATFORMS, 'all'];
if (!choices.includes(archArg)) {
  fail(`--arch must be one of ${choices.join(', ')} (got ${archArg ?? 'nothing'})`);
}
const platforms = archArg === 'all' ? PLATFORMS : [ALIASES[archArg] ?? archArg];

if (!args.includes('--no-build')) {
  for (const [script, extra] of [
    ['build', []],
    ['build:backend', ['--', '--arch', archArg]],
  ]) {
    const res = spawnSync('npm', ['run', '--silent', script, ...extra], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) {
      fail(`npm run ${script} failed`);
    }
  }
}

if (!existsSync(path.join(dist, 'plugin.json'))) {
  fail('dist/plugin.json is missing: run `npm run build` first');
}
const pluginJson = JSON.parse(readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
const { id, executable } = pluginJson;
const version = pluginJson.info?.version;
const exeName = (platform) => `${executable}_${platform}${platform.startsWith('windows_') ? '.exe' : ''}`;
// Linux executables start the SEA in lib/<platform>/ with the glibc bundled there.
const required = platforms.flatMap((p) => [exeName(p), ...(p.startsWith('linux_') ? [`lib/${p}/${executable}`] : [])]);
for (const f of ['plugin.json', 'module.js', ...required, 'README.md', 'CHANGELOG.md', 'LICENSE']) {
  if (!existsSync(path.join(dist, f))) {
    const hint = required.includes(f) ? `: run \`npm run build:backend -- --arch ${archArg}\`` : '';
    fail(`dist/${f} is missing${hint}`);
  }
}

// Only release files: source maps, build caches and half-written executables stay out.
const skip = (rel) => rel.endsWith('.map') || rel.startsWith('.') || rel.includes('/.') || rel.includes('.tmp-');

/** The platform a dist/ path belongs to (its executable or its lib/<platform>/ folder), if any. */
function platformOf(relPath) {
  if (relPath.startsWith('lib/')) {
    return relPath.split('/')[1];
  }
  const m = relPath.match(new RegExp(`^${executable}_(\\w+?)(\\.exe)?$`));
  return m?.[1];
}

/** A zip of dist/ holding exactly the executables of `wanted` (any other platform's is left out). */
function writeZip(file, wanted) {
  const zip = new AdmZip();
  const add = (dir, rel = '') => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (skip(relPath)) {
        continue;
      }
      if (statSync(abs).isDirectory()) {
        add(abs, relPath);
        continue;
      }
      const platform = platformOf(relPath);
      if (platform && !wanted.includes(platform)) {
        continue;
      }
      // adm-zip stores these Unix permission bits in the entry's external attributes: the
      // launchers, the SEAs and the glibc loader keep their run bit.
      const runnable = platform && (statSync(abs).mode & 0o111) !== 0;
      zip.addFile(`${id}/${relPath}`, readFileSync(abs), '', runnable ? 0o755 : 0o644);
    }
  };
  add(dist);
  const zipPath = path.join(outDir, file);
  zip.writeZip(zipPath);
  console.log(`package: wrote ${path.relative(root, zipPath)} (${(statSync(zipPath).size / 1e6).toFixed(1)} MB)`);
}

mkdirSync(outDir, { recursive: true });
for (const platform of platforms) {
  writeZip(`${id}-${version}.${platform}.zip`, [platform]);
}
if (archArg === 'all') {
  writeZip(`${id}-${version}.zip`, platforms);
}
