#!/usr/bin/env node
// Builds the release zip in the layout Grafana's plugin installer expects:
//   <plugin-id>/plugin.json, module.js, img/…, gpx_<exe>_linux_amd64 (run bit set), README.md, CHANGELOG.md, LICENSE
// Usage: node scripts/package.mjs [--no-build] [--out DIR]
import AdmZip from 'adm-zip';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const outDir = args.includes('--out') ? path.resolve(args[args.indexOf('--out') + 1]) : path.join(root, 'artifacts');
const dist = path.join(root, 'dist');

function fail(message) {
  console.error(`package: ${message}`);
  process.exit(1);
}

if (!args.includes('--no-build')) {
  for (const script of ['build', 'build:backend']) {
    const res = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) {fail(`npm run ${script} failed`);}
  }
}

if (!existsSync(path.join(dist, 'plugin.json'))) {fail('dist/plugin.json is missing: run `npm run build` first');}
const pluginJson = JSON.parse(readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
const { id, executable } = pluginJson;
const version = pluginJson.info?.version;
const exeName = `${executable}_linux_amd64`;
const required = ['plugin.json', 'module.js', exeName, 'README.md', 'CHANGELOG.md', 'LICENSE'];
for (const f of required) {if (!existsSync(path.join(dist, f))) {fail(`dist/${f} is missing`);}}

// Only release files: source maps and build caches stay out of the zip.
const skip = (rel) => rel.endsWith('.map') || rel.startsWith('.') || rel.includes('/.');

const zip = new AdmZip();
function add(dir, rel = '') {
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    const relPath = rel ? `${rel}/${name}` : name;
    if (skip(relPath)) {continue;}
    if (statSync(abs).isDirectory()) {add(abs, relPath);}
    else {
      const executableFile = name.startsWith(`${executable}_`);
      // adm-zip stores these Unix permission bits in the entry's external attributes.
      zip.addFile(`${id}/${relPath}`, readFileSync(abs), '', executableFile ? 0o755 : 0o644);
    }
  }
}
add(dist);
mkdirSync(outDir, { recursive: true });
const zipPath = path.join(outDir, `${id}-${version}.linux_amd64.zip`);
zip.writeZip(zipPath);
console.log(`package: wrote ${path.relative(root, zipPath)} (${(statSync(zipPath).size / 1e6).toFixed(1)} MB)`);
