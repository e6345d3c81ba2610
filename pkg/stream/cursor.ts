// Which rows of a poll are new. Each poll asks for the window [from, to] (epoch ms, both
// inclusive) where `from` reaches back `overlapMs` before the previous window's end, so
// lines that reach Micromegas late (telemetry is sent in blocks) or share a timestamp with
// the last line sent are fetched again and filtered here: a row is new unless an equal row
// (same time to the nanosecond, same values) was already sent as many times as it occurs
// now. Rows are then sent in time order. Remembered rows older than the window are dropped.
import { selectRows, type DataFrameJSON } from '../frames/json';

export interface TailWindow {
  fromMs: number;
  toMs: number;
}

const NS_PER_MS = 1_000_000n;

interface Seen {
  count: number;
  ns: bigint;
}

export class TailCursor {
  private lastToMs: number;
  private readonly seen = new Map<string, Seen>();

  /** `startMs`: the subscription start; earlier lines are history, never sent. */
  constructor(
    readonly startMs: number,
    readonly overlapMs: number
  ) {
    this.lastToMs = startMs;
  }

  /** Rows remembered for de-duplication (bounded by the overlap window). */
  get remembered(): number {
    return this.seen.size;
  }

  /** The next window to query at `nowMs`, forgetting rows that fall before it. */
  next(nowMs: number): TailWindow {
    const fromMs = Math.max(this.startMs, this.lastToMs - this.overlapMs);
    const toMs = Math.max(fromMs, Math.floor(nowMs));
    const floor = BigInt(fromMs) * NS_PER_MS;
    for (const [key, s] of this.seen) {
      if (s.ns < floor) {
        this.seen.delete(key);
      }
    }
    return { fromMs, toMs };
  }

  /**
   * Takes the frames a poll of `window` returned; gives the new rows of each frame (time
   * order), or nothing when a frame has none. Call only for a poll that succeeded whole.
   */
  accept(frames: readonly DataFrameJSON[], window: TailWindow): DataFrameJSON[] {
    const fromNs = BigInt(window.fromMs) * NS_PER_MS;
    const toNs = BigInt(window.toMs) * NS_PER_MS;
    const out: DataFrameJSON[] = [];
    const counts = new Map<string, Seen>();
    frames.forEach((frame, f) => {
      const fields = frame.schema.fields;
      const timeIdx = fields.findIndex((x) => x.type === 'time');
      if (timeIdx < 0) {
        throw new Error('a live tail frame has no time field');
      }
      // Generated ids may depend on the row's position in the result: not part of identity.
      const keyFields = fields.map((_x, i) => i).filter((i) => fields[i].name !== 'id');
      const times = frame.data.values[timeIdx];
      const timeNanos = frame.data.nanos?.[timeIdx];
      const fresh: Array<{ row: number; ns: bigint }> = [];
      for (let row = 0; row < times.length; row++) {
        const ms = times[row];
        if (typeof ms !== 'number') {
          continue;
        }
        const ns = BigInt(ms) * NS_PER_MS + BigInt(timeNanos?.[row] ?? 0);
        if (ns < fromNs || ns > toNs) {
          continue; // outside the window: the next poll (or none) covers it
        }
        const key = `${f}|${ns}|${JSON.stringify(keyFields.map((i) => [frame.data.values[i][row], frame.data.nanos?.[i]?.[row] ?? 0]))}`;
        const c = counts.get(key) ?? { count: 0, ns };
        c.count++;
        counts.set(key, c);
        if (c.count > (this.seen.get(key)?.count ?? 0)) {
          fresh.push({ row, ns });
        }
      }
      if (fresh.length > 0) {
        fresh.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.row - b.row));
        out.push(
          selectRows(
            frame,
            fresh.map((x) => x.row)
          )
        );
      }
    });
    for (const [key, c] of counts) {
      if (c.count > (this.seen.get(key)?.count ?? 0)) {
        this.seen.set(key, c);
      }
    }
    this.lastToMs = window.toMs;
    return out;
  }
}
