// Process and query metrics for pluginv2.Diagnostics/CollectMetrics, in the
// Prometheus text exposition format (Grafana scrapes it through its own /metrics).

import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Garbage collection pauses, by kind; the buckets and names of prom-client's nodejs_gc_duration_seconds. */
const GC_BUCKETS_SECONDS = [0.001, 0.01, 0.1, 1, 2, 5];
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface GcKind {
  buckets: number[];
  sum: number;
  count: number;
}

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
  private readonly gc = new Map<string, GcKind>();
  private gcObserver?: PerformanceObserver;

  /** Records every garbage collection's pause from now on (stop: `stopObservingGc`). */
  observeGc(): void {
    if (this.gcObserver) {
      return;
    }
    this.gcObserver = new PerformanceObserver((list) => list.getEntries().forEach((e) => this.gcPause(e)));
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  stopObservingGc(): void {
    this.gcObserver?.disconnect();
    this.gcObserver = undefined;
  }

  private gcPause(entry: PerformanceEntry): void {
    const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
    const name = GC_KINDS[detail?.kind ?? -1] ?? 'other';
    let kind = this.gc.get(name);
    if (!kind) {
      kind = { buckets: new Array<number>(GC_BUCKETS_SECONDS.length).fill(0), sum: 0, count: 0 };
      this.gc.set(name, kind);
    }
    const seconds = entry.duration / 1000;
    kind.sum += seconds;
    kind.count++;
    GC_BUCKETS_SECONDS.forEach((le, i) => {
      if (seconds <= le) {
        kind.buckets[i]++;
      }
    });
  }

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
    if (this.gc.size) {
      const g = 'nodejs_gc_duration_seconds';
      lines.push(`# HELP ${g} Garbage collection pauses by kind, in seconds.`, `# TYPE ${g} histogram`);
      for (const [kind, k] of this.gc) {
        GC_BUCKETS_SECONDS.forEach((le, i) => lines.push(`${g}_bucket{le="${le}",kind="${kind}"} ${k.buckets[i]}`));
        lines.push(
          `${g}_bucket{le="+Inf",kind="${kind}"} ${k.count}`,
          `${g}_sum{kind="${kind}"} ${formatNumber(k.sum)}`,
          `${g}_count{kind="${kind}"} ${k.count}`
        );
      }
    }
    return lines.join('\n') + '\n';
  }
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(6);
}
