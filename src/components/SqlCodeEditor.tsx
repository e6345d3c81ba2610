import { SQLEditor } from '@grafana/plugin-ui';
import React, { useEffect, useState } from 'react';

import { SchemaClient } from '../resources';
import { micromegasSqlLanguage } from '../sql/completion';

/** The SQL currently in the editor, read by autocomplete outside of React's render. */
class CurrentStatement {
  constructor(private sql: string) {}
  get(): string {
    return this.sql;
  }
  set(sql: string): void {
    this.sql = sql;
  }
}

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
  // Column completion reads the statement being edited; every edit is recorded here.
  const [statement] = useState(() => new CurrentStatement(sql));
  const [language] = useState(() => micromegasSqlLanguage(schema, () => statement.get()));
  useEffect(() => statement.set(sql), [statement, sql]);
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
          statement.set(text);
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
