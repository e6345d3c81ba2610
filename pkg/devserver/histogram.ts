// The histogram value's Arrow type, as Micromegas declares it (rust/datafusion-extensions
// src/histogram/accumulator.rs, state_arrow_fields): every child non-null, bins a list of
// non-null UInt64 items named "bin". The DuckDB macros in dialect.ts build a STRUCT with
// these entry names; arrow.ts sends any such struct with exactly this type.
import { Field, Float64, List, Struct, Uint64 } from 'apache-arrow';

export const HISTOGRAM_FIELDS = ['start', 'end', 'min', 'max', 'sum', 'sum_sq', 'count', 'bins'] as const;

export function histogramArrowType(): Struct {
  const f64 = (name: string) => new Field(name, new Float64(), false);
  return new Struct([
    f64('start'),
    f64('end'),
    f64('min'),
    f64('max'),
    f64('sum'),
    f64('sum_sq'),
    new Field('count', new Uint64(), false),
    new Field('bins', new List(new Field('bin', new Uint64(), false)), false),
  ]);
}

/** Whether a struct's entry names are the histogram's (in order). */
export function isHistogramStruct(entryNames: readonly string[]): boolean {
  return entryNames.length === HISTOGRAM_FIELDS.length && HISTOGRAM_FIELDS.every((n, i) => entryNames[i] === n);
}
