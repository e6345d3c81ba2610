// The Grafana versions the sandbox can host module.js on. Each folder holds a package.json (and
// lock) with the modules that Grafana version shares with plugins (React, @grafana/data/ui/
// runtime…) plus the parts of Grafana's own app published on npm (@grafana/scenes). They are
// installed apart from the repository's node_modules, which holds what the plugin is built with,
// because npm cannot hold two React majors in one tree. `ensureHostInstalled` runs `npm ci` in
// the folder when its node_modules is missing or older than its lock.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface HostedGrafana {
  /** Folder name under dev/sandbox/hosts/. */
  name: string;
  dir: string;
  /** The @grafana/* version (what Grafana's boot data reports as its version). */
  grafanaVersion: string;
  reactVersion: string;
}

export const HOSTS_DIR = __dirname;

// hosts.json: the default host (`npm start`, a browser test run without SANDBOX_GRAFANA), the
// hosts scripts/run-tests.mjs runs the browser tests on (the newest Grafana on React 19, the
// oldest supported 12.x on React 18), and every host.
const HOSTS = JSON.parse(readFileSync(path.join(HOSTS_DIR, 'hosts.json'), 'utf8')) as {
  default: string;
  browserTests: string[];
  all: string[];
};

export const DEFAULT_HOST = HOSTS.default;
export const BROWSER_TEST_HOSTS = HOSTS.browserTests;

export function listHosts(): string[] {
  return HOSTS.all;
}

export function hostedGrafana(name = process.env.SANDBOX_GRAFANA || DEFAULT_HOST): HostedGrafana {
  const dir = path.join(HOSTS_DIR, name);
  const pkgFile = path.join(dir, 'package.json');
  if (!existsSync(pkgFile)) {
    throw new Error(`unknown sandbox host "${name}": dev/sandbox/hosts/ has ${listHosts().join(', ')}`);
  }
  const deps = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  return { name, dir, grafanaVersion: deps['@grafana/data'], reactVersion: deps.react };
}

/** Installs the host's packages (npm ci from its lock) unless they are present and current. */
export function ensureHostInstalled(host: HostedGrafana, log: (line: string) => void = console.log): void {
  const lock = path.join(host.dir, 'package-lock.json');
  const marker = path.join(host.dir, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && existsSync(lock) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) {
    return;
  }
  log(`installing the sandbox's Grafana ${host.grafanaVersion} host modules (dev/sandbox/hosts/${host.name})`);
  const res = spawnSync('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: host.dir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) {
    throw new Error(`npm ci in dev/sandbox/hosts/${host.name} failed (exit ${res.status})`);
  }
}

// `node --import tsx dev/sandbox/hosts/index.ts [name…]`: install hosts (default: the default host).
if (require.main === module) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : [DEFAULT_HOST]) {
    ensureHostInstalled(hostedGrafana(name));
  }
}
