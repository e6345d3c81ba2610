// Builds the sandbox host page (React + the Grafana packages a plugin gets as externals,
// @grafana/scenes, Monaco) with esbuild into dev/sandbox/.build/<host>/, every package taken
// from one Grafana host's folder (dev/sandbox/hosts/<host>, e.g. Grafana 13 on React 19).
//   npx tsx dev/sandbox/build.ts [--force] [--grafana grafana-12.0]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { ensureHostInstalled, hostedGrafana, type HostedGrafana } from './hosts';

const here = __dirname;
const HOST_DIR = path.join(here, 'host');
const OUTPUTS = ['host.js', 'host.css', 'editor.worker.js'];

/** Where the host page of one Grafana host is built. */
export function buildDir(host: HostedGrafana = hostedGrafana()): string {
  return path.join(here, '.build', host.name);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** True when an output is missing or older than a host source, this script or the host's install. */
export function hostBuildIsStale(host: HostedGrafana = hostedGrafana()): boolean {
  const installed = path.join(host.dir, 'node_modules', '.package-lock.json');
  const sources = Math.max(
    newestMtime(HOST_DIR),
    statSync(__filename).mtimeMs,
    existsSync(installed) ? statSync(installed).mtimeMs : Infinity
  );
  return OUTPUTS.some((f) => {
    const p = path.join(buildDir(host), f);
    return !existsSync(p) || statSync(p).mtimeMs < sources;
  });
}

// @grafana/ui's .mjs files default-import some CommonJS packages that set __esModule. esbuild
// follows Node for .mjs importers (default = module.exports), webpack (Grafana's bundler)
// takes exports.default; these shims restore webpack's reading.
// (@grafana/ui 11.x also default-imports react-use's CommonJS hooks, e.g. react-use/lib/useMeasure.)
const CJS_DEFAULT_INTEROP = [/react-custom-scrollbars-2/, /react-use\/lib\/\w+/];

const cjsDefaultInterop: esbuild.Plugin = {
  name: 'cjs-default-interop',
  setup(build) {
    const filter = new RegExp(`^(${CJS_DEFAULT_INTEROP.map((re) => re.source).join('|')})$`);
    build.onResolve({ filter }, (args) => {
      if (!args.importer.endsWith('.mjs')) {
        return undefined;
      }
      return { path: require.resolve(args.path, { paths: [args.resolveDir] }), namespace: 'cjs-default-interop' };
    });
    build.onLoad({ filter: /.*/, namespace: 'cjs-default-interop' }, (args) => ({
      contents: `import def from ${JSON.stringify(args.path)};\nexport default def;\nexport * from ${JSON.stringify(args.path)};\n`,
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * Resolves every bare import of the host sources from the Grafana host's folder (its React,
 * @grafana/*, scenes); packages then resolve their own imports from there as usual. A few
 * modules not every Grafana version has (e.g. @grafana/ui/unstable before 12.x) become empty.
 */
function fromGrafanaHost(host: HostedGrafana): esbuild.Plugin {
  const OPTIONAL = new Set(['@grafana/ui/unstable']);
  return {
    name: 'grafana-host-modules',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (!args.importer.startsWith(HOST_DIR + path.sep) || args.pluginData === 'grafana-host') {
          return undefined;
        }
        const result = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: host.dir,
          pluginData: 'grafana-host',
        });
        if (result.errors.length > 0 && OPTIONAL.has(args.path)) {
          return { path: args.path, namespace: 'grafana-host-absent' };
        }
        return result;
      });
      build.onLoad({ filter: /.*/, namespace: 'grafana-host-absent' }, () => ({
        contents: 'export {};',
        loader: 'js',
      }));
    },
  };
}

// @grafana/plugin-compat (used by @grafana/scenes) imports @grafana/runtime exports that only
// newer versions have and checks them at run time, and scenes' panel builders import
// @grafana/schema defaults a given schema version may lack; webpack (Grafana's bundler) lets a
// missing named export be undefined, esbuild refuses it in ESM. These imports go through a
// CommonJS wrapper of the same module instance, whose missing names are undefined.
const LENIENT: Array<[importerPackage: string, imported: RegExp]> = [
  [`${path.sep}@grafana${path.sep}plugin-compat${path.sep}`, /^@grafana\/runtime(\/unstable)?$/],
  [`${path.sep}@grafana${path.sep}scenes${path.sep}`, /^@grafana\/schema\//],
];
const lenientRuntimeImports: esbuild.Plugin = {
  name: 'lenient-runtime-imports',
  setup(build) {
    build.onResolve({ filter: /^@grafana\/(runtime|schema)/ }, async (args) => {
      if (!LENIENT.some(([from, re]) => args.importer.includes(from) && re.test(args.path))) {
        return undefined;
      }
      const real = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir });
      // A .cjs name: esbuild reads a .mjs path as ESM whatever its contents.
      return { path: `${real.path}.cjs`, namespace: 'lenient-runtime', pluginData: real.path };
    });
    build.onLoad({ filter: /.*/, namespace: 'lenient-runtime' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.pluginData)});`,
      loader: 'js',
      resolveDir: path.dirname(args.pluginData as string),
    }));
  },
};

export async function buildHost(
  options: { force?: boolean; quiet?: boolean; host?: HostedGrafana } = {}
): Promise<void> {
  const host = options.host ?? hostedGrafana();
  ensureHostInstalled(host);
  if (!options.force && !hostBuildIsStale(host)) {
    return;
  }
  const BUILD_DIR = buildDir(host);
  mkdirSync(BUILD_DIR, { recursive: true });
  const started = Date.now();
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'browser',
    target: 'es2020',
    minify: false,
    sourcemap: false,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': JSON.stringify(process.env.SANDBOX_NODE_ENV ?? 'production'),
      global: 'globalThis',
    },
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' },
  };
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: { host: path.join(HOST_DIR, 'main.tsx') },
      outdir: BUILD_DIR,
      format: 'iife',
      jsx: 'automatic',
      plugins: [fromGrafanaHost(host), lenientRuntimeImports, cjsDefaultInterop],
      // The same Monaco instance @grafana/ui hands to @monaco-editor/react (loader.config({ monaco })).
      assetNames: 'assets/[name]-[hash]',
    }),
    // Monaco's editor worker (tokenisation, diffing, word-based suggestions) runs off the main thread.
    esbuild.build({
      ...common,
      entryPoints: {
        'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js', { paths: [host.dir] }),
      },
      outdir: BUILD_DIR,
      format: 'iife',
    }),
  ]);
  if (!options.quiet) {
    console.log(
      `sandbox host (Grafana ${host.grafanaVersion}, React ${host.reactVersion}) built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), BUILD_DIR)}`
    );
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--grafana');
  buildHost({
    force: process.argv.includes('--force'),
    host: hostedGrafana(i > 0 ? process.argv[i + 1] : undefined),
  }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
