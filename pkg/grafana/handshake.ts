// go-plugin handshake: Grafana launches the executable with a magic cookie and a
// port range, and reads one line `CORE|APP|tcp|ADDR|grpc` from stdout.
export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 2;

export const NOT_A_PROGRAM_MESSAGE =
  'This is a Grafana data source plugin (Micromegas), not a program to run by hand.\n' +
  "Install it in Grafana's plugin folder; Grafana starts it when the data source is used.\n";

/** True when the process was started by a go-plugin host speaking to data sources. */
export function hasMagicCookie(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[MAGIC_COOKIE_KEY] === MAGIC_COOKIE_VALUE;
}

/**
 * Checks that the host accepts our app protocol. go-plugin sends the versions it
 * supports as a comma-separated list; absent means "anything".
 */
export function protocolVersionError(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.PLUGIN_PROTOCOL_VERSIONS?.trim();
  if (!raw) {
    return undefined;
  }
  const versions = raw.split(',').map((v) => Number(v.trim()));
  return versions.includes(APP_PROTOCOL_VERSION)
    ? undefined
    : `Grafana asked for plugin protocol version(s) ${raw}; this plugin speaks version ${APP_PROTOCOL_VERSION}`;
}

export interface PortRange {
  min: number;
  max: number;
}

/** The port range from PLUGIN_MIN_PORT/PLUGIN_MAX_PORT, or undefined for "any free port". */
export function portRangeFromEnv(env: NodeJS.ProcessEnv = process.env): PortRange | undefined {
  const min = parsePort(env.PLUGIN_MIN_PORT);
  const max = parsePort(env.PLUGIN_MAX_PORT);
  if (min === undefined && max === undefined) {
    return undefined;
  }
  const lo = min ?? 1024;
  const hi = max ?? 65535;
  if (lo > hi) {
    throw new Error(`PLUGIN_MIN_PORT (${lo}) is greater than PLUGIN_MAX_PORT (${hi})`);
  }
  return { min: lo, max: hi };
}

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') {
    return undefined;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`invalid port number "${raw}" in PLUGIN_MIN_PORT/PLUGIN_MAX_PORT`);
  }
  return n;
}

export function handshakeLine(port: number): string {
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc\n`;
}
