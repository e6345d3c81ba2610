// The admin-managed query deny list, as Micromegas' (mkdocs admin/functions-reference.md
// "Query Deny List", rust/analytics/src/lakehouse/query_deny_list.rs): rules are boolean SQL
// expressions over a fixed match context; a matching query answers RESOURCE_EXHAUSTED before
// anything runs. deny_queries / list_query_denials / remove_query_denial act here, before
// planning (DuckDB macros cannot change state), and are rewritten to their answers.
import { createHash, randomUUID } from 'node:crypto';

import { status, type Metadata } from '@grpc/grpc-js';

import { grpcError } from './errors';
import type { Lake } from './lake';
import { DataFusionParseError, translate } from './translate';

export interface DenyRule {
  rule_id: string;
  created_at: string;
  created_by: string;
  reason: string;
  match_expr: string;
  last_hit_at: string | null;
}

/** The match context of one query (all nullable Utf8, as documented). */
export type MatchContext = Record<(typeof CONTEXT_COLUMNS)[number], string | null>;

const CONTEXT_COLUMNS = [
  'user_id',
  'email',
  'service_account',
  'client',
  'agent',
  'entrypoint',
  'session',
  'notebook',
  'cell',
  'client_ip',
  'sql',
  'sql_hash',
] as const;

const lit = (s: string | null): string => (s === null ? 'CAST(NULL AS VARCHAR)' : `'${s.replace(/'/g, "''")}'`);

/**
 * Fingerprint of a statement: 16 hex chars of SHA-256 over the text with literals replaced and
 * whitespace collapsed (Micromegas hashes its normalized sqlparser token stream; same idea, not
 * the same bytes).
 */
export function sqlHash(sql: string): string {
  const normalized = sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  return createHash('sha256').update(normalized).digest('hex').slice(0, 16);
}

export function matchContext(metadata: Metadata, caller: string | undefined, sql: string, peer: string): MatchContext {
  const header = (name: string): string | null => {
    const v = metadata.get(name)[0];
    return v === undefined ? null : String(v);
  };
  return {
    user_id: header('x-user-id') ?? caller ?? 'unknown',
    email: header('x-user-email') ?? 'unknown',
    service_account: null,
    client: header('x-client-type') ?? 'unknown',
    agent: header('x-client-agent') ?? 'unknown',
    entrypoint: header('x-client-entrypoint') ?? 'unknown',
    session: header('x-client-session'),
    notebook: header('x-client-notebook'),
    cell: header('x-client-cell'),
    client_ip:
      header('x-forwarded-for')?.split(',').at(-1)?.trim() ?? peer.replace(/^ipv[46]:/, '').replace(/:\d+$/, ''),
    sql,
    sql_hash: sqlHash(sql),
  };
}

/** The rule's expression as DuckDB SQL over a one-row `ctx` (DataFusion's parser and names). */
function ruleSql(expr: string, ctx: MatchContext): string {
  const row = CONTEXT_COLUMNS.map((c) => `${lit(ctx[c])} AS ${c}`).join(', ');
  return translate(`WITH ctx AS (SELECT ${row}) SELECT (${expr}) AS hit FROM ctx`).sql;
}

export class DenyList {
  readonly rules: DenyRule[] = [];

  /** The first rule matching this query, or undefined (free when the list is empty). */
  async check(lake: Lake, ctx: MatchContext): Promise<DenyRule | undefined> {
    if (this.rules.length === 0) {
      return undefined;
    }
    const conn = await lake.connect();
    try {
      for (const rule of this.rules) {
        const reader = await conn.runAndReadAll(ruleSql(rule.match_expr, ctx));
        if (reader.getRows()[0]?.[0] === true) {
          rule.last_hit_at = new Date().toISOString();
          return rule;
        }
      }
      return undefined;
    } finally {
      conn.closeSync();
    }
  }

