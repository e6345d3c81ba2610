// Drill-down data links the plugin sets on the frames it returns (field config `links`),
// so they work without dashboard configuration: from a process to its logs, metrics,
// spans, Perfetto trace and Process dashboard; from a log line to the spans around it;
// from a span to its children and its thread. Explore links are Grafana internal links
// (DataLink.internal: datasourceUid + query, packages/grafana-data types/dataLink.ts);
// Grafana interpolates `${__value.raw}`, `${__value.time}`, `${__from}`, `${__to}` and
// `${__url_time_range}` when the link is clicked, so every link carries the panel's range.
import { concatData, isValid } from './buffers';
import { toField, type Column } from './columns';
import { utf8At } from './json-value';
import type { FieldConfig, FrameField, FrameFormat } from './model';

/** The data source the frames come from (the plugin context's instance), never a fixed uid. */
export interface LinkContext {
  dataSourceUid: string;
  dataSourceName: string;
}

/** The provisioned Process dashboard (provisioning/dashboards/process.json). */
export const PROCESS_DASHBOARD_UID = 'micromegas-process';
/** Its flame graph panel, opened alone by the spans link. */
export const PROCESS_FLAME_GRAPH_PANEL = 5;

type DataLink = NonNullable<FieldConfig['links']>[number] & {
  internal?: { datasourceUid: string; datasourceName: string; query: Record<string, unknown> };
};

const PID = '${__value.raw}';

function explore(ctx: LinkContext, title: string, sql: string, format: FrameFormat): DataLink {
  return {
    title,
    url: '',
    internal: {
      datasourceUid: ctx.dataSourceUid,
      datasourceName: ctx.dataSourceName,
      query: { refId: 'A', query: sql, format, version: 3, timeFilter: true, autoLimit: true },
    },
  };
}

function dashboard(ctx: LinkContext, title: string, extra = ''): DataLink {
  return {
    title,
    url:
      `/d/${PROCESS_DASHBOARD_UID}/micromegas-process?var-datasource=${encodeURIComponent(ctx.dataSourceUid)}` +
      `&var-process_id=${PID}&\${__url_time_range}${extra}`,
  };
}

/** Links of a process id: its logs, metrics and spans in Explore, its Perfetto trace, its dashboard. */
export function processLinks(ctx: LinkContext): DataLink[] {
  const uid = encodeURIComponent(ctx.dataSourceUid);
  return [
    dashboard(ctx, 'Process dashboard'),
    explore(
      ctx,
      'Logs of this process',
      `SELECT time, level, target, msg\nFROM view_instance('log_entries', '${PID}')\nWHERE $__timeFilter(time)\nORDER BY time DESC\nLIMIT 1000`,
      'logs'
    ),
    explore(
      ctx,
      'Metrics of this process',
      `SELECT $__timeInterval(time) AS time, name, unit, avg(value) AS value\nFROM view_instance('measures', '${PID}')\nWHERE $__timeFilter(time)\nGROUP BY 1, 2, 3\nORDER BY 1`,
      'time_series'
    ),
    dashboard(ctx, 'Spans of this process (flame graph)', `&viewPanel=panel-${PROCESS_FLAME_GRAPH_PANEL}`),
    {
      title: 'Perfetto trace of this process',
      url: `/api/datasources/uid/${uid}/resources/perfetto?process_id=${PID}&begin=\${__from}&end=\${__to}`,
      targetBlank: true,
    },
  ];
}

/** From a log line: the process's spans (thread and async) running at the line's time. */
export function logLineLinks(ctx: LinkContext): DataLink[] {
  return [
    explore(
      ctx,
      'Spans around this line',
      `SELECT id, parent, name, thread_name, begin, "end", duration\nFROM process_spans('${PID}', 'both')\n` +
        `WHERE begin <= to_timestamp_millis(\${__value.time}) AND "end" >= to_timestamp_millis(\${__value.time})\nORDER BY begin`,
      'traces'
    ),
  ];
}

/** The thread stream a statement reads spans from (`view_instance('thread_spans', '<id>')`). */
export function threadStreamOf(sql: string): string | undefined {
  const m = /view_instance\s*\(\s*'thread_spans'\s*,\s*'((?:[^']|'')*)'\s*\)/i.exec(sql);
  return m ? m[1].replace(/''/g, "'") : undefined;
}

/** From a span id: its children, and its whole thread, over the same range. */
export function spanLinks(ctx: LinkContext, streamId: string): DataLink[] {
  const from = `FROM view_instance('thread_spans', '${streamId.replace(/'/g, "''")}')`;
  return [
    explore(
      ctx,
      'Children of this span',
      `SELECT id, parent, name, begin, "end", duration\n${from}\nWHERE parent = ${PID}\nORDER BY begin`,
      'table'
    ),
    explore(
      ctx,
      'Thread of this span',
      `SELECT id, parent, name, begin, "end", duration\n${from}\nORDER BY begin`,
      'traces'
    ),
  ];
}

/** True when a text column holds at least one value (links on an all-null column are noise). */
function hasText(col: Column): boolean {
  return col.chunks.some((c) => {
    for (let i = 0; i < c.length; i++) {
      if (isValid(c, i) && utf8At(c, i) !== '') {
        return true;
      }
    }
    return false;
  });
}

interface LinkableField {
  name: string;
  type: string;
  config?: FieldConfig;
}

function withLinks<T extends LinkableField>(field: T, links: DataLink[]): T {
  return { ...field, config: { ...field.config, links: [...(field.config?.links ?? []), ...links] } };
}

/**
 * Adds the drill-down links to a frame's fields: `process_id` (and `parent_process_id`)
 * fields get the process links; span `id` fields of a statement reading one thread get the
 * span links.
 */
export function addLinks<T extends LinkableField>(
  fields: T[],
  format: FrameFormat,
  ctx: LinkContext,
  executedSql: string
): T[] {
  const stream = format === 'flame_graph' ? undefined : threadStreamOf(executedSql);
  return fields.map((f) => {
    const name = f.name.toLowerCase();
    if ((name === 'process_id' || name === 'parent_process_id') && f.type === 'string') {
      return withLinks(f, processLinks(ctx));
    }
    if (stream !== undefined && f.name === 'id' && f.type === 'number') {
      return withLinks(f, spanLinks(ctx, stream));
    }
    return f;
  });
}

/**
 * A logs frame keeps its text columns in `labels`: it gets a `process_id` field of its own
 * (same rows as the lines) carrying the process links and the log line link.
 */
export function addLogLinks(fields: FrameField[], columns: Column[], ctx: LinkContext): FrameField[] {
  if (fields.some((f) => f.name === 'process_id')) {
    return fields;
  }
  const pid = columns.find((c) => c.name.toLowerCase() === 'process_id' && c.tstype === 'string');
  const rows = fields[0]?.chunks.reduce((n, c) => n + c.length, 0);
  const data = pid && hasText(pid) ? concatData(pid.chunks) : undefined;
  // Only when no line was left out (for a missing time): the rows must line up.
  if (!pid || !data || data.length !== rows) {
    return fields;
  }
  return [...fields, withLinks(toField(pid, { chunks: [data] }), [...processLinks(ctx), ...logLineLinks(ctx)])];
}
