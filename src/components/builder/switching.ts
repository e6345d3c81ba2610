// Which editor a query opens in, and whether the SQL editor may hand back to the builder.
// The rule: the builder state is saved with the query; the builder is offered again only
// while the SQL is still the SQL that state generates, so no edit is ever dropped.
import type { MicromegasQuery } from '../../types';
import {
  defaultBuilderState,
  fromUpstreamBuilder,
  normalizeBuilderState,
  type BuilderState,
  type TableState,
} from './model';
import { builderFormat, builderSql, sameSql } from './sql';

export type EditorMode = 'builder' | 'code';

/** The same Table state as the upstream builder wrote it (buildQueryString): compact, ` and `-joined. */
function upstreamSql(t: TableState): string {
  let sql = `SELECT ${t.columns.length > 0 ? t.columns.join(',') : '*'} FROM ${t.table ?? ''}`;
  const wheres = t.wheres.filter((w) => w.trim() !== '');
  if (wheres.length > 0) {
    sql += ` WHERE ${wheres.join(' and ')}`;
  }
  if (t.groupBy) {
    sql += ` GROUP BY ${t.groupBy}`;
  }
  if (t.orderBy) {
    sql += ` ORDER BY ${t.orderBy}`;
  }
  if (t.limit !== undefined) {
    sql += ` LIMIT ${t.limit}`;
  }
  return sql;
}

export interface OpenedQuery {
  mode: EditorMode;
  state: BuilderState;
}

/**
 * The editor a saved query opens in. Ours say so (`editorMode`); an upstream builder query
 * (`rawEditor` not true, `table` set) opens in Table mode when its SQL is still the one its
 * fields produce.
 */
export function openQuery(query: MicromegasQuery): OpenedQuery {
  const sql = query.query ?? '';
  if (query.editorMode === 'builder' || query.editorMode === 'code') {
    const state = normalizeBuilderState(query.builder);
    const mode = query.editorMode === 'builder' && canUseBuilder(state, sql) ? 'builder' : 'code';
    return { mode, state };
  }
  const upstream = fromUpstreamBuilder(query);
  if (upstream) {
    const state: BuilderState = { ...defaultBuilderState('table'), table: upstream };
    if (canUseBuilder(state, sql)) {
      // The SQL stays as saved until the first builder edit rewrites it in our layout.
      return { mode: 'builder', state };
    }
  }
  return { mode: 'code', state: normalizeBuilderState(query.builder) };
}

/** The builder may show this SQL: it is what the state generates, or there is no SQL yet. */
export function canUseBuilder(state: BuilderState, sql: string): boolean {
  return (
    sql.trim() === '' ||
    sameSql(sql, builderSql(state)) ||
    (state.mode === 'table' && sameSql(sql, upstreamSql(state.table)))
  );
}

/** The query after a builder edit: the new state, its SQL and (except Table mode) its format. */
export function applyBuilder(query: MicromegasQuery, state: BuilderState): MicromegasQuery {
  return {
    ...query,
    builder: state,
    editorMode: 'builder',
    query: builderSql(state),
    format: builderFormat(state) ?? query.format,
  };
}

export const NOT_REPRESENTABLE =
  'The SQL was edited and the builder cannot represent it, so it stays in the SQL editor (your SQL is kept). ' +
  'Undo the edits to the generated SQL to use the builder again, or start a new query for the builder.';
