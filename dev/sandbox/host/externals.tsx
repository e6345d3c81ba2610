// The modules Grafana shares with plugins (the names webpack leaves external in
// .config/bundler/externals.ts), each bound to the host bundle's single instance so that
// React context (theme, portals) and @grafana/runtime singletons are shared.
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as grafanaUiUnstable from '@grafana/ui/unstable';
import i18next from 'i18next';
import jquery from 'jquery';
import lodash from 'lodash';
import moment from 'moment';
import React from 'react';
import ReactDOM from 'react-dom';
import * as jsxRuntime from 'react/jsx-runtime';
// @ts-expect-error react-router ships no types here; the module object is all we hand on.
import * as reactRouter from 'react-router';
import * as rxjs from 'rxjs';

import { provideModule } from './amd';

export function provideGrafanaExternals(): void {
  const modules: Record<string, unknown> = {
    react: React,
    'react-dom': ReactDOM,
    'react/jsx-runtime': jsxRuntime,
    'react/jsx-dev-runtime': jsxRuntime,
    '@grafana/data': grafanaData,
    '@grafana/ui': grafanaUi,
    '@grafana/ui/unstable': grafanaUiUnstable,
    '@grafana/runtime': grafanaRuntime,
    '@emotion/css': emotionCss,
    '@emotion/react': emotionReact,
    rxjs,
    lodash,
    moment,
    jquery,
    i18next,
    'react-router': reactRouter,
  };
  for (const [name, value] of Object.entries(modules)) {
    provideModule(name, value);
  }
}
