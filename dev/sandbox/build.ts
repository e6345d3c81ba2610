// Builds the sandbox host page (React + the Grafana packages a plugin gets as externals,
// plus Monaco from node_modules) with esbuild into dev/sandbox/.build/.
//   npx tsx dev/sandbox/build.ts [--force]
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const here = __dirname;
export const BUILD_DIR = path.join(here, '.build');
const HOST_DIR = path.join(here, 'host');
const OUTPUTS = ['host.js', 'host.css', 'editor.worker.js'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** True when an output is missing or older than a host source (or this script). */
export function hostBuildIsStale(): boolean {
  const sources = Math.max(newestMtime(HOST_DIR), statSync(__filename).mtimeMs);
  return OUTPUTS.some((f) => {
    const p = path.join(BUILD_DIR, f);
    return !existsSync(p) || statSync(p).mtimeMs < sources;
  });
}

// @grafana/ui's .mjs files default-import some CommonJS packages that set __esModule. esbuild
// follows Node for .mjs importers (default = module.exports), webpack (Grafana's bundler)
// takes exports.default; these shims restore webpack's reading.
const CJS_DEFAULT_INTEROP = ['react-custom-scrollbars-2'];

const cjsDefaultInterop: esbuild.Plugin = {
  name: 'cjs-default-interop',
  setup(build) {
    const filter = new RegExp(
      `^(${CJS_DEFAULT_INTEROP.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`
    );
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

export async function buildHost(options: { force?: boolean; quiet?: boolean } = {}): Promise<void> {
  if (!options.force && !hostBuildIsStale()) {
    return;
  }
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
      plugins: [cjsDefaultInterop],
      // The same Monaco instance @grafana/ui hands to @monaco-editor/react (loader.config({ monaco })).
      assetNames: 'assets/[name]-[hash]',
    }),
    // Monaco's editor worker (tokenisation, diffing, word-based suggestions) runs off the main thread.
    esbuild.build({
      ...common,
      entryPoints: { 'editor.worker': require.resolve('monaco-editor/esm/vs/editor/editor.worker.js') },
      outdir: BUILD_DIR,
      format: 'iife',
    }),
  ]);
  if (!options.quiet) {
    console.log(
      `sandbox host built in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), BUILD_DIR)}`
    );
  }
}

if (require.main === module) {
  buildHost({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
