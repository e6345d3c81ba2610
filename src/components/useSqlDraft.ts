import { useState } from 'react';

export interface SqlDraft {
  /** What the editor shows: the committed SQL or what is being typed. */
  draft: string;
  /** For SqlCodeEditor's onChange: keeps typing local; Ctrl/Cmd+Enter (`run`) commits. */
  onChange: (text: string, run: boolean) => void;
  /** For SqlCodeEditor's onBlur: commits when the text differs from the committed SQL. */
  onBlur: (text: string) => void;
}

/**
 * SQL of an editor whose every committed change re-runs a query (variables, annotations):
 * typing stays a local draft, committed on blur or Ctrl/Cmd+Enter. A change of the
 * committed SQL from outside (undo, another editor) replaces the draft.
 */
export function useSqlDraft(committed: string, commit: (sql: string) => void): SqlDraft {
  const [draft, setDraft] = useState(committed);
  const [lastSeen, setLastSeen] = useState(committed);
  if (lastSeen !== committed) {
    setLastSeen(committed);
    setDraft(committed);
  }
  return {
    draft,
    onChange: (text, run) => {
      setDraft(text);
      if (run) {
        commit(text);
      }
    },
    onBlur: (text) => {
      if (text !== committed) {
        commit(text);
      }
    },
  };
}
