import { LinkedToken, PositionContext, TokenType } from '@grafana/plugin-ui';

type Range = PositionContext['range'];

/**
 * Clause keywords: the nearest one before a word tells which part of the statement it is in.
 * Lower case, as Monaco's SQL tokenizer is case-insensitive.
 */
const CLAUSES = new Set([
  'select',
  'from',
  'join',
  'where',
  'group',
  'by',
  'having',
  'order',
  'on',
  'using',
  'limit',
  'offset',
  'with',
  'as',
  'union',
  'values',
]);

/** Clauses whose expressions name columns. */
const COLUMN_CLAUSES = new Set(['select', 'where', 'by', 'having', 'on']);

/**
 * Words that start a clause are never a column prefix; other keywords may be (`time`,
 * `level` are keywords to Monaco's SQL tokenizer and columns in Micromegas).
 */
function isWord(token: LinkedToken): boolean {
  if (token.isIdentifier()) {
    return !token.value.endsWith('.');
  }
  return (
    token.isKeyword() &&
    !CLAUSES.has(token.value.toLowerCase()) &&
    !['and', 'or', 'not', 'distinct'].includes(token.value.toLowerCase())
  );
}

function clauseOf(token: LinkedToken): string | undefined {
  for (let t = token.previous; t; t = t.previous) {
    if (t.isKeyword() && CLAUSES.has(t.value.toLowerCase())) {
      return t.value.toLowerCase();
    }
  }
  return undefined;
}

/**
 * The word just before Monaco's current token, when it reads like the start of a column
 * name in an expression: `SELECT ms| FROM t`, `SELECT a, le| FROM t`, `WHERE x = 1 AND le|`.
 *
 * plugin-ui resolves the statement position from the token *containing* the cursor, and
 * when the cursor sits right after a word that is the next token (the space before
 * `FROM`): it then sees "after a select argument" and offers only FROM. This spots that case.
 */
export function columnPrefixBefore(current: LinkedToken | null): LinkedToken | null {
  if (!current || isWord(current)) {
    return null; // the cursor is inside or at the end of the word itself: plugin-ui handles it
  }
  const word = current.previous;
  if (!word || !isWord(word)) {
    return null;
  }
  const before = word.getPreviousNonWhiteSpaceToken();
  if (!before) {
    return null;
  }
  // `x AS al|` names an alias, `t.co|` is qualified, `a b|` is an alias too.
  const startsExpression =
    before.is(TokenType.Delimiter, ',') ||
    before.is(TokenType.Parenthesis, '(') ||
    before.isOperator() ||
    (before.isKeyword() && before.value.toLowerCase() !== 'as' && !isWord(before));
  if (!startsExpression) {
    return null;
  }
  const clause = clauseOf(word);
  return clause !== undefined && COLUMN_CLAUSES.has(clause) ? word : null;
}

/**
 * The range a completion should replace: the word that ends at the cursor, so that
 * accepting `msg` after typing `ms` gives `msg`, not `msmsg`.
 */
export function wordRangeAtCursor(ctx: Pick<PositionContext, 'currentToken' | 'position'>): Range | undefined {
  const { currentToken, position } = ctx;
  for (const token of [currentToken, currentToken?.previous ?? null]) {
    if (
      token &&
      isWord(token) &&
      token.range.startLineNumber === position.lineNumber &&
      token.range.endColumn === position.column
    ) {
      // Tokens at the start of a line report column 0; Monaco's columns start at 1.
      return { ...token.range, startColumn: Math.max(1, token.range.startColumn) };
    }
  }
  return undefined;
}
