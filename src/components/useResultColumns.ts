import { useEffect, useState } from 'react';

import { interpolateSql } from '../query/interpolate';
import { SchemaClient } from '../resources';
import { ColumnInfo } from '../types';

interface ColumnsState {
  sql: string;
  columns: ColumnInfo[];
  error?: string;
}

/**
 * Result columns of `sql` (template variables applied) for column pickers; a failure is
 * reported as text, never thrown. Waits for typing to pause before asking the backend.
 */
export function useResultColumns(
  schema: SchemaClient,
  sql: string,
  delayMs = 400
): { columns: ColumnInfo[]; error?: string } {
  const [state, setState] = useState<ColumnsState>({ sql: '', columns: [] });
  useEffect(() => {
    if (sql.trim() === '') {
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      let prepared: string;
      try {
        prepared = interpolateSql(sql, {});
      } catch {
        prepared = sql;
      }
      schema.resultColumns(prepared).then(
        (columns) => !cancelled && setState({ sql, columns }),
        (err: Error) => !cancelled && setState({ sql, columns: [], error: err.message })
      );
    }, delayMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [schema, sql, delayMs]);
  // Answers for an older statement are not shown against the current one.
  return state.sql === sql ? state : { columns: [] };
}
