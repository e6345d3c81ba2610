// Data source settings page: the plugin's ConfigEditor bound to the stored settings, and
// "Save & test" as Grafana does it (PUT the settings, rebuild the instance, run its
// testDatasource → health route, show status, message and details).
import type { DataSourceApi, DataSourceSettings } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { Alert, Button, ErrorBoundaryAlert, Stack } from '@grafana/ui';
import React, { useState } from 'react';

import { createInstance, DS_UID, type LoadedPlugin } from './plugin';

interface TestStatus {
  status: 'success' | 'error';
  message: string;
  details?: { message?: string; verboseMessage?: string } & Record<string, unknown>;
}

function errorToStatus(err: unknown): TestStatus {
  const e = (err ?? {}) as {
    message?: string;
    error?: { details?: TestStatus['details'] };
    details?: TestStatus['details'];
    data?: { message?: string };
  };
  const message = e.message ?? e.data?.message ?? 'Testing the data source failed';
  return { status: 'error', message, details: e.error?.details ?? e.details };
}

export function ConfigPage({
  loaded,
  initial,
  onSaved,
}: {
  loaded: LoadedPlugin;
  initial: DataSourceSettings;
  onSaved: (s: DataSourceSettings, ds: DataSourceApi) => void;
}) {
  const [options, setOptions] = useState<DataSourceSettings>(initial);
  const [testing, setTesting] = useState(false);
  const [status, setStatus] = useState<TestStatus | undefined>();
  const ConfigEditor = loaded.plugin.components.ConfigEditor;

  const saveAndTest = async () => {
    setTesting(true);
    setStatus(undefined);
    try {
      const saved = (await getBackendSrv().put(`/api/datasources/uid/${DS_UID}`, options)) as {
        datasource: DataSourceSettings;
      };
      setOptions(saved.datasource);
      const ds = createInstance(loaded, saved.datasource);
      onSaved(saved.datasource, ds);
      const result = (await ds.testDatasource()) as TestStatus;
      setStatus({
        status: result.status === 'success' ? 'success' : 'error',
        message: result.message,
        details: result.details,
      });
    } catch (err) {
      setStatus(errorToStatus(err));
    } finally {
      setTesting(false);
    }
  };

  return (
    <div data-testid="sandbox-config-page">
      <h2>Data source: {options.name}</h2>
      <ErrorBoundaryAlert>
        {ConfigEditor ? (
          <ConfigEditor options={options} onOptionsChange={setOptions} />
        ) : (
          <Alert title="The plugin has no ConfigEditor" />
        )}
      </ErrorBoundaryAlert>
      {status && (
        <div data-testid="sandbox-test-status" data-status={status.status} style={{ marginTop: 16 }}>
          <Alert severity={status.status} title={status.message}>
            {status.details?.message && <div>{status.details.message}</div>}
            {status.details?.verboseMessage && (
              <details>
                <summary>Details</summary>
                <pre style={{ whiteSpace: 'pre-wrap' }}>{status.details.verboseMessage}</pre>
              </details>
            )}
          </Alert>
        </div>
      )}
      <Stack gap={1}>
        <Button onClick={saveAndTest} disabled={testing} data-testid="sandbox-save-test">
          {testing ? 'Testing…' : 'Save & test'}
        </Button>
      </Stack>
    </div>
  );
}
