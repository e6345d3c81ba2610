// Logs format (Grafana dataplane "log-lines" 0.0): timestamp (time, non-null), body
// (string, non-null), severity, id, labels (JSON object of the text columns), then
// the remaining columns. Accepts Micromegas names (time, msg, level) and aliases.
import * as arrow from 'apache-arrow';

import { LEVEL_NAMES } from '../../src/query/logLevels';

import { concatData, fixedData, gather, isValid, VarBinaryBuilder } from './buffers';
import { toHex } from './hex';
import { describeColumns, findColumn as findByName, toField, type Column } from './columns';
import { jsonAt, utf8At } from './json-value';
import { FrameFormatError, type FrameField } from './model';
import type { Notes } from './notes';
import { SLICE_MASK, type Slicer } from './slicer';
import { findTimeColumn } from './timeseries';

const UTF8 = new arrow.Utf8();
const BINARY = new arrow.Binary();

// The level names are shared with the frontend's log filters.
export { LEVEL_NAMES };

/** FNV-1a over UTF-16 code units: a short, stable fingerprint for row ids. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

export async function logsFields(columns: Column[], notes: Notes, slicer: Slicer): Promise<FrameField[]> {
  const timeCol = findTimeColumn(columns, ['timestamp', 'time']);
  if (!timeCol) {
    throw new FrameFormatError(
      `Format "Logs" needs a timestamp column (named "time" or "timestamp"), and this result has none (${describeColumns(columns)}). ` +
        `Select the log time (e.g. "SELECT time, level, msg FROM log_entries"), or set the query's format to Table.`
    );
  }
  const bodyCol = findByName(columns, ['body', 'msg', 'message', 'line'], ['string', 'other']);
  if (!bodyCol) {
    throw new FrameFormatError(
      `Format "Logs" needs a message column named "msg" or "body", and this result has none (${describeColumns(columns)}). ` +
        `Select the message (e.g. "msg" or "<expression> AS body"), or set the query's format to Table.`
    );
  }
  const severityCol = findByName(columns, ['severity', 'level'], ['string', 'number', 'enum']);
  const idCol = columns.find((c) => c.name === 'id');
  const used = new Set<Column>([timeCol, bodyCol, ...(severityCol ? [severityCol] : []), ...(idCol ? [idCol] : [])]);
  const labelCols = columns.filter((c) => !used.has(c) && c.tstype === 'string');
  const otherCols = columns.filter((c) => !used.has(c) && c.tstype !== 'string');

  // Rows keep the query's order; rows without a time cannot be shown as log lines.
  const time = concatData(timeCol.chunks);
  const rows: number[] = [];
  for (let i = 0; i < time.length; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    if (isValid(time, i)) {
      rows.push(i);
    }
  }
  const dropped = time.length - rows.length;
  if (dropped > 0) {
    notes.push({
      severity: 'warning',
      text: `${dropped} row(s) without a ${timeCol.name} are not shown as log lines.`,
    });
  }
  const order = Uint32Array.from(rows);
  const idx = fixedData(new arrow.Uint32(), order, order.length, undefined, 0);
  const pick = (c: Column): arrow.Data => (dropped === 0 ? concatData(c.chunks) : gather(concatData(c.chunks), idx));
  const n = order.length;

  const body = pick(bodyCol);
  const bodyText = (i: number): string =>
    !isValid(body, i) ? '' : bodyCol.tstype === 'string' ? utf8At(body, i) : jsonAt(body, i, () => 'null');
  const bodyOut = new VarBinaryBuilder(n, (body.values as Uint8Array).length + n);
  for (let i = 0; i < n; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    bodyOut.pushString(bodyText(i));
  }

  const labelData = labelCols.map(pick);
  const labelsOut = new VarBinaryBuilder(n, n * 64);
  const labelJson: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if ((i & SLICE_MASK) === 0 && slicer.due()) {
      await slicer.pause();
    }
    const obj: Record<string, string> = {};
    labelCols.forEach((c, k) => {
      if (isValid(labelData[k], i)) {
        obj[c.name] = utf8At(labelData[k], i);
      }
    });
    labelJson[i] = JSON.stringify(obj);
    labelsOut.pushString(labelJson[i]);
  }

  const fields: FrameField[] = [
    toField(timeCol, { name: 'timestamp', chunks: [pick(timeCol)], nullable: false }),
    { name: 'body', type: 'string', chunks: [bodyOut.finish(UTF8)], nullable: false },
  ];

  if (severityCol) {
    const sev = pick(severityCol);
    const out = new VarBinaryBuilder(n, n * 8);
    for (let i = 0; i < n; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      if (!isValid(sev, i)) {
        out.pushNull();
      } else if (severityCol.tstype === 'string') {
        out.pushString(utf8At(sev, i));
      } else {
        const level = Number(JSON.parse(jsonAt(sev, i, () => 'null')));
        out.pushString(LEVEL_NAMES[level] ?? 'unknown');
      }
    }
    fields.push({
      name: 'severity',
      type: 'string',
      chunks: [out.finish(UTF8)],
      config: severityCol.name === 'severity' ? severityCol.config : undefined,
    });
  }

  // id: the query's own, else time + fingerprint of the line (+ a counter for repeats).
  const idOut = new VarBinaryBuilder(n, n * 32);
  if (idCol) {
    const ids = pick(idCol);
    for (let i = 0; i < n; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      if (!isValid(ids, i)) {
        idOut.pushString(`row-${i}`);
      } else {
        idOut.pushString(
          idCol.tstype === 'string' ? utf8At(ids, i) : jsonAt(ids, i, (b) => toHex(b)).replace(/^"|"$/g, '')
        );
      }
    }
  } else {
    const t = pick(timeCol).values as unknown as BigInt64Array;
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      if ((i & SLICE_MASK) === 0 && slicer.due()) {
        await slicer.pause();
      }
      const base = `${t[i]}_${fingerprint(bodyText(i) + labelJson[i])}`;
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      idOut.pushString(count === 0 ? base : `${base}_${count}`);
    }
  }
  fields.push({ name: 'id', type: 'string', chunks: [idOut.finish(UTF8)], nullable: false });
  fields.push({ name: 'labels', type: 'other', chunks: [labelsOut.finish(BINARY)], nullable: false });

  for (const c of otherCols) {
    fields.push(toField(c, { chunks: [pick(c)] }));
  }
  return fields;
}
