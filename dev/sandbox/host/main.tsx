// Sandbox entry: initialises @grafana/runtime the way Grafana does for plugins (config with
// the dark theme, BackendSrv, TemplateSrv, DataSourceSrv, runRequest for Scenes), exposes the
// shared modules to the AMD loader, loads the built plugin and renders one of four pages.
import { createTheme, type DataSourceApi, type DataSourceSettings } from '@grafana/data';
import { config, setBackendSrv, setRunRequest, setTemplateSrv } from '@grafana/runtime';
import { Alert, GlobalStyles, ThemeContext } from '@grafana/ui';
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';

import { recordedRequests, backendSrv } from './backend-srv';
import { ConfigPage } from './ConfigPage';
import { DashboardPage } from './dashboard/DashboardPage';
import { provideGrafanaExternals } from './externals';
import { PanelPage } from './PanelPage';
import { createInstance, fetchSettings, loadPlugin, type LoadedPlugin } from './plugin';
import { runRequest } from './run-request';
import { templateSrv } from './template-srv';
import { VariablesPage } from './VariablesPage';

// Monaco (bundled from node_modules by @grafana/ui) runs its editor worker from our build.
(self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorkerUrl: () => '/sandbox/editor.worker.js',
};

const theme = createTheme({ colors: { mode: 'dark' } });
config.theme2 = theme;
config.bootData = {
  ...config.bootData,
  user: { ...config.bootData?.user, theme: 'dark', timezone: 'utc', orgId: 1, login: 'sandbox' },
} as typeof config.bootData;
setBackendSrv(backendSrv);
setTemplateSrv(templateSrv);
setRunRequest(runRequest as Parameters<typeof setRunRequest>[0]);
provideGrafanaExternals();
Object.assign(window, { __sandboxRequests: recordedRequests });

const PAGES = [
  { path: '/config', title: 'Data source' },
  { path: '/panel', title: 'Panel editor' },
  { path: '/variables', title: 'Variables' },
  { path: '/dashboard', title: 'Dashboards' },
];

function Shell({
  loaded,
  settings: initialSettings,
  ds: initialDs,
}: {
  loaded: LoadedPlugin;
  settings: DataSourceSettings;
  ds: DataSourceApi;
}) {
  const [settings, setSettings] = useState(initialSettings);
  const [ds, setDs] = useState(initialDs);
  const page = PAGES.find((p) => window.location.pathname.startsWith(p.path))?.path ?? '/panel';
  return (
    <div style={{ padding: '8px 24px', maxWidth: 1400, margin: '0 auto' }}>
      <nav
        style={{
          display: 'flex',
          gap: 16,
          alignItems: 'center',
          borderBottom: `1px solid ${theme.colors.border.weak}`,
          paddingBottom: 8,
          marginBottom: 16,
        }}
      >
        <img src={`/public/plugins/${loaded.meta.id}/img/logo.svg`} alt="" width={24} height={24} />
        <strong>{loaded.meta.name} sandbox</strong>
        {PAGES.map((p) => (
          <a
            key={p.path}
            href={p.path + window.location.search}
            style={{ color: p.path === page ? theme.colors.text.primary : theme.colors.text.link }}
          >
            {p.title}
          </a>
        ))}
      </nav>
      {page === '/config' && (
        <ConfigPage
          loaded={loaded}
          initial={settings}
          onSaved={(s, next) => {
            setSettings(s);
            setDs(next);
          }}
        />
      )}
      {page === '/panel' && <PanelPage ds={ds} />}
      {page === '/variables' && <VariablesPage ds={ds} />}
      {page === '/dashboard' && <DashboardPage ds={ds} meta={loaded.meta} />}
    </div>
  );
}

function Root({ children }: { children: React.ReactNode }) {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      {children}
    </ThemeContext.Provider>
  );
}

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  try {
    const [loaded, settings] = await Promise.all([loadPlugin(), fetchSettings()]);
    const ds = createInstance(loaded, settings);
    root.render(
      <Root>
        <Shell loaded={loaded} settings={settings} ds={ds} />
      </Root>
    );
    // Which React and Grafana module.js runs on (the host of dev/sandbox/hosts/), for the tests.
    document.body.dataset.reactVersion = React.version;
    document.body.dataset.grafanaVersion = config.buildInfo.version;
    document.body.dataset.sandboxReady = 'true';
  } catch (err) {
    console.error(err);
    root.render(
      <Root>
        <div style={{ padding: 24 }} data-testid="sandbox-load-error">
          <Alert severity="error" title="The plugin could not be loaded">
            {err instanceof Error ? err.message : String(err)}
          </Alert>
        </div>
      </Root>
    );
    document.body.dataset.sandboxReady = 'error';
  }
}

void start();
