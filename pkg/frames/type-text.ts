// Column type names as the editor shows them, in the notation of Micromegas and
// DataFusion (arrow-rs), e.g. `Dictionary(Int32, Utf8)`, `Timestamp(ns, "+00:00")`.
import * as arrow from 'apache-arrow';

import { UNIT_SUFFIX } from './time';

export function arrowTypeToText(type: arrow.DataType): string {
  switch (type.typeId) {
    case arrow.Type.Null:
      return 'Null';
    case arrow.Type.Bool:
      return 'Boolean';
    case arrow.Type.Int: {
      const t = type as arrow.Int;
      return `${t.isSigned ? 'Int' : 'UInt'}${t.bitWidth}`;
    }
    case arrow.Type.Float: {
      const p = (type as arrow.Float).precision;
      return p === arrow.Precision.HALF ? 'Float16' : p === arrow.Precision.SINGLE ? 'Float32' : 'Float64';
    }
    case arrow.Type.Utf8:
      return 'Utf8';
    case arrow.Type.LargeUtf8:
      return 'LargeUtf8';
    case arrow.Type.Utf8View:
      return 'Utf8View';
    case arrow.Type.Binary:
      return 'Binary';
    case arrow.Type.LargeBinary:
      return 'LargeBinary';
    case arrow.Type.BinaryView:
      return 'BinaryView';
    case arrow.Type.FixedSizeBinary:
      return `FixedSizeBinary(${(type as arrow.FixedSizeBinary).byteWidth})`;
    case arrow.Type.Decimal: {
      const t = type as arrow.Decimal;
      return `Decimal${t.bitWidth}(${t.precision}, ${t.scale})`;
    }
    case arrow.Type.Date:
      return (type as arrow.Date_).unit === arrow.DateUnit.DAY ? 'Date32' : 'Date64';
    case arrow.Type.Time: {
      const t = type as arrow.Time;
      return `Time${t.bitWidth}(${UNIT_SUFFIX[t.unit]})`;
    }
    case arrow.Type.Timestamp: {
      const t = type as arrow.Timestamp;
      return t.timezone ? `Timestamp(${UNIT_SUFFIX[t.unit]}, "${t.timezone}")` : `Timestamp(${UNIT_SUFFIX[t.unit]})`;
    }
    case arrow.Type.Duration:
      return `Duration(${UNIT_SUFFIX[(type as arrow.Duration).unit]})`;
    case arrow.Type.Interval:
      return `Interval(${arrow.IntervalUnit[(type as arrow.Interval).unit]})`;
    case arrow.Type.List:
      return `List(${arrowTypeToText((type as arrow.List).valueType)})`;
    case arrow.Type.LargeList:
      return `LargeList(${arrowTypeToText((type as arrow.LargeList).valueType)})`;
    case arrow.Type.FixedSizeList: {
      const t = type as arrow.FixedSizeList;
      return `FixedSizeList(${t.listSize}, ${arrowTypeToText(t.valueType)})`;
    }
    case arrow.Type.Struct:
      return `Struct(${(type as arrow.Struct).children.map((f) => `${f.name} ${arrowTypeToText(f.type)}`).join(', ')})`;
    case arrow.Type.Map: {
      const entries = (type as arrow.Map_).children[0].type as arrow.Struct;
      return `Map(${entries.children.map((f) => arrowTypeToText(f.type)).join(', ')})`;
    }
    case arrow.Type.Union: {
      const t = type as arrow.Union;
      const mode = t.mode === arrow.UnionMode.Dense ? 'Dense' : 'Sparse';
      return `Union(${mode}, ${t.children.map((f) => `${f.name} ${arrowTypeToText(f.type)}`).join(', ')})`;
    }
    case arrow.Type.Dictionary: {
      const t = type as arrow.Dictionary;
      return `Dictionary(${arrowTypeToText(t.indices)}, ${arrowTypeToText(t.dictionary)})`;
    }
    default:
      return String(type);
  }
}
