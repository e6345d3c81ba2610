// Process and query metrics for pluginv2.Diagnostics/CollectMetrics, in the
// Prometheus text exposition format (Grafana scrapes it through its own /metrics).

const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class PluginMetrics {
  private readonly startedAt = Date.now();
  private queriesTotal = 0;
  private queriesFailed = 0;
  private readonly bucketCounts = new Array<number>(BUCKETS_SECONDS.length).fill(0);
  private durationSum = 0;
  private durationCount = 0;
  private healthChecks = 0;
  private resourceCalls = 0;
  private inFlight = 0;

  queryStarted(): void {
    this.queriesTotal++;
    this.inFlight++;
  }

  queryFinished(seconds: number, failed: boolean): void {
    this.inFlight--;
    if (failed) {
      this.queriesFailed++;
    }
    this.durationSum += seconds;
    this.durationCount++;
    for (let i = 0; i < BUCKETS_SECONDS.length; i++) {
      if (seconds <= BUCKETS_SECONDS[i]) {
        this.bucketCounts[i]++;
      }
    }
  }

  healthCheck(): void {
    this.healthChecks++;
  }

  resourceCall(): void {
    this.resourceCalls++;
  }

  /** Renders every metric as Prometheus text. */
  render(): string {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${formatNumber(value)}`);
    };
    metric(
      'process_cpu_seconds_total',
      'counter',
      'Total user and system CPU time spent in seconds.',
      (cpu.user + cpu.system) / 1e6
    );
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', mem.rss);
    metric(
      'process_start_time_seconds',
      'gauge',
      'Start time of the process since unix epoch in seconds.',
      this.startedAt / 1000
    );
    metric(
      'process_uptime_seconds',
      'gauge',
      'Seconds since the plugin process started.',
      (Date.now() - this.startedAt) / 1000
    );
    metric('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use in bytes.', mem.heapUsed);
    metric('nodejs_heap_total_bytes', 'gauge', 'V8 heap size in bytes.', mem.heapTotal);
    metric(
      'nodejs_external_memory_bytes',
      'gauge',
      'Memory of buffers and other objects outside the V8 heap, in bytes.',
      mem.external + mem.arrayBuffers
    );
    metric('micromegas_plugin_queries_total', 'counter', 'Queries received through QueryData.', this.queriesTotal);
    metric(
      'micromegas_plugin_queries_failed_total',
      'counter',
      'Queries that answered with an error.',
      this.queriesFailed
    );
    metric('micromegas_plugin_queries_in_flight', 'gauge', 'Queries running now.', this.inFlight);
    metric('micromegas_plugin_health_checks_total', 'counter', 'CheckHealth calls.', this.healthChecks);
    metric('micromegas_plugin_resource_calls_total', 'counter', 'CallResource calls.', this.resourceCalls);

    const h = 'micromegas_plugin_query_duration_seconds';
    lines.push(`# HELP ${h} Duration of queries, from request to encoded frames.`, `# TYPE ${h} histogram`);
    BUCKETS_SECONDS.forEach((le, i) => lines.push(`${h}_bucket{le="${le}"} ${this.bucketCounts[i]}`));
    lines.push(
      `${h}_bucket{le="+Inf"} ${this.durationCount}`,
      `${h}_sum ${formatNumber(this.durationSum)}`,
      `${h}_count ${this.durationCount}`
    );
    return lines.join('\n') + '\n';
  }
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(6);
}
