import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { GraphView } from './service-spec';

/**
 * Where Nx keeps the project graph it computed for this run (`project-graph.json` in its workspace-data
 * folder, as Nx 23/24 place it). Read directly: @nx/devkit's readCachedProjectGraph loads ~40 MB and
 * 200 ms of Nx into a dev task that otherwise needs neither.
 */
export function cachedGraphFile(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.NX_WORKSPACE_DATA_DIRECTORY ?? env.NX_PROJECT_GRAPH_CACHE_DIRECTORY;
  if (configured) return join(isAbsolute(configured) ? configured : join(workspaceRoot, configured), 'project-graph.json');
  const lernaOnly = existsSync(join(workspaceRoot, 'lerna.json')) && !existsSync(join(workspaceRoot, 'nx.json'));
  return lernaOnly ? join(workspaceRoot, 'node_modules', '.cache', 'nx-workspace-data', 'project-graph.json') : join(workspaceRoot, '.nx', 'workspace-data', 'project-graph.json');
}

export type CachedGraph = GraphView & {
  nodes: Record<string, { data: { root: string; targets?: Record<string, { executor?: string; options?: Record<string, unknown>; configurations?: Record<string, Record<string, unknown>>; defaultConfiguration?: string }> } }>;
};

/** The project graph of the running Nx command, or undefined when Nx left none to read. */
export function readCachedGraph(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): CachedGraph | undefined {
  try {
    const graph = JSON.parse(readFileSync(cachedGraphFile(workspaceRoot, env), 'utf8')) as CachedGraph;
    return graph?.nodes && graph.dependencies ? graph : undefined;
  } catch {
    return undefined;
  }
}
