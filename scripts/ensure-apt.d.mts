// Types of ensure-apt.mjs for the TypeScript tests that call it.
export type AptResult = { ok: true } | { ok: false; reason: string };
export declare const NEEDS: Record<string, { packages: string[]; files: string[] }>;
export declare function ensureApt(...needs: string[]): AptResult;
export declare function ensureCrossGlibc(debArch: string): { ok: true; dir: string } | { ok: false; reason: string };
