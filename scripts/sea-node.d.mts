// Types of sea-node.mjs for the TypeScript tests and benchmarks that call it.
export interface NodePlatform {
  os: string;
  arch: string;
  nodeArch: string;
  npm: string;
  member: string;
  format: 'elf' | 'pe' | 'macho';
}
export declare const SEA_NODE_VERSION: string;
export declare const PLATFORMS: Record<string, NodePlatform>;
export declare function defaultNodeCache(): string;
export declare function nodeBinaryFor(platform: NodePlatform, nodeCache?: string): string;
export declare function hostLinuxPlatform(): string | undefined;
export declare function readHead(file: string, length: number): Buffer;
