import { useEffect, useState } from 'react';

import type { DataSource } from '../datasource';
import { interpolateSql } from '../datasource';
import { ColumnInfo } from '../types';

/**
 * Result columns of `sql` (template variables applied) for column pickers; a failure is
 * reported as text, never thrown. Waits for typing to pause before asking the backend.
 */
export function useResultColumns(datasource: DataSource, sql: string, delayMs = 400): { columns: ColumnInfo[]; error?: string } {
  const [state, setState] = useState<{ columns: ColumnInfo[]; error?: string }>({ columns: [] });
  useEffect(() => {
    if (sql.trim() === '') {
      setState({ columns: [] });
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
      datasource.schema.resultColumns(prepared).then(
        (columns) => !cancelled && setState({ columns }),
        (err: Error) => !cancelled && setState({ columns: [], error: err.message })
      );
    }, delayMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [datasource, sql, delayMs]);
  return state;
}
