// Merges the small record batches of a streamed table before they are written to the
// frame's IPC file. Grafana reads a frame record batch by record batch (one IPC file
// reader, then each batch's columns value by value), so many small batches cost it a
// little per batch; Micromegas sends results in batches of a few thousand rows.
// Batches are merged up to COALESCE_ROWS rows or COALESCE_BYTES bytes, so the copy a
// merge makes is bounded (at most 4 MiB held twice, briefly) and a batch already that
// large is written as it is, by reference.
import type * as arrow from 'apache-arrow';

import { concatData } from './buffers';

export const COALESCE_ROWS = 65_536;
export const COALESCE_BYTES = 4 << 20;

type Write = (numRows: number, columns: arrow.Data[]) => void;

export class BatchCoalescer {
  private pending: arrow.Data[][] = [];
  private rows = 0;
  private bytes = 0;

  constructor(private readonly write: Write) {}

  push(numRows: number, columns: arrow.Data[]): void {
    const bytes = columns.reduce((n, d) => n + d.byteLength, 0);
    if (this.pending.length === 0 && (numRows >= COALESCE_ROWS || bytes >= COALESCE_BYTES)) {
      this.write(numRows, columns);
      return;
    }
    // A column whose type changed (settled on a later batch) is not merged across the change.
    if (this.pending.length > 0 && columns.some((d, c) => d.type.typeId !== this.pending[0][c].type.typeId)) {
      this.flush();
    }
    this.pending.push(columns);
    this.rows += numRows;
    this.bytes += bytes;
    if (this.rows >= COALESCE_ROWS || this.bytes >= COALESCE_BYTES) {
      this.flush();
    }
  }

  /** Writes what is pending (call after the last batch). */
  flush(): void {
    const pending = this.pending;
    if (pending.length === 0) {
      return;
    }
    const columns = pending.length === 1 ? pending[0] : pending[0].map((_, c) => concatData(pending.map((p) => p[c])));
    const rows = this.rows;
    this.pending = [];
    this.rows = 0;
    this.bytes = 0;
    this.write(rows, columns);
  }
}
