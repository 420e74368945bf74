import type { ExecutorContext } from '@nx/devkit';
import { createWranglerRunner } from '../../deploy/wrangler-cli';
import { generateWorkerTypes, workspaceWorkers } from '../../types/worker-types';
import { describeError, UserError } from '../../utils/user-error';
import type { TypesExecutorOptions } from './schema';

export default async function typesExecutor(_options: TypesExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const project = context.projectName;
    if (!project) throw new UserError('The types executor needs a project: run it as `nx run <project>:types`.');
    const projects = context.projectsConfigurations.projects;
    const { file, boundWorkers } = await generateWorkerTypes(context.root, project, projects[project].root, workspaceWorkers(context.root, projects), createWranglerRunner(context.root));
    console.log(`${project}: Env written to ${file}${boundWorkers.length ? ` (typed bindings to ${boundWorkers.join(', ')})` : ''}`);
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
