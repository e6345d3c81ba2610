// The sandbox's HTTP server: serves the host page, the built plugin (dist/ as
// /public/plugins/<id>/…) and emulates the Grafana routes a data source frontend calls by
// forwarding them to the real backend executable over the plugin protocol
// (tests/harness/grafana-host.ts launches it exactly as Grafana does).
//   npx tsx dev/sandbox/server.ts --micromegas grpc://127.0.0.1:50051 [--port 3000]
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { buildDir, buildHost } from './build';
import { hostedGrafana, type HostedGrafana } from './hosts';
import { DS_UID, PLUGIN_ID, SettingsError, SettingsStore } from './settings-store';
import { dataQueryFromPanel, queryResponseBody, type PanelQueryBody } from './ds-query';
import { GrafanaHost, pluginContext, REPO_ROOT } from '../../tests/harness/grafana-host';

// SANDBOX_DIST_DIR serves another build of the plugin (e.g. a dev build) instead of dist/.
const iconsDir = (host: HostedGrafana) =>
  path.join(host.dir, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
const DIST_DIR = path.resolve(process.env.SANDBOX_DIST_DIR ?? path.join(REPO_ROOT, 'dist'));
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface SandboxOptions {
  /** HTTP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Initial jsonData of the data source (e.g. { url: 'grpc://127.0.0.1:50051' }). */
  jsonData?: Record<string, unknown>;
  /** Initial secrets (secureJsonData). */
  secureJsonData?: Record<string, string>;
  /** Extra environment for the backend process (e.g. its log level). */
  backendEnv?: Record<string, string>;
  /** Log each request to stderr. */
  verbose?: boolean;
  /** The Grafana host (dev/sandbox/hosts/<name>) whose shared modules module.js runs on. */
  grafana?: string;
}

export interface Sandbox {
  url: string;
  port: number;
  settings: SettingsStore;
  /** The backend process currently serving (restarted on demand if it died). */
  backend(): Promise<GrafanaHost>;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message);
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const page = (host: HostedGrafana) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Micromegas plugin sandbox</title>
<link rel="icon" href="/public/plugins/${PLUGIN_ID}/img/logo.svg">
<link rel="stylesheet" href="/sandbox/host.css">
<script>
  // What Grafana's index.html sets before its bundle runs: boot data and the public path
  // (@grafana/ui derives icon and font URLs from it).
  window.__grafana_public_path__ = '/public/';
  window.grafanaBootData = {
    user: { id: 1, login: 'admin', name: 'Admin', orgId: 1, orgRole: 'Admin', isSignedIn: true, theme: 'dark', timezone: 'utc', locale: 'en-US', language: 'en-US' },
    settings: { appSubUrl: '', appUrl: location.origin + '/', buildInfo: { version: '${host.grafanaVersion}', edition: 'Open Source' }, featureToggles: {}, datasources: {}, panels: {} },
    navTree: [],
    assets: {}
  };
</script>
<style>html,body{margin:0;min-height:100%}</style>
</head>
<body>
<div id="root"></div>
<script src="/sandbox/host.js"></script>
</body>
</html>
`;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Serves a file below root; refuses paths that escape it. */
function sendFile(res: http.ServerResponse, root: string, relative: string): void {
  const file = path.resolve(root, '.' + path.posix.normalize('/' + relative));
  if (!file.startsWith(root + path.sep)) {
    throw new HttpError(403, 'path outside the served folder');
  }
  if (!existsSync(file) || !statSync(file).isFile()) {
    const hint =
      root === DIST_DIR
        ? ' (build the plugin with `npm run build`)'
        : root.includes(`${path.sep}.build${path.sep}`)
          ? ' (the host bundle is built by `npm start` / dev/sandbox/build.ts)'
          : '';
    throw new HttpError(404, `not found: ${relative}${hint}`);
  }
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Cache-Control': 'no-store',
  });
  createReadStream(file).pipe(res);
}

// Grafana ships Inter and Roboto Mono; npm packages do not. Stand in with local system fonts.
const FONT_STAND_INS = [
  {
    match: /\/roboto\//,
    files: [
      '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
      '/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf',
    ],
  },
  {
    match: /Medium|Bold/,
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
      '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    ],
  },
  {
    match: /Italic/,
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf',
      '/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf',
    ],
  },
  {
    match: /./,
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
      '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    ],
  },
];

function sendFont(res: http.ServerResponse, urlPath: string): void {
  const file = FONT_STAND_INS.find((f) => f.match.test(urlPath))?.files.find((f) => existsSync(f));
  if (!file) {
    res.writeHead(204);
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'font/ttf', 'Cache-Control': 'max-age=3600' });
  createReadStream(file).pipe(res);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  if (body.length === 0) {
    throw new HttpError(400, 'request body is empty; expected JSON');
  }
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function grpcMessage(err: unknown): string {
  const e = err as { details?: string; message?: string };
  return e.details || e.message || String(err);
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = hostedGrafana(options.grafana);
  await buildHost({ quiet: true, host });
  const BUILD_DIR = buildDir(host);
  const ICONS_DIR = iconsDir(host);
  const PAGE = page(host);
  const settings = new SettingsStore(
    options.jsonData ?? { url: 'grpc://127.0.0.1:50051', authType: 'none' },
    options.secureJsonData
  );
  let backend: Promise<GrafanaHost> | undefined;
  let stopping = false;

  // Grafana restarts a backend plugin that died; so does the sandbox, on the next request.
  const getBackend = async (): Promise<GrafanaHost> => {
    if (backend) {
      const current = await backend.catch(() => undefined);
      if (current?.running) {
        return current;
      }
    }
    backend = GrafanaHost.start({ env: options.backendEnv });
    return backend;
  };
  await getBackend();

  const ctx = () => pluginContext(settings.contextOptions());

  const checkUid = (uid: string) => {
    if (uid !== DS_UID) {
      throw new HttpError(404, `data source with uid "${uid}" not found (the sandbox serves "${DS_UID}")`);
    }
  };

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const p = url.pathname;
    let m: RegExpMatchArray | null;

    if (
      method === 'GET' &&
      (p === '/' || p === '/config' || p === '/panel' || p === '/variables' || p === '/dashboard')
    ) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(PAGE);
      return;
    }
    if (method === 'GET' && p.startsWith('/sandbox/')) {
      return sendFile(res, BUILD_DIR, p.slice('/sandbox/'.length));
    }
    // @grafana/ui 12+ asks for icons under public/build/img/icons/, 11.x under public/img/icons/.
    const iconPrefix = ['/public/build/img/icons/', '/public/img/icons/'].find((prefix) => p.startsWith(prefix));
    if (method === 'GET' && iconPrefix) {
      const rel = p.slice(iconPrefix.length);
      if (existsSync(path.join(ICONS_DIR, path.posix.normalize('/' + rel)))) {
        return sendFile(res, ICONS_DIR, rel);
      }
      // Grafana's own build has a few icons more than @grafana/ui's package: draw nothing for those.
      res.writeHead(200, { 'Content-Type': 'image/svg+xml', 'X-Sandbox-Placeholder': 'icon not in @grafana/ui' });
      res.end('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>');
      return;
    }
    if (method === 'GET' && p.startsWith('/public/fonts/')) {
      return sendFont(res, p);
    }
    if (method === 'GET' && p.startsWith(`/public/plugins/${PLUGIN_ID}/`)) {
      return sendFile(res, DIST_DIR, p.slice(`/public/plugins/${PLUGIN_ID}/`.length));
    }

    if (method === 'POST' && p === '/api/ds/query') {
      const body = (await readJson(req)) as PanelQueryBody;
      const queries = dataQueryFromPanel(body, DS_UID, (msg) => new HttpError(400, msg));
      let responses;
      try {
        responses = await (await getBackend()).queryData(ctx(), queries);
      } catch (err) {
        throw new HttpError(502, `Plugin unavailable: ${grpcMessage(err)}`);
      }
      const { status, body: out } = queryResponseBody(queries, responses);
      return sendJson(res, status, out);
    }

    if ((m = p.match(/^\/api\/datasources\/uid\/([^/]+)\/health$/)) && method === 'GET') {
      checkUid(decodeURIComponent(m[1]));
      let result;
      try {
        result = await (await getBackend()).checkHealth(ctx());
      } catch (err) {
        throw new HttpError(502, `Plugin health check failed: ${grpcMessage(err)}`);
      }
      // Grafana answers 400 when the plugin reports ERROR, with the same body shape.
      return sendJson(res, result.status === 'OK' ? 200 : 400, {
        status: result.status,
        message: result.message,
        ...(result.details !== undefined ? { details: result.details } : {}),
      });
    }

    if ((m = p.match(/^\/api\/datasources\/uid\/([^/]+)\/resources\/(.*)$/))) {
      checkUid(decodeURIComponent(m[1]));
      const resourcePath = m[2];
      const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      const headers: Record<string, string[]> = {};
      for (const name of ['content-type', 'accept']) {
        const v = req.headers[name];
        if (typeof v === 'string') {
          headers[name === 'content-type' ? 'Content-Type' : 'Accept'] = [v];
        }
      }
      let result;
      try {
        result = await (
          await getBackend()
        ).callResource(ctx(), { path: resourcePath, method, url: resourcePath + url.search, body, headers });
      } catch (err) {
        throw new HttpError(502, `Plugin resource call failed: ${grpcMessage(err)}`);
      }
      const outHeaders: Record<string, string> = { 'Cache-Control': 'no-store' };
      for (const [k, v] of Object.entries(result.headers)) {
        if (v.length) {
          outHeaders[k] = v.join(', ');
        }
      }
      res.writeHead(result.code || 200, outHeaders);
      res.end(result.body);
      return;
    }

    if ((m = p.match(/^\/api\/datasources\/uid\/([^/]+)$/))) {
      checkUid(decodeURIComponent(m[1]));
      if (method === 'GET') {
        return sendJson(res, 200, settings.get());
      }
      if (method === 'PUT') {
        try {
          const saved = settings.update(await readJson(req));
          return sendJson(res, 200, {
            datasource: saved,
            id: saved.id,
            message: 'Datasource updated',
            name: saved.name,
          });
        } catch (err) {
          if (err instanceof SettingsError) {
            throw new HttpError(400, err.message);
          }
          throw err;
        }
      }
    }

    throw new HttpError(404, `no sandbox route for ${method} ${p}`);
  }

  const server = http.createServer((req, res) => {
    route(req, res)
      .then(() => {
        if (options.verbose) {
          console.error(`${req.method} ${req.url} → ${res.statusCode}`);
        }
      })
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : 500;
        const message = err instanceof Error ? err.message : String(err);
        if (options.verbose || status >= 500) {
          console.error(`${req.method} ${req.url} → ${status}: ${message}`);
        }
        if (res.headersSent) {
          res.destroy();
        } else {
          sendJson(res, status, { message });
        }
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    settings,
    backend: getBackend,
    async stop() {
      if (stopping) {
        return;
      }
      stopping = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const b = await backend?.catch(() => undefined);
      if (b?.running) {
        await b.shutdown(5000).catch(() => b.kill());
      }
    },
  };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const micromegas = argValue('--micromegas') ?? 'grpc://127.0.0.1:50051';
  startSandbox({
    port: Number(argValue('--port') ?? 3000),
    jsonData: { url: micromegas, authType: 'none' },
    verbose: process.argv.includes('--verbose'),
    grafana: argValue('--grafana'),
  })
    .then((sb) => {
      console.log(`sandbox: ${sb.url}/panel  (data source → ${micromegas})`);
      const stop = () => void sb.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
