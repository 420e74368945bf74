export { createNodes, createNodesV2, createDependencies, preTasksExecution } from './src/plugins/plugin';
export type { NxEdgePluginOptions } from './src/plugins/plugin';
