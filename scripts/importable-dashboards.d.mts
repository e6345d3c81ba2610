// Types of scripts/importable-dashboards.mjs for the tests that import it.
export declare const PROVISIONED_DIR: string;
export declare const PLUGIN_ID: string;
export declare const DS_INPUT: string;
export declare function importableDashboard(dashboard: Record<string, unknown>): Record<string, unknown>;
export declare function provisionedDashboards(): Array<[string, Record<string, unknown>]>;
