import {
  ColumnInfo,
  ColumnsResponse,
  SchemaResponse,
  FunctionInfo,
  FunctionsResponse,
  TableInfo,
  TablesResponse,
} from './types';

/** The part of the data source the schema client needs (DataSourceWithBackend.getResource). */
export interface ResourceFetcher {
  getResource<T>(path: string, params?: Record<string, string>): Promise<T>;
  postResource<T>(path: string, data?: unknown): Promise<T>;
}

/** How long autocomplete waits for a resource before giving up (it never blocks typing). */
export const RESOURCE_TIMEOUT_MS = 10_000;

/**
 * Turns whatever getResource rejected with (Grafana's FetchError, a plain Error, a timeout)
 * into one readable sentence. The backend answers errors as `{ error: "<message>" }`.
 */
export function resourceErrorMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as {
      data?: { error?: unknown; message?: unknown };
      status?: unknown;
      statusText?: unknown;
      message?: unknown;
    };
    const fromBody = e.data?.error ?? e.data?.message;
    if (typeof fromBody === 'string' && fromBody.trim() !== '') {
      return fromBody;
    }
    if (typeof e.status === 'number' && e.status > 0) {
      return `HTTP ${e.status}${typeof e.statusText === 'string' && e.statusText ? ` ${e.statusText}` : ''}`;
    }
    if (typeof e.message === 'string' && e.message) {
      return e.message;
    }
  }
  return typeof err === 'string' && err ? err : 'the data source did not answer';
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      }
    );
  });
}

export type SchemaProblemListener = (problem: string | undefined) => void;

/**
 * Cached, failure-tolerant access to the backend's editor resources. Every method resolves
 * (to an empty list on failure) so that autocomplete degrades instead of erroring; the
 * latest problem is reported to listeners for a small inline hint. Failed lookups are not
 * cached, so a backend that comes back is picked up on the next keystroke.
 */
export class SchemaClient {
  private tablesP?: Promise<TableInfo[]>;
  private functionsP?: Promise<FunctionsResponse>;
  private columnsP = new Map<string, Promise<ColumnInfo[]>>();
  private listeners = new Set<SchemaProblemListener>();
  private problem: string | undefined;

  constructor(
    private readonly fetcher: ResourceFetcher,
    private readonly timeoutMs = RESOURCE_TIMEOUT_MS
  ) {}

  onProblem(listener: SchemaProblemListener): () => void {
    this.listeners.add(listener);
    listener(this.problem);
    return () => this.listeners.delete(listener);
  }

  currentProblem(): string | undefined {
    return this.problem;
  }

  private report(problem: string | undefined) {
    if (problem !== this.problem) {
      this.problem = problem;
      this.listeners.forEach((l) => l(problem));
    }
  }

  private async load<T>(what: string, path: string, params?: Record<string, string>): Promise<T> {
    const value = await withTimeout(this.fetcher.getResource<T>(path, params), this.timeoutMs, `Loading ${what}`);
    this.report(undefined);
    return value;
  }

  tables(): Promise<TableInfo[]> {
    if (!this.tablesP) {
      this.tablesP = this.load<TablesResponse>('tables', 'tables').then(
        (r) => (Array.isArray(r?.tables) ? r.tables : []),
        (err) => {
          this.tablesP = undefined;
          this.report(`Autocomplete unavailable: ${resourceErrorMessage(err)}`);
          return [];
        }
      );
    }
    return this.tablesP;
  }

  columns(table: string): Promise<ColumnInfo[]> {
    let p = this.columnsP.get(table);
    if (!p) {
      p = this.load<ColumnsResponse>(`columns of ${table}`, 'columns', { table }).then(
        (r) => (Array.isArray(r?.columns) ? r.columns : []),
        (err) => {
          this.columnsP.delete(table);
          // An unknown name (a CTE, an alias) is a normal 4xx: not worth a hint.
          const status = (err as { status?: number } | undefined)?.status;
          if (status === undefined || status >= 500) {
            this.report(`Autocomplete unavailable: ${resourceErrorMessage(err)}`);
          }
          return [];
        }
      );
      this.columnsP.set(table, p);
    }
    return p;
  }

  functions(): Promise<{ functions: FunctionInfo[]; macros: FunctionInfo[] }> {
    if (!this.functionsP) {
      this.functionsP = this.load<FunctionsResponse>('functions', 'functions').then(
        (r) => ({
          functions: Array.isArray(r?.functions) ? r.functions : [],
          macros: Array.isArray(r?.macros) ? r.macros : [],
        }),
        (err) => {
          this.functionsP = undefined;
          this.report(`Autocomplete unavailable: ${resourceErrorMessage(err)}`);
          return { functions: [], macros: [] };
        }
      );
    }
    return this.functionsP;
  }

  /**
   * Result columns of a statement (prepared on the server, no data read), for the variable
   * and annotation column pickers. Rejects with a readable message: the caller shows it.
   */
  async resultColumns(sql: string): Promise<ColumnInfo[]> {
    try {
      const r = await withTimeout(
        this.fetcher.postResource<SchemaResponse>('schema', { sql }),
        this.timeoutMs,
        'Reading the result columns'
      );
      return Array.isArray(r?.columns) ? r.columns : [];
    } catch (err) {
      throw new Error(resourceErrorMessage(err));
    }
  }
}
