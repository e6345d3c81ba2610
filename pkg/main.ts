// Entry point of the backend executable Grafana launches (dist/gpx_micromegas_<os>_<arch>).
import { runPlugin } from './grafana';
import { micromegasClientFactory } from './grafana/client';

void runPlugin({ clientFactory: micromegasClientFactory });
