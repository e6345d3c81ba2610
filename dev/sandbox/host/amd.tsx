// A tiny AMD loader for plugin modules, doing what Grafana's SystemJS (AMD extra) does for
// a plugin's module.js: the file calls `define([...deps], factory)`; each dependency name is
// resolved to the host's own module instance (react, @grafana/ui, …), and the special
// dependency `module` carries the file's URL, from which webpack derives its public path
// for lazily loaded chunks.

type Factory = (...deps: unknown[]) => unknown;
interface PendingDefine {
  deps: string[];
  factory: Factory | Record<string, unknown>;
}

const registry = new Map<string, unknown>();
let pending: PendingDefine[] = [];

/** Makes `name` importable by plugins; mirrors Grafana's list of shared modules. */
export function provideModule(name: string, value: unknown): void {
  registry.set(name, value);
}

/** Names with no host instance: resolving them fails with this explanation. */
function resolveDependency(name: string, moduleUrl: string): unknown {
  if (name === 'module') {
    return { id: moduleUrl, uri: moduleUrl };
  }
  if (name === 'exports' || name === 'require') {
    throw new Error(
      `plugin module ${moduleUrl} asks for AMD "${name}", which the sandbox (like Grafana) does not provide`
    );
  }
  if (registry.has(name)) {
    return registry.get(name);
  }
  // Grafana resolves deep imports of its packages (e.g. "@grafana/ui/unstable") to the same instance family.
  throw new Error(
    `plugin module ${moduleUrl} imports "${name}", which the host does not provide (see .config/bundler/externals.ts and dev/sandbox/host/externals.ts)`
  );
}

function installDefine(): void {
  const define = (a: unknown, b?: unknown, c?: unknown): void => {
    // Forms: define(factory) | define(deps, factory) | define(id, deps, factory)
    if (typeof a === 'string') {
      pending.push({ deps: (b as string[]) ?? [], factory: c as Factory });
    } else if (Array.isArray(a)) {
      pending.push({ deps: a as string[], factory: b as Factory });
    } else {
      pending.push({ deps: [], factory: a as Factory });
    }
  };
  (define as unknown as { amd: object }).amd = {};
  (window as unknown as { define: unknown }).define = define;
}

/** Loads an AMD module by URL with a <script> tag and returns its exports. */
export function loadAmdModule(url: string): Promise<Record<string, unknown>> {
  installDefine();
  const absolute = new URL(url, window.location.href).href;
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = absolute;
    script.async = true;
    script.onerror = () =>
      reject(new Error(`could not load plugin module ${absolute} (is dist/module.js built? run npm run build)`));
    script.onload = () => {
      const defs = pending;
      pending = [];
      if (defs.length !== 1) {
        reject(new Error(`plugin module ${absolute} called define() ${defs.length} times; expected exactly once`));
        return;
      }
      const { deps, factory } = defs[0];
      try {
        const exports =
          typeof factory === 'function' ? factory(...deps.map((d) => resolveDependency(d, absolute))) : factory;
        resolve((exports ?? {}) as Record<string, unknown>);
      } catch (err) {
        reject(err);
      }
    };
    document.head.appendChild(script);
  });
}
