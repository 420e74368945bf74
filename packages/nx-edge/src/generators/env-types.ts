import { logger } from '@nx/devkit';
import { createWranglerRunner } from '../wrangler/wrangler-cli';
import { readWorkspaceWorkers } from '../config/workspace-workers';
import { generateWorkerTypes } from '../types/worker-types';
import { describeError } from '../utils/user-error';

/**
 * A generator's last step (after the install): the Worker's Env from its config, now, so the editor
 * knows a new binding at once and the first build changes no file. Never fails the generator: the
 * types target does the same before every build and test.
 */
export async function updateEnvTypes(root: string, project: string, projectRoot: string, projects: Record<string, { root: string }>, say: 'quiet' | 'tell' = 'tell'): Promise<void> {
  try {
    const { file } = await generateWorkerTypes(root, project, projectRoot, readWorkspaceWorkers(root, projects), createWranglerRunner(root));
    if (say === 'tell') logger.info(`nx-edge: ${project}'s Env updated in ${file}`);
  } catch (error) {
    logger.warn(`nx-edge: ${project}'s Env was not generated yet (${describeError(error).split('\n')[0]}); nx run ${project}:types does it, and build and test run it first.`);
  }
}
