// No Docker engine runs here, so the compose file, the provisioning and the dashboards
// are checked statically: every referenced path exists, ports and environment line up,
// and the dashboards match what the provisioning expects.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { parse } from 'yaml';

import { QUERY_FORMATS } from '../../pkg/query/model';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const pluginJson = JSON.parse(read('src/plugin.json')) as { id: string; executable: string };
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const dotenv = Object.fromEntries(
  read('.env')
    .split('\n')
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
}

const services = compose.services;
const grafana = services.grafana;
const env = grafana.environment ?? {};

/** `${VAR}` / `${VAR:-default}` references in a text. */
function references(text: string): Array<{ name: string; hasDefault: boolean }> {
  return [...text.matchAll(/\$\{(\w+)(:?-[^}]*)?\}/g)].map((m) => ({ name: m[1], hasDefault: m[2] !== undefined }));
}

/** Resolves `${VAR:-default}` with .env the way compose does. */
function resolve(value: string): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, name: string, def?: string) => dotenv[name] || def || '');
}

describe('docker-compose.yml', () => {
  test('has the build, Grafana, dev server and real-Micromegas services', () => {
    for (const name of ['plugin-build', 'grafana', 'devserver', 'postgres', 'micromegas']) {
      assert.ok(services[name], `service ${name}`);
    }
    assert.deepEqual(services.devserver.profiles, ['devserver']);
    assert.deepEqual(services.micromegas.profiles, ['micromegas']);
    assert.deepEqual(services.postgres.profiles, ['micromegas']);
    assert.match(dotenv.COMPOSE_PROFILES, /devserver/, '.env starts the dev server by default');
  });

  test('Grafana runs its default (Alpine, musl) image and loads exactly this unsigned plugin', () => {
    // The Linux executable carries its glibc (tests/ship/empty-root.test.ts), so the default
    // image works; GRAFANA_VERSION=<v>-ubuntu selects the Ubuntu one.
    assert.match(resolve(grafana.image!), /^grafana\/grafana:[\d.]+$/);
    assert.equal(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, pluginJson.id);
    assert.ok(grafana.volumes!.includes(`./dist:/var/lib/grafana/plugins/${pluginJson.id}:ro`));
    assert.ok(grafana.volumes!.includes('./provisioning:/etc/grafana/provisioning:ro'));
    assert.ok((grafana.ports ?? []).includes('3000:3000'));
    assert.equal(grafana.depends_on?.['plugin-build']?.condition, 'service_completed_successfully');
    assert.equal(grafana.depends_on?.devserver?.required, false);
    assert.equal(grafana.depends_on?.micromegas?.required, false);
  });

  test('the plugin build produces what Grafana mounts', () => {
    const command = String(services['plugin-build'].command);
    for (const script of ['build', 'build:backend']) {
      assert.ok(command.includes(`npm run ${script}`), `build runs ${script}`);
      assert.ok(packageJson.scripts[script], `package.json has ${script}`);
    }
    assert.ok(existsSync(path.join(ROOT, 'src', 'plugin.json')));
  });

  test('every bind-mounted host path and build input exists', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const volume of svc.volumes ?? []) {
        const host = volume.split(':')[0];
        if (!host.startsWith('.')) {
          assert.ok(compose.volumes && host in compose.volumes, `${name}: named volume ${host} is declared`);
          continue;
        }
        if (host === './dist') {
          continue;
        } // produced by plugin-build
        assert.ok(existsSync(path.join(ROOT, host)), `${name}: ${host} exists`);
      }
      if (svc.build) {
        const dockerfile = path.join(ROOT, svc.build.context, svc.build.dockerfile);
        assert.ok(existsSync(dockerfile), `${name}: ${svc.build.dockerfile}`);
        for (const m of readFileSync(dockerfile, 'utf8').matchAll(/^COPY (.+) \S+$/gm)) {
          for (const src of m[1].split(/\s+/)) {
            assert.ok(existsSync(path.join(ROOT, svc.build.context, src)), `${name}: COPY ${src}`);
          }
        }
        const entry = readFileSync(dockerfile, 'utf8').match(/"(pkg\/[^"]+\.ts)"/);
        assert.ok(entry && existsSync(path.join(ROOT, entry[1])), `${name}: entry point exists`);
      }
    }
  });

  test("every source file a built image's entry point imports is copied into the image", async () => {
    // The image runs its TypeScript entry through tsx, so each file it imports must be COPYed.
    const esbuild = await import('esbuild');
    for (const [name, svc] of Object.entries(services)) {
      if (!svc.build) {
        continue;
      }
      const dockerfile = readFileSync(path.join(ROOT, svc.build.context, svc.build.dockerfile), 'utf8');
      const copied = [...dockerfile.matchAll(/^COPY (.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
      const entry = dockerfile.match(/"(pkg\/[^"]+\.ts)"/)![1];
      const built = await esbuild.build({
        entryPoints: [path.join(ROOT, entry)],
        bundle: true,
        write: false,
        platform: 'node',
        packages: 'external',
        metafile: true,
        logLevel: 'silent',
      });
      for (const input of Object.keys(built.metafile.inputs)) {
        assert.ok(
          copied.some((c) => input === c || input.startsWith(`${c.replace(/\/$/, '')}/`)),
          `${name}: ${input} is imported by ${entry} but not copied into the image (COPY ${copied.join(', ')})`
        );
      }
    }
  });

  test('ports line up: the dev server listens where the data source points', () => {
    const command = services.devserver.command as string[];
    const port = command[command.indexOf('--port') + 1];
    assert.ok(services.devserver.ports!.includes(`${port}:${port}`));
    assert.equal(resolve(env.MICROMEGAS_URL), `grpc://devserver:${port}`);
    assert.ok(services.micromegas.ports!.includes('50051:50051'));
    assert.ok(String(services.micromegas.command).includes('--disable-auth'));
  });

  test('every ${VAR} is defined in .env or has a default; provisioning variables reach Grafana', () => {
    for (const ref of references(read('docker-compose.yml'))) {
      assert.ok(ref.hasDefault || ref.name in dotenv, `${ref.name} has a default or is in .env`);
    }
    for (const file of readdirSync(path.join(ROOT, 'provisioning', 'datasources'))) {
      for (const ref of references(read(`provisioning/datasources/${file}`))) {
        assert.ok(ref.name in env, `${file} uses ${ref.name}, which the grafana service sets`);
      }
    }
  });

  test('the home dashboard path points at a provisioned dashboard', () => {
    const home = env.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    assert.ok(home.startsWith('/etc/grafana/provisioning/'));
    assert.ok(existsSync(path.join(ROOT, 'provisioning', home.slice('/etc/grafana/provisioning/'.length))));
  });
});

