import { SQLEditor } from '@grafana/plugin-ui';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import { SchemaClient } from '../resources';
import { micromegasSqlLanguage } from '../sql/completion';

interface Props {
  sql: string;
  schema: SchemaClient;
  /** Every edit; `run` is true for Ctrl/Cmd+Enter. */
  onChange: (sql: string, run: boolean) => void;
  /** Focus left the editor (editors that run on blur, like the variable editor). */
  onBlur?: (sql: string) => void;
  height?: number;
}

/**
 * Monaco SQL editor with Micromegas autocomplete. Resource failures never block the
 * editor: they show as a one-line hint under it.
 */
export function SqlCodeEditor({ sql, schema, onChange, onBlur, height }: Props) {
  const latestSql = useRef(sql);
  latestSql.current = sql;
  const language = useMemo(() => micromegasSqlLanguage(schema, () => latestSql.current), [schema]);
  const [hint, setHint] = useState<string | undefined>(schema.currentProblem());

  useEffect(() => schema.onProblem(setHint), [schema]);
  // Warm the caches so the first suggestions come quickly; failures only set the hint.
  useEffect(() => {
    void schema.tables();
    void schema.functions();
  }, [schema]);

  return (
    <div data-testid="micromegas-sql-editor">
      <SQLEditor
        query={sql}
        language={language}
        height={height}
        onBlur={onBlur}
        onChange={(text, processQuery) => {
          latestSql.current = text;
          onChange(text, processQuery);
        }}
      />
      {hint && (
        <div role="status" style={{ fontSize: 12, opacity: 0.8, marginTop: 4 }}>
          {hint}
        </div>
      )}
    </div>
  );
}
