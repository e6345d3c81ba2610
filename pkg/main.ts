// Entry point of the backend executable Grafana launches (dist/gpx_micromegas_<os>_<arch>).
// The Micromegas client (and apache-arrow with it) loads after the handshake.
import { runPlugin } from './grafana';

void runPlugin({ clientFactory: { load: async () => (await import('./grafana/client')).micromegasClientFactory } });
