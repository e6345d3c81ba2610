export declare const REQUIRED_SKIP_PREFIX: string;
