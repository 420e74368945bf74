export { createNodes, createNodesV2, createDependencies, preTasksExecution, postTasksExecution } from './src/plugins/plugin';
export type { NxEdgePluginOptions } from './src/plugins/plugin';
