// GET resources/perfetto?process_id=…&begin=…&end=…[&span_types=both]: a process's spans
// as a Perfetto trace download, for data links ("open this process in Perfetto"). The
// trace is assembled completely before it is answered, so a failure mid-way is an error,
// never a truncated file.
import { PERFETTO_SPAN_TYPES, processTraceChunks, type PerfettoSpanTypes } from '../micromegas/perfetto';
import { attributionHeaders } from './attribution';
import { RequestError } from './request-error';
import type { QueryEnv, ResourceResponse } from './types';

/** Epoch milliseconds (Grafana's `${__from}`) or an RFC 3339 / ISO 8601 time with a zone (`${__from:date:iso}`). */
function parseTime(name: string, raw: string | null): Date {
  if (!raw) {
    throw new RequestError(`${name} is required (epoch milliseconds, e.g. \${__from}, or an ISO time)`);
  }
  const date = /^\d+$/.test(raw)
    ? new Date(Number(raw))
    : /(Z|[+-]\d\d:?\d\d)$/i.test(raw)
      ? new Date(raw)
      : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    throw new RequestError(`${name} "${raw}" is not a time: use epoch milliseconds or an ISO time with a zone`);
  }
  return date;
}

export interface PerfettoDownload {
  processId: string;
  begin: Date;
  end: Date;
  spanTypes: PerfettoSpanTypes;
}

export function parsePerfettoRequest(params: URLSearchParams): PerfettoDownload {
  const processId = params.get('process_id')?.trim() ?? '';
  if (processId === '' || processId.length > 200) {
    throw new RequestError('process_id is required (the process to export, e.g. ${__data.fields.process_id})');
  }
  const begin = parseTime('begin', params.get('begin'));
  const end = parseTime('end', params.get('end'));
  if (begin.getTime() >= end.getTime()) {
    throw new RequestError('begin must be before end');
  }
  const spanTypes = (params.get('span_types') ?? 'both') as PerfettoSpanTypes;
  if (!PERFETTO_SPAN_TYPES.includes(spanTypes)) {
    throw new RequestError(`span_types must be one of ${PERFETTO_SPAN_TYPES.join(', ')}`);
  }
  return { processId, begin, end, spanTypes };
}

/** A file name safe in a Content-Disposition header. */
function fileName(d: PerfettoDownload): string {
  const id = d.processId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return `micromegas-${id}-${d.begin.toISOString().replace(/[:.]/g, '-')}.pftrace`;
}

export async function perfettoDownload(
  env: QueryEnv,
  d: PerfettoDownload,
  call: { signal: AbortSignal; timeoutMs: number }
): Promise<ResourceResponse> {
  const chunks: Uint8Array[] = [];
  const source = {
    queryStream: (sql: string, begin: Date | string, end: Date | string) =>
      env.client.queryStream(sql, begin, end, {
        signal: call.signal,
        timeoutMs: call.timeoutMs,
        headers: attributionHeaders(env.settings, env.user),
      }),
  };
  for await (const chunk of processTraceChunks(source, d.processId, d.begin, d.end, d.spanTypes)) {
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  if (body.byteLength === 0) {
    throw new RequestError(
      `no Perfetto trace for process ${d.processId} in this time range: check the process id and the range`
    );
  }
  return {
    status: 200,
    headers: {
      'content-type': ['application/octet-stream'],
      'content-disposition': [`attachment; filename="${fileName(d)}"`],
    },
    body,
  };
}
