import { join, relative } from 'node:path';
import { findWranglerConfig, readWranglerConfig, type WranglerConfig } from './wrangler-config';

// The workspace's Workers as the config readers see them: which project has which wrangler config.

/** A Worker of the workspace: its project and its config. */
export interface WorkspaceWorker {
  project: string;
  config: WranglerConfig;
}

/** Every project's Worker config, with its workspace-relative path (projects without one, or whose config does not parse, are left out). */
export function readWorkspaceWorkers(workspaceRoot: string, projects: Record<string, { root: string }>): (WorkspaceWorker & { configFile: string })[] {
  const workers: (WorkspaceWorker & { configFile: string })[] = [];
  for (const [project, { root }] of Object.entries(projects)) {
    const file = findWranglerConfig(join(workspaceRoot, root));
    if (!file) continue;
    try {
      workers.push({ project, configFile: relative(workspaceRoot, file), config: readWranglerConfig(file).config });
    } catch {
      // reported by its own targets and by nx-edge validate
    }
  }
  return workers;
}
