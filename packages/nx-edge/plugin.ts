export { createNodes, createNodesV2, createDependencies } from './src/plugins/plugin';
export type { NxEdgePluginOptions } from './src/plugins/plugin';
