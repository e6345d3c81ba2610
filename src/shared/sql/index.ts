// The plugin's one SQL analyser (lexer, statement analysis, template variables), shared by
// the frontend, the backend and the dev server. Dependency-free.
export { asSubquery, parseArgs, quoteIdent, quoteLiteral, segments, skipNonCode } from './lexer';
export type { ParsedArgs, Segment, SegmentKind } from './lexer';
export { analyzeStatement, withoutTail } from './statement';
export type { Clause, StatementAnalysis } from './statement';
export { readVariableRef, templateSpans } from './variables';
export type { TemplateSpan, VariableRef } from './variables';
