// /dashboard?name=<name>[&from=now-6h&to=now]: one of the Scenes dashboards of dashboards.tsx,
// exposed to the browser tests as window.__sandboxScene.
import type { DataSourceApi, DataSourcePluginMeta } from '@grafana/data';
import { Alert } from '@grafana/ui';
import React, { useMemo } from 'react';

import { DS_UID, PLUGIN_ID } from '../plugin';
import { DASHBOARDS } from './dashboards';

export function DashboardPage({ ds, meta }: { ds: DataSourceApi; meta: DataSourcePluginMeta }) {
  const params = new URLSearchParams(window.location.search);
  const name = params.get('name') ?? 'metrics';
  const build = DASHBOARDS[name];
  const scene = useMemo(
    () =>
      build?.({
        ds: { type: PLUGIN_ID, uid: DS_UID },
        instance: ds,
        meta,
        from: params.get('from') ?? 'now-6h',
        to: params.get('to') ?? 'now',
      }),
    // The scene is built once per page load, like a dashboard.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    []
  );
  if (!scene) {
    return (
      <Alert severity="error" title={`No dashboard "${name}"`}>
        Dashboards: {Object.keys(DASHBOARDS).join(', ')}
      </Alert>
    );
  }
  Object.assign(window, { __sandboxScene: scene });
  // Scenes' component type is declared against the React types of its own install.
  const SceneView = scene.Component as unknown as React.ComponentType<{ model: typeof scene }>;
  return (
    <div data-testid="sandbox-dashboard" data-name={name}>
      <SceneView model={scene} />
    </div>
  );
}