  /** Validates like Micromegas (compiles, Boolean, references a column) and adds the rule. */
  async add(lake: Lake, expr: string, reason: string, createdBy: string): Promise<DenyRule> {
    if (reason.trim() === '') {
      throw new DataFusionParseError('Error during planning: deny_queries: reason must not be empty');
    }
    const probe: MatchContext = Object.fromEntries(CONTEXT_COLUMNS.map((c) => [c, 'probe'])) as MatchContext;
    const sql = ruleSql(expr, probe);
    if (!CONTEXT_COLUMNS.some((c) => new RegExp(`\\b${c}\\b`, 'i').test(expr.replace(/'(?:[^']|'')*'/g, "''")))) {
      throw new DataFusionParseError(
        `Error during planning: query deny rule must reference at least one match-context column -- a rule with no column reference would deny every query in the deployment: ${expr}`
      );
    }
    const conn = await lake.connect();
    try {
      const reader = await conn.runAndReadAll(sql);
      const type = String(reader.columnTypes()[0]);
      if (type !== 'BOOLEAN') {
        throw new DataFusionParseError(
          `Error during planning: query deny rule must be a boolean expression, got ${type}: ${expr}`
        );
      }
    } catch (err) {
      if (err instanceof DataFusionParseError) {
        throw err;
      }
      throw new DataFusionParseError(
        `Error during planning: query deny rule failed a compile-time check, likely comparing a column against a mismatched type: ${(err as Error).message.split('\n')[0]}: ${expr}`
      );
    } finally {
      conn.closeSync();
    }
    const rule: DenyRule = {
      rule_id: randomUUID(),
      created_at: new Date().toISOString(),
      created_by: createdBy,
      reason,
      match_expr: expr,
      last_hit_at: null,
    };
    this.rules.push(rule);
    return rule;
  }

  remove(ruleId: string): string {
    const i = this.rules.findIndex((r) => r.rule_id === ruleId);
    if (i < 0) {
      return `ERROR: no such rule: ${ruleId}`;
    }
    this.rules.splice(i, 1);
    return `SUCCESS: removed rule ${ruleId}`;
  }
}

export function deniedError(rule: DenyRule, queryId: string): Error {
  return grpcError(
    status.RESOURCE_EXHAUSTED,
    `query denied by rule ${rule.rule_id} (reason: ${rule.reason}); ask an admin to lift it with remove_query_denial('${rule.rule_id}'); query_id=${queryId}`
  );
}

/** Micromegas' recovery hatch: callers who may mutate are never denied a statement naming the three functions. */
export function recoveryStatement(sql: string): boolean {
  const lowered = sql.toLowerCase();
  return ['deny_queries', 'remove_query_denial', 'list_query_denials'].some((f) => lowered.includes(f));
}

const STR = String.raw`'((?:[^']|'')*)'`;
const DENY = new RegExp(String.raw`deny_queries\s*\(\s*${STR}\s*,\s*${STR}\s*\)`, 'gi');
const LIST = /list_query_denials\s*\(\s*\)/gi;
const REMOVE = new RegExp(String.raw`remove_query_denial\s*\(\s*${STR}\s*\)`, 'gi');
const unq = (s: string): string => s.replace(/''/g, "'");

/** Acts on the deny-list functions the SQL calls and rewrites them to their answers. */
export async function denialsRewrite(lake: Lake, sql: string, createdBy: string, dryRun: boolean): Promise<string> {
  let out = sql;
  for (const m of [...sql.matchAll(DENY)]) {
    const id = dryRun
      ? '00000000-0000-4000-8000-000000000000'
      : (await lake.denials.add(lake, unq(m[1]!), unq(m[2]!), createdBy)).rule_id;
    out = out.replace(m[0], `(SELECT * FROM (VALUES (now(), ${lit(id)})) AS __denied(time, msg))`);
  }
  out = out.replace(LIST, () => {
    const rows = lake.denials.rules.map(
      (r) =>
        `(${lit(r.rule_id)}, CAST(${lit(r.created_at)} AS TIMESTAMPTZ), ${lit(r.created_by)}, ${lit(r.reason)}, ${lit(r.match_expr)}, CAST(${lit(r.last_hit_at)} AS TIMESTAMPTZ))`
    );
    const body = rows.length
      ? `VALUES ${rows.join(', ')}`
      : "SELECT '' , CAST(NULL AS TIMESTAMPTZ), '', '', '', CAST(NULL AS TIMESTAMPTZ) WHERE false";
    return `(SELECT * FROM (${body}) AS __denials(rule_id, created_at, created_by, reason, match_expr, last_hit_at))`;
  });
  for (const m of [...out.matchAll(REMOVE)]) {
    const answer = dryRun ? `SUCCESS: removed rule ${unq(m[1]!)}` : lake.denials.remove(unq(m[1]!));
    out = out.replace(m[0], lit(answer));
  }
  return out;
}
