// `npm start`: the dev server (sample telemetry over FlightSQL) + the sandbox, wired together.
//   node --import tsx dev/sandbox/run.ts [--port 3000] [--scale 1] [--micromegas grpc://host:port] [--grafana grafana-12.0] [--verbose]
// With --micromegas the sandbox talks to that server instead of starting the dev server.
import { startSandbox, type Sandbox } from './server';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const isAddrInUse = (err: unknown) => /EADDRINUSE|address already in use/i.test(String((err as Error)?.message ?? err));

interface Stoppable {
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const stoppables: Stoppable[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    for (const s of stoppables.reverse()) {
      await s.stop().catch(() => {});
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  try {
    let micromegas = argValue('--micromegas');
    if (!micromegas) {
      const { startDevServer } = await import('../../tests/harness/devserver');
      const scale = Number(argValue('--scale') ?? 1);
      const dev = await startDevServer({ port: 50051, scale }).catch((err: unknown) => {
        if (!isAddrInUse(err)) {
          throw err;
        }
        console.error('port 50051 is busy: starting the dev server on a free port');
        return startDevServer({ port: 0, scale });
      });
      stoppables.push(dev);
      micromegas = dev.uri;
    }
    const wanted = Number(argValue('--port') ?? 3000);
    const options = {
      jsonData: { url: micromegas, authType: 'none' },
      verbose: process.argv.includes('--verbose'),
      grafana: argValue('--grafana'),
    };
    const sandbox: Sandbox = await startSandbox({ ...options, port: wanted }).catch((err: unknown) => {
      if (!isAddrInUse(err)) {
        throw err;
      }
      console.error(`port ${wanted} is busy: using a free port`);
      return startSandbox({ ...options, port: 0 });
    });
    stoppables.push(sandbox);
    console.log(
      `Micromegas plugin sandbox: ${sandbox.url}/panel  (data source → ${micromegas}; dashboards at /dashboard; Ctrl+C stops everything)`
    );
  } catch (err) {
    console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

void main();
