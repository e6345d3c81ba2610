// Browser tests drive Debian's Chromium through playwright-core (never a downloaded browser).
// Installs it with apt when missing and we are root; otherwise explains what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) {
    return { ok: true };
  }
  if (process.getuid?.() !== 0) {
    return {
      ok: false,
      reason: `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (sudo apt-get install chromium) or set CHROMIUM_PATH`,
    };
  }
  console.log('Chromium is missing: installing Debian package "chromium" with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    const res = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (res.status !== 0) {
      return { ok: false, reason: `apt-get ${args.join(' ')} failed (exit ${res.status})` };
    }
  }
  return existsSync(CHROMIUM_PATH)
    ? { ok: true }
    : { ok: false, reason: `apt-get installed chromium but ${CHROMIUM_PATH} is absent` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = ensureChromium();
  if (!r.ok) {
    console.error(r.reason);
    process.exit(1);
  }
}
