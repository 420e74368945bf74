// Placeholder until the inference plugin lands (see create-nodes.ts / create-dependencies.ts).
import type { CreateDependencies, CreateNodesV2 } from '@nx/devkit';

export interface NxEdgePluginOptions {
  buildTargetName?: string;
  devTargetName?: string;
  testTargetName?: string;
  deployTargetName?: string;
  secretsTargetName?: string;
}

export const createNodesV2: CreateNodesV2<NxEdgePluginOptions> = ['**/wrangler.{toml,jsonc,json}', async () => []];
export const createNodes = createNodesV2;
export const createDependencies: CreateDependencies<NxEdgePluginOptions> = () => [];
