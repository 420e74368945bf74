export { createNodes, createNodesV2 } from './create-nodes';
export { createDependencies } from './create-dependencies';
export type { NxEdgePluginOptions } from './options';
export { preTasksExecution } from './pre-tasks';
export { postTasksExecution } from './post-tasks';
