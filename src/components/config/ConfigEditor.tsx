import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { ConfigSection, DataSourceDescription } from '@grafana/plugin-ui';
import {
  Alert,
  Divider,
  Field,
  Input,
  RadioButtonGroup,
  SecretInput,
  SecretTextArea,
  Stack,
  Switch,
  Text,
} from '@grafana/ui';
import React, { useEffect, useState } from 'react';

import {
  effectiveAuthType,
  effectiveUrl,
  headerSlots,
  migrateUpstreamSettings,
  Settings,
  usesTls,
  validateUrl,
} from '../../config/settings';
import { DEFAULT_ROW_LIMIT } from '../../shared/query';
import { AuthType, MicromegasOptions, MicromegasSecureJsonData } from '../../types';
import { DEFAULT_MAX_CONCURRENT_QUERIES } from '../../shared/admission';
import { DurationLimit, QUERY_TIMEOUT, QUEUE_TIMEOUT, secondsText } from '../../shared/durations';
import { HeadersEditor } from './HeadersEditor';

type Props = DataSourcePluginOptionsEditorProps<MicromegasOptions, MicromegasSecureJsonData>;
type SecretKey = 'token' | 'oauthClientSecret' | 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey';
type SwitchKey =
  | 'tlsAuthWithCACert'
  | 'tlsAuth'
  | 'tlsSkipVerify'
  | 'preserveDictionary'
  | 'enableUserAttribution'
  | 'enableUserAttributionWithOAuth';

const AUTH_OPTIONS: Array<{ label: string; value: AuthType; description: string }> = [
  { label: 'None', value: 'none', description: 'Server started with --disable-auth' },
  { label: 'Bearer token', value: 'token', description: 'An API key (MICROMEGAS_API_KEYS or mmk_… keys)' },
  { label: 'OAuth 2.0 client credentials', value: 'oauth2', description: 'A service account of your OIDC provider' },
];

const DOCS_LINK = 'https://madesroches.github.io/micromegas/docs/grafana/';

/** Whole number > 0 parsed from a settings box; undefined when empty or invalid. */
function positiveInt(text: string): number | undefined {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n > 0 ? n : undefined;
}

