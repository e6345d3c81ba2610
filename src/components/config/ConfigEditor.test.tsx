import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { Settings } from '../../config/settings';
import { MicromegasOptions, MicromegasSecureJsonData } from '../../types';
import { ConfigEditor } from './ConfigEditor';

function settings(
  jsonData: MicromegasOptions,
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: MicromegasSecureJsonData
): Settings {
  return {
    id: 1,
    uid: 'mm',
    orgId: 1,
    name: 'Micromegas',
    type: 'micromegas-micromegas-datasource',
    typeName: 'Micromegas',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData,
    secureJsonFields,
    secureJsonData,
  } as Settings;
}

/** Hosts the editor the way Grafana does: controlled options, each change re-rendered. */
function renderEditor(initial: Settings) {
  const latest: { current: Settings } = { current: initial };
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          latest.current = o as Settings;
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  return latest;
}

// Grafana's UI renders heavily in jsdom on a shared 2-core machine.
jest.setTimeout(30_000);

describe('ConfigEditor', () => {
  it('shows and converts settings saved by the upstream plugin', async () => {
    const latest = renderEditor(
      settings(
        {
          host: 'analytics.internal:50051',
          secure: true,
          selectedAuthType: 'oauth2-client-credentials',
          oauthIssuer: 'https://idp.example.com',
          oauthClientId: 'grafana',
          metadata: [{ 'x-tenant': 'acme' }],
          enableUserAttribution: false,
        },
        { oauthClientSecret: true }
      )
    );
    expect(await screen.findByText('Settings converted from the Micromegas FlightSQL plugin')).toBeInTheDocument();
    expect(screen.getByLabelText('URL')).toHaveValue('grpc+tls://analytics.internal:50051');
    // The upstream label value for OAuth must select OAuth and keep its fields (upstream lost them).
    expect(screen.getByLabelText('Issuer')).toHaveValue('https://idp.example.com');
    expect(screen.getByLabelText('Client ID')).toHaveValue('grafana');
    const jd = latest.current.jsonData;
    expect(jd).toMatchObject({
      url: 'grpc+tls://analytics.internal:50051',
      authType: 'oauth2',
      httpHeaderName1: 'x-tenant',
      enableUserAttribution: false,
    });
    expect(jd.host).toBeUndefined();
    expect(jd.metadata).toBeUndefined();
    expect(latest.current.secureJsonData).toMatchObject({ httpHeaderValue1: 'acme' });
    expect(screen.getByLabelText('Header 1 name')).toHaveValue('x-tenant');
  });

  it('keeps OAuth fields when switching auth type back and forth', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(
      settings({ url: 'grpc://h:1', authType: 'oauth2', oauthIssuer: 'https://idp', oauthClientId: 'c' })
    );
    await user.click(screen.getByLabelText('Bearer token'));
    expect(screen.queryByLabelText('Issuer')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Token')).toBeInTheDocument();
    await user.click(screen.getByLabelText('OAuth 2.0 client credentials'));
    expect(screen.getByLabelText('Issuer')).toHaveValue('https://idp');
    expect(latest.current.jsonData).toMatchObject({
      authType: 'oauth2',
      oauthIssuer: 'https://idp',
      oauthClientId: 'c',
    });
  });

  it('writes secrets only to secureJsonData, shows configured ones and resets them', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(settings({ url: 'grpc://h:1', authType: 'token' }, { token: true }));
    const tokenField = screen.getByLabelText('Token');
    expect(tokenField).toBeDisabled();
    expect(tokenField).toHaveValue('configured');
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(latest.current.secureJsonFields.token).toBe(false);
    expect(latest.current.secureJsonData).toMatchObject({ token: '' });
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: 's3cret' } });
    expect(latest.current.secureJsonData).toMatchObject({ token: 's3cret' });
    expect(JSON.stringify(latest.current.jsonData)).not.toContain('s3cret');
  });

  it('explains a URL without a scheme', async () => {
    renderEditor(settings({}));
    const url = screen.getByLabelText('URL');
    fireEvent.change(url, { target: { value: 'localhost:50051' } });
    fireEvent.blur(url);
    expect(
      screen.getByText('Add a scheme: grpc://localhost:50051 (plain) or grpc+tls://localhost:50051 (TLS).')
    ).toBeInTheDocument();
    fireEvent.change(url, { target: { value: 'grpc://localhost:50051' } });
    expect(screen.queryByText(/Add a scheme/)).not.toBeInTheDocument();
  });

  it('rejects upstream username/password with an explanation', () => {
    renderEditor(settings({ host: 'h:1', selectedAuthType: 'username/password', username: 'u' }));
    expect(screen.getByText('Username and password cannot be used')).toBeInTheDocument();
  });

  it('TLS: CA certificate, mTLS and a warning for skipped verification', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(settings({ url: 'grpc+tls://h:443' }, { tlsClientKey: true }));
    await user.click(screen.getByRole('button', { name: 'Expand section TLS' }));
    await user.click(screen.getByLabelText('With CA certificate'));
    fireEvent.change(screen.getByLabelText('CA certificate'), { target: { value: 'PEM' } });
    expect(latest.current.jsonData.tlsAuthWithCACert).toBe(true);
    expect(latest.current.secureJsonData).toMatchObject({ tlsCACert: 'PEM' });
    await user.click(screen.getByLabelText('TLS client authentication'));
    expect(screen.getByLabelText('Client certificate')).toBeInTheDocument();
    expect(screen.getByLabelText('Client key')).toBeDisabled(); // configured: shown, not readable
    expect(screen.queryByText('TLS verification is off')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText('Skip TLS verification'));
    expect(screen.getByText('TLS verification is off')).toBeInTheDocument();
  });

  it('headers: adds, names and removes without moving stored secrets', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(
      settings(
        { url: 'grpc://h:1', httpHeaderName1: 'x-a', httpHeaderName2: 'x-b' },
        { httpHeaderValue1: true, httpHeaderValue2: true }
      )
    );
    // Open by default when headers exist.
    await user.click(screen.getByRole('button', { name: 'Remove header 1' }));
    expect(latest.current.jsonData.httpHeaderName1).toBeUndefined();
    expect(latest.current.jsonData.httpHeaderName2).toBe('x-b');
    expect(latest.current.secureJsonFields).toMatchObject({ httpHeaderValue1: false, httpHeaderValue2: true });
    expect(latest.current.secureJsonData).toMatchObject({ httpHeaderValue1: '' });

    await user.click(screen.getByRole('button', { name: 'Add header' }));
    fireEvent.change(screen.getByLabelText('Header 1 name'), { target: { value: 'x-c' } });
    fireEvent.change(screen.getByLabelText('Header 1 value'), { target: { value: 'v' } });
    expect(latest.current.jsonData).toMatchObject({ httpHeaderName1: 'x-c', httpHeaderName2: 'x-b' });
    expect(latest.current.secureJsonData).toMatchObject({ httpHeaderValue1: 'v' });
    expect(latest.current.secureJsonFields.httpHeaderValue2).toBe(true);
  });

  it('additional settings: limits, dictionary and attribution', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(settings({ url: 'grpc://h:1' }));
    await user.click(screen.getByRole('button', { name: 'Expand section Additional settings' }));
    fireEvent.change(screen.getByLabelText('Row limit'), { target: { value: '5000' } });
    fireEvent.change(screen.getByLabelText('Query timeout'), { target: { value: 'abc' } });
    expect(screen.getByText('Enter a whole number of seconds greater than 0.')).toBeInTheDocument();
    await user.click(screen.getByLabelText('Preserve dictionary encoding'));
    const attribution = screen.getByLabelText('User attribution');
    expect(attribution).toBeChecked();
    await user.click(attribution);
    expect(latest.current.jsonData).toMatchObject({
      rowLimit: 5000,
      preserveDictionary: true,
      enableUserAttribution: false,
    });
    expect(latest.current.jsonData.queryTimeoutSeconds).toBeUndefined();
    expect(within(document.body).getByText(/OAuth client-credentials tokens cannot/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Attribution with OAuth 2.0')).not.toBeInTheDocument();
  });

  it('duration settings: a timeout beyond what a timer holds is cut to the maximum, saying so', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(settings({ url: 'grpc://h:1' }));
    await user.click(screen.getByRole('button', { name: 'Expand section Additional settings' }));
    fireEvent.change(screen.getByLabelText('Query timeout'), { target: { value: '3000000' } });
    expect(screen.getByText('At most 86400 s (1 day): 86400 is saved.')).toBeInTheDocument();
    expect(latest.current.jsonData.queryTimeoutSeconds).toBe(86400);
    fireEvent.change(screen.getByLabelText('Queue timeout'), { target: { value: '99999' } });
    expect(screen.getByText('At most 3600 s (1 hour): 3600 is saved.')).toBeInTheDocument();
    expect(latest.current.jsonData.queueTimeoutSeconds).toBe(3600);
    fireEvent.change(screen.getByLabelText('Query timeout'), { target: { value: '600' } });
    expect(latest.current.jsonData.queryTimeoutSeconds).toBe(600);
    fireEvent.change(screen.getByLabelText('Concurrent queries'), { target: { value: '4' } });
    expect(latest.current.jsonData.maxConcurrentQueries).toBe(4);
  });

  it('offers attribution with OAuth 2.0 as an explicit opt-in, only for OAuth 2.0', async () => {
    const user = userEvent.setup({ delay: null });
    const latest = renderEditor(
      settings({ url: 'grpc://h:1', authType: 'oauth2', oauthIssuer: 'https://idp', oauthClientId: 'grafana' })
    );
    await user.click(screen.getByRole('button', { name: 'Expand section Additional settings' }));
    const optIn = screen.getByLabelText('Attribution with OAuth 2.0');
    expect(optIn).not.toBeChecked();
    await user.click(optIn);
    expect(latest.current.jsonData).toMatchObject({ enableUserAttributionWithOAuth: true });
  });
});
