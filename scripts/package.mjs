#!/usr/bin/env node
// Builds release zips in the layout Grafana's plugin installer expects:
//   <plugin-id>/plugin.json, module.js, img/…, <executable>_linux_<arch> (run bit set), README.md, CHANGELOG.md, LICENSE
// Usage: node scripts/package.mjs [--arch amd64|arm64|all] [--no-build] [--out DIR]
// Zips (as Grafana's own packaging does: one per platform, plus one for any platform):
//   <id>-<version>.linux_<arch>.zip  one per platform, holding only that platform's executable
//   <id>-<version>.zip               with --arch all: every executable; Grafana runs the file
//                                    named for its own os/arch, so one zip serves both
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const outDir = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(root, 'artifacts');
const dist = path.join(root, 'dist');
const ARCHES = ['amd64', 'arm64'];

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

const archArg = args.includes('--arch') ? args[args.indexOf('--arch') + 1] : 'amd64';
if (![...ARCHES, 'all'].includes(archArg)) {
  fail(`--arch must be one of ${[...ARCHES, 'all'].join(', ')} (got ${archArg ?? 'nothing'})`);
}
const arches = archArg === 'all' ? ARCHES : [archArg];

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
const exeName = (arch) => `${executable}_linux_${arch}`;
for (const f of ['plugin.json', 'module.js', ...arches.map(exeName), 'README.md', 'CHANGELOG.md', 'LICENSE']) {
  if (!existsSync(path.join(dist, f))) {
    const hint = f.startsWith(`${executable}_`) ? `: run \`npm run build:backend -- --arch ${archArg}\`` : '';
    fail(`dist/${f} is missing${hint}`);
  }
}

// Only release files: source maps, build caches and half-written executables stay out.
const skip = (rel) => rel.endsWith('.map') || rel.startsWith('.') || rel.includes('/.') || rel.includes('.tmp-');

/** A zip of dist/ whose executables are exactly `exes` (any other platform's is left out). */
function writeZip(file, exes) {
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
      const executableFile = name.startsWith(`${executable}_`);
      if (executableFile && !exes.includes(relPath)) {
        continue;
      }
      // adm-zip stores these Unix permission bits in the entry's external attributes.
      zip.addFile(`${id}/${relPath}`, readFileSync(abs), '', executableFile ? 0o755 : 0o644);
    }
  };
  add(dist);
  const zipPath = path.join(outDir, file);
  zip.writeZip(zipPath);
  console.log(`package: wrote ${path.relative(root, zipPath)} (${(statSync(zipPath).size / 1e6).toFixed(1)} MB)`);
}

mkdirSync(outDir, { recursive: true });
for (const arch of arches) {
  writeZip(`${id}-${version}.linux_${arch}.zip`, [exeName(arch)]);
}
if (archArg === 'all') {
  writeZip(`${id}-${version}.zip`, arches.map(exeName));
}