/** What a duration box holds: the value to save and the message to show (same bounds as the backend). */
function durationInput(limit: DurationLimit, text: string): { value?: number; error?: string } {
  if (text.trim() === '') {
    return {};
  }
  const n = positiveInt(text);
  if (n === undefined) {
    return { error: 'Enter a whole number of seconds greater than 0.' };
  }
  if (n > limit.maxSeconds) {
    return {
      value: limit.maxSeconds,
      error: `At most ${secondsText(limit.maxSeconds)}: ${limit.maxSeconds} is saved.`,
    };
  }
  return { value: n };
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  // Upstream settings are converted once when the page opens; saving keeps the result.
  const [upstream] = useState(() => migrateUpstreamSettings(options as Settings));
  const migratedFromUpstream = upstream !== undefined;
  useEffect(() => {
    if (upstream) {
      onOptionsChange(upstream);
    }
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const jsonData = options.jsonData ?? {};
  const secureFields = options.secureJsonFields ?? {};
  const secureData = (options.secureJsonData ?? {}) as MicromegasSecureJsonData;
  const url = effectiveUrl(jsonData);
  const authType = effectiveAuthType(jsonData, {
    token: Boolean(secureFields.token || secureData.token),
    oauthClientSecret: Boolean(secureFields.oauthClientSecret || secureData.oauthClientSecret),
  });
  const [urlTouched, setUrlTouched] = useState(false);
  const urlError = validateUrl(url);
  const [rowLimitText, setRowLimitText] = useState(String(jsonData.rowLimit ?? ''));
  const [durationTexts, setDurationTexts] = useState<Record<DurationLimit['key'], string>>({
    queryTimeoutSeconds: String(jsonData.queryTimeoutSeconds ?? ''),
    queueTimeoutSeconds: String(jsonData.queueTimeoutSeconds ?? ''),
  });
  const [concurrencyText, setConcurrencyText] = useState(String(jsonData.maxConcurrentQueries ?? ''));

  const setJson = (patch: Partial<MicromegasOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });
  const setSecret = (key: SecretKey, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secureData, [key]: value } });
  const resetSecret = (key: SecretKey) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureFields, [key]: false },
      secureJsonData: { ...secureData, [key]: '' },
    });

  const secretInput = (key: SecretKey, label: string, description: string, placeholder: string) => (
    <Field label={label} description={description}>
      <SecretInput
        id={`micromegas-${key}`}
        aria-label={label}
        width={60}
        placeholder={placeholder}
        isConfigured={Boolean(secureFields[key])}
        value={secureData[key] ?? ''}
        onChange={(e) => setSecret(key, e.currentTarget.value)}
        onReset={() => resetSecret(key)}
      />
    </Field>
  );

  /** A jsonData on/off option; `defaultOn` when the backend treats a missing value as on. */
  const switchField = (
    key: SwitchKey,
    label: string,
    description: string,
    opts: { ariaLabel?: string; defaultOn?: boolean } = {}
  ) => (
    <Field label={label} description={description}>
      <Switch
        aria-label={opts.ariaLabel ?? label}
        value={Boolean(jsonData[key] ?? opts.defaultOn)}
        onChange={(e) => setJson({ [key]: e.currentTarget.checked } as Pick<MicromegasOptions, SwitchKey>)}
      />
    </Field>
  );

  const durationField = (limit: DurationLimit, label: string, description: string) => {
    const text = durationTexts[limit.key];
    const { error } = durationInput(limit, text);
    return (
      <Field
        label={`${label} (seconds)`}
        description={`${description} Default ${limit.defaultSeconds}, at most ${secondsText(limit.maxSeconds)}.`}
        invalid={error !== undefined}
        error={error}
      >
        <Input
          aria-label={label}
          width={20}
          placeholder={String(limit.defaultSeconds)}
          value={text}
          onChange={(e) => {
            const next = e.currentTarget.value;
            setDurationTexts({ ...durationTexts, [limit.key]: next });
            setJson({ [limit.key]: durationInput(limit, next).value } as Pick<MicromegasOptions, DurationLimit['key']>);
          }}
        />
      </Field>
    );
  };

  const secretTextArea = (key: SecretKey, label: string, placeholder: string) => (
    <Field label={label}>
      <SecretTextArea
        aria-label={label}
        cols={60}
        rows={5}
        placeholder={placeholder}
        isConfigured={Boolean(secureFields[key])}
        value={secureData[key] ?? ''}
        onChange={(e) => setSecret(key, e.currentTarget.value)}
        onReset={() => resetSecret(key)}
      />
    </Field>
  );

  return (
    <Stack direction="column" gap={2}>
      <DataSourceDescription dataSourceName="Micromegas" docsLink={DOCS_LINK} hasRequiredFields />
      {migratedFromUpstream && (
        <Alert severity="info" title="Settings converted from the Micromegas FlightSQL plugin">
          Host and port became a URL, the authentication type was kept, and metadata pairs became headers with secret
          values. Save to keep the converted settings.
        </Alert>
      )}
      <Divider />

      <ConfigSection title="Connection">
        <Field
          label="URL"
          required
          description="FlightSQL address of the Micromegas analytics server, e.g. grpc://localhost:50051. Use grpc+tls:// (or https://) behind a TLS proxy."
          invalid={urlTouched && Boolean(urlError)}
          error={urlTouched ? urlError : undefined}
        >
          <Input
            id="micromegas-url"
            aria-label="URL"
            width={60}
            placeholder="grpc://localhost:50051"
            value={url}
            onChange={(e) => setJson({ url: e.currentTarget.value.trim() })}
            onBlur={() => setUrlTouched(true)}
          />
        </Field>
      </ConfigSection>
      <Divider />

      <ConfigSection title="Authentication">
        {authType === 'unsupported' && (
          <Alert severity="error" title="Username and password cannot be used">
            Micromegas does not implement the Flight handshake that username/password authentication needs. Choose a
            bearer token (API key) or OAuth 2.0 client credentials.
          </Alert>
        )}
        <Field label="Method">
          <RadioButtonGroup<AuthType>
            options={AUTH_OPTIONS}
            value={authType === 'unsupported' ? undefined : authType}
            onChange={(value) => setJson({ authType: value, selectedAuthType: undefined })}
          />
        </Field>
        {authType === 'token' &&
          secretInput('token', 'Token', 'Sent as "authorization: Bearer <token>".', 'API key or token')}
        {authType === 'oauth2' && (
          <>
            <Field
              label="Issuer"
              required
              description="OIDC issuer URL; the token endpoint is found through its discovery document."
            >
              <Input
                aria-label="Issuer"
                width={60}
                placeholder="https://accounts.example.com"
                value={jsonData.oauthIssuer ?? ''}
                onChange={(e) => setJson({ oauthIssuer: e.currentTarget.value })}
              />
            </Field>
            <Field label="Client ID" required>
              <Input
                aria-label="Client ID"
                width={60}
                value={jsonData.oauthClientId ?? ''}
                onChange={(e) => setJson({ oauthClientId: e.currentTarget.value })}
              />
            </Field>
            {secretInput(
              'oauthClientSecret',
              'Client secret',
              'Stored encrypted; never sent to the browser.',
              'client secret'
            )}
            <Field
              label="Audience"
              description="Optional; required by some providers (e.g. Auth0) to issue an access token for Micromegas."
            >
              <Input
                aria-label="Audience"
                width={60}
                value={jsonData.oauthAudience ?? ''}
                onChange={(e) => setJson({ oauthAudience: e.currentTarget.value })}
              />
            </Field>
          </>
        )}
      </ConfigSection>
      <Divider />

      <ConfigSection
        title="TLS"
        description={
          usesTls(url)
            ? 'Applies to this grpc+tls:// connection.'
            : 'Only used with a grpc+tls:// or https:// URL (Micromegas itself serves plain gRPC; TLS is terminated by a proxy).'
        }
        isCollapsible
        isInitiallyOpen={Boolean(jsonData.tlsAuthWithCACert || jsonData.tlsAuth || jsonData.tlsSkipVerify)}
      >
        {switchField('tlsAuthWithCACert', 'With CA certificate', 'Trust a private CA instead of the system roots.')}
        {jsonData.tlsAuthWithCACert && secretTextArea('tlsCACert', 'CA certificate', '-----BEGIN CERTIFICATE-----')}
        {switchField(
          'tlsAuth',
          'TLS client authentication (mTLS)',
          'Present a client certificate to the server or proxy.',
          { ariaLabel: 'TLS client authentication' }
        )}
        {jsonData.tlsAuth && (
          <>
            {secretTextArea('tlsClientCert', 'Client certificate', '-----BEGIN CERTIFICATE-----')}
            {secretTextArea('tlsClientKey', 'Client key', '-----BEGIN PRIVATE KEY-----')}
          </>
        )}
        {switchField('tlsSkipVerify', 'Skip TLS verification', 'Accept any server certificate.')}
        {jsonData.tlsSkipVerify && (
          <Alert severity="warning" title="TLS verification is off">
            Anyone between Grafana and the server can read or alter queries, results and credentials. Use a CA
            certificate instead when you can.
          </Alert>
        )}
      </ConfigSection>
      <Divider />

      <ConfigSection
        title="Headers"
        description="Extra gRPC metadata sent with every call. Values are stored as secrets."
        isCollapsible
        isInitiallyOpen={headerSlots(options as Settings).length > 0 || Array.isArray(jsonData.metadata)}
      >
        <HeadersEditor options={options as Settings} onOptionsChange={(o) => onOptionsChange(o)} />
      </ConfigSection>
      <Divider />

      <ConfigSection title="Additional settings" isCollapsible isInitiallyOpen={false}>
        <Field
          label="Row limit"
          description={`Most rows one query may return; results are cut with a notice beyond it. Default ${DEFAULT_ROW_LIMIT.toLocaleString('en-US')}.`}
          invalid={rowLimitText.trim() !== '' && positiveInt(rowLimitText) === undefined}
          error="Enter a whole number greater than 0."
        >
          <Input
            aria-label="Row limit"
            width={20}
            placeholder={String(DEFAULT_ROW_LIMIT)}
            value={rowLimitText}
            onChange={(e) => {
              setRowLimitText(e.currentTarget.value);
              setJson({ rowLimit: positiveInt(e.currentTarget.value) });
            }}
          />
        </Field>
        {durationField(QUERY_TIMEOUT, 'Query timeout', 'A query running longer is cancelled.')}
        <Field
          label="Concurrent queries"
          description={`Queries of this data source running at once; the others wait in line. Empty: the plugin's default (${DEFAULT_MAX_CONCURRENT_QUERIES}).`}
          invalid={concurrencyText.trim() !== '' && positiveInt(concurrencyText) === undefined}
          error="Enter a whole number greater than 0."
        >
          <Input
            aria-label="Concurrent queries"
            width={20}
            placeholder={String(DEFAULT_MAX_CONCURRENT_QUERIES)}
            value={concurrencyText}
            onChange={(e) => {
              setConcurrencyText(e.currentTarget.value);
              setJson({ maxConcurrentQueries: positiveInt(e.currentTarget.value) });
            }}
          />
        </Field>
        {durationField(
          QUEUE_TIMEOUT,
          'Queue timeout',
          'How long a query waits for its turn when too many run at once before it fails with an overload error.'
        )}
        {switchField(
          'preserveDictionary',
          'Preserve dictionary encoding',
          'Ask the server to keep low-cardinality text columns dictionary-encoded: less data on the wire for large results.'
        )}
        {switchField(
          'enableUserAttribution',
          'User attribution',
          "Send the Grafana user's login, e-mail and name (x-user-* headers) so Micromegas audit logs show who ran each query.",
          { defaultOn: true }
        )}
        <Text variant="bodySmall" color="secondary">
          Attribution applies to bearer-token (API key) authentication. OIDC and OAuth client-credentials tokens cannot
          delegate: Micromegas rejects x-user-* headers that differ from the token&apos;s subject, so they are not sent
          with OAuth 2.0 unless you opt in below.
        </Text>
        {jsonData.authType === 'oauth2' &&
          (jsonData.enableUserAttribution ?? true) &&
          switchField(
            'enableUserAttributionWithOAuth',
            'Attribution with OAuth 2.0',
            "Also send x-user-* headers with OAuth 2.0 tokens. Only for servers that accept them: Micromegas answers PERMISSION_DENIED when they do not match the token's subject."
          )}
      </ConfigSection>
    </Stack>
  );
}