describe('provisioning', () => {
  const datasources = parse(read('provisioning/datasources/micromegas.yml')) as {
    datasources: Array<{
      uid: string;
      type: string;
      jsonData: Record<string, unknown>;
      secureJsonData?: Record<string, string>;
    }>;
  };
  const ds = datasources.datasources[0];
  const providers = parse(read('provisioning/dashboards/micromegas.yml')) as {
    providers: Array<{ options: { path: string } }>;
  };
  const dashDir = path.join(
    ROOT,
    'provisioning',
    providers.providers[0].options.path.slice('/etc/grafana/provisioning/'.length)
  );

  test('the data source is of this plugin, reads URL and token from the environment', () => {
    assert.equal(ds.type, pluginJson.id);
    assert.equal(ds.jsonData.url, '${MICROMEGAS_URL}');
    assert.equal(ds.secureJsonData?.token, '${MICROMEGAS_TOKEN}');
  });

  test('the dashboards provider path holds the dashboards, each valid and bound to the provisioned data source', () => {
    const files = readdirSync(dashDir).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 4);
    const uids = new Set<string>();
    for (const f of files) {
      const d = JSON.parse(readFileSync(path.join(dashDir, f), 'utf8'));
      assert.ok(d.uid && !uids.has(d.uid), `${f}: unique uid`);
      uids.add(d.uid);
      assert.ok(d.title && Array.isArray(d.panels) && d.panels.length > 0, `${f}: title and panels`);
      const ids = new Set<number>();
      // A data source variable of this plugin whose default is the provisioned data source binds
      // like the data source itself (the Process dashboard's links pass it along).
      const dsVariables = new Set<string>(
        d.templating.list
          .filter(
            (v: { type: string; query?: unknown; current?: { value?: unknown } }) =>
              v.type === 'datasource' && v.query === pluginJson.id && v.current?.value === ds.uid
          )
          .map((v: { name: string }) => `\${${v.name}}`)
      );
      const bound = (ref: { type?: string; uid?: string }) =>
        ref?.type === pluginJson.id && (ref.uid === ds.uid || dsVariables.has(ref.uid ?? ''));
      for (const p of d.panels) {
        assert.ok(!ids.has(p.id), `${f}: panel ids unique`);
        ids.add(p.id);
        assert.ok(bound(p.datasource), `${f} / ${p.title}: data source ${JSON.stringify(p.datasource)}`);
        for (const t of p.targets) {
          assert.ok(typeof t.query === 'string' && t.query.length > 0, `${f} / ${p.title}: SQL`);
          assert.ok((QUERY_FORMATS as readonly string[]).includes(t.format), `${f} / ${p.title}: format ${t.format}`);
        }
      }
      for (const v of d.templating.list.filter((x: { type: string }) => x.type === 'query')) {
        assert.ok(bound(v.datasource), `${f} / $${v.name}: data source ${JSON.stringify(v.datasource)}`);
        assert.ok(v.query?.query, `${f} / $${v.name}: SQL`);
      }
    }
  });
});
