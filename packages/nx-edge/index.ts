export { createNodes, createNodesV2, createDependencies, preTasksExecution } from './plugin';
export type { NxEdgePluginOptions } from './plugin';
export const name = '@aero/nx-edge';
