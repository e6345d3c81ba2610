/**
 * Browser APIs jsdom lacks and @grafana/ui's Combobox uses. The scaffolded jest setup stubs
 * canvas getContext() to return undefined, but Combobox sizes its menu with measureText,
 * and its virtualised list observes visibility and size.
 */
HTMLCanvasElement.prototype.getContext = function getContext() {
  return { font: '', measureText: (text: string) => ({ width: text.length * 7 }) };
} as unknown as typeof HTMLCanvasElement.prototype.getContext;

class NoopObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

const g = globalThis as Record<string, unknown>;
g.IntersectionObserver ??= NoopObserver;
g.ResizeObserver ??= NoopObserver;

export {};
