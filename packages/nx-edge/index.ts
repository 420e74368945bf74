export { createNodes, createNodesV2, createDependencies, preTasksExecution, postTasksExecution } from './plugin';
export type { NxEdgePluginOptions } from './plugin';
export const name = '@aero/nx-edge';
