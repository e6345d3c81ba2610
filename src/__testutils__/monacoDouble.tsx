/**
 * Test double for Monaco, which Grafana provides at runtime and which cannot run in jsdom.
 * Jest maps @grafana/ui's lazily loaded `ReactMonacoEditor` to this textarea so that the
 * real @grafana/ui CodeEditor and @grafana/plugin-ui SQLEditor code paths (change
 * listeners, the Ctrl/Cmd+Enter command, blur, language registration) run in component
 * tests. Only the editor surface is replaced; none of the plugin's code is.
 */
import React, { useEffect, useMemo, useRef } from 'react';

const KeyMod = { CtrlCmd: 2048, Shift: 1024, Alt: 512, WinCtrl: 256 };
const KeyCode = { Enter: 3, KeyS: 49, KeyT: 84 };

type Disposable = { dispose: () => void };
const disposable = (): Disposable => ({ dispose: () => undefined });

/** What tests can inspect: registered completion providers per language id. */
export const registeredCompletionProviders = new Map<string, unknown>();

const monacoDouble = {
  KeyMod,
  KeyCode,
  Range: { fromPositions: (start: unknown, end?: unknown) => ({ start, end: end ?? start }) },
  editor: { defineTheme: () => undefined, remeasureFonts: () => undefined },
  languages: {
    getLanguages: () => [{ id: 'sql' }],
    register: () => undefined,
    setMonarchTokensProvider: () => disposable(),
    setLanguageConfiguration: () => disposable(),
    registerDocumentFormattingEditProvider: () => disposable(),
    registerCompletionItemProvider: (id: string, provider: unknown) => {
      registeredCompletionProviders.set(id, provider);
      return disposable();
    },
  },
};

interface Props {
  value?: string;
  language?: string;
  beforeMount?: (monaco: typeof monacoDouble) => void;
  onMount?: (editor: unknown, monaco: typeof monacoDouble) => void;
}

export function ReactMonacoEditor({ value, beforeMount, onMount }: Props) {
  const area = useRef<HTMLTextAreaElement>(null);
  const changeListeners = useRef<Array<() => void>>([]);
  const commands = useRef(new Map<number, () => void>());

  const editor = useMemo(
    () => ({
      getValue: () => area.current?.value ?? '',
      getModel: () => ({
        id: 'model-1',
        onDidChangeContent: (l: () => void) => (changeListeners.current.push(l), disposable()),
      }),
      onDidChangeModelContent: (l: () => void) => (changeListeners.current.push(l), disposable()),
      addCommand: (keybinding: number, handler: () => void) => void commands.current.set(keybinding, handler),
      onKeyDown: () => disposable(),
      onKeyUp: () => disposable(),
      trigger: () => undefined,
      getAction: () => ({ run: async () => undefined }),
    }),
    []
  );

  useEffect(() => {
    beforeMount?.(monacoDouble);
    onMount?.(editor, monacoDouble);
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  // Like @monaco-editor/react: a new `value` prop replaces the content when it differs.
  useEffect(() => {
    if (area.current && value !== undefined && area.current.value !== value) {
      area.current.value = value;
    }
  }, [value]);

  return (
    <textarea
      aria-label="SQL editor"
      ref={area}
      defaultValue={value}
      onChange={() => changeListeners.current.forEach((l) => l())}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
          commands.current.get(KeyMod.CtrlCmd | KeyCode.Enter)?.();
        }
      }}
    />
  );
}
