// Collects what the conversion changed, per kind, and turns it into a few grouped
// frame notices (one per kind naming every affected column) instead of one per column.
import type { Notice } from './model';

export type NoteKind =
  | 'json-text' // nested / unsupported type rendered as JSON text
  | 'hex' // opaque binary rendered as hex
  | 'decimal' // decimal → float64
  | 'jsonb-invalid' // JSONB values that did not decode
  | 'time-overflow' // timestamps outside the int64 nanosecond range
  | 'dropped' // a column left out of a reshaped frame
  | 'other';

interface Entry {
  columns: Map<string, number>;
  detail?: string;
}

const TEXTS: Record<NoteKind, { severity: Notice['severity']; text: (cols: string) => string }> = {
  'json-text': {
    severity: 'info',
    text: (c) => `Shown as JSON text (Grafana has no field type for lists, structs, maps or unions): ${c}.`,
  },
  hex: { severity: 'info', text: (c) => `Binary values shown as lowercase hex: ${c}.` },
  decimal: {
    severity: 'info',
    text: (c) => `Decimal values converted to 64-bit floats (about 15 significant digits kept): ${c}.`,
  },
  'jsonb-invalid': {
    severity: 'warning',
    text: (c) => `Some values were not valid Micromegas JSONB and are shown as hex strings: ${c}.`,
  },
  'time-overflow': {
    severity: 'warning',
    text: (c) =>
      `Some times are outside the range Grafana can represent (years 1678–2262) and are shown as empty: ${c}.`,
  },
  dropped: { severity: 'warning', text: (c) => `Columns not included in this frame: ${c}.` },
  other: { severity: 'info', text: (c) => c },
};

export class Notes {
  private readonly entries = new Map<NoteKind, Entry>();
  private readonly extra: Notice[] = [];

  /** Records that `column` is affected by `kind`; `count` values (or the whole column when 0). */
  add(kind: NoteKind, column: string, count = 0): void {
    let entry = this.entries.get(kind);
    if (!entry) {
      entry = { columns: new Map() };
      this.entries.set(kind, entry);
    }
    entry.columns.set(column, (entry.columns.get(column) ?? 0) + count);
  }

  push(notice: Notice): void {
    this.extra.push(notice);
  }

  notices(): Notice[] {
    const out: Notice[] = [];
    for (const [kind, entry] of this.entries) {
      const cols = [...entry.columns]
        .map(([name, count]) => (count > 0 ? `${name} (${count} value${count === 1 ? '' : 's'})` : name))
        .join(', ');
      out.push({ severity: TEXTS[kind].severity, text: TEXTS[kind].text(cols) });
    }
    return [...out, ...this.extra];
  }
}
