import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { readWorkspaceWorkers } from '../../config/workspace-workers';
import { generateWorkerTypes } from '../../types/worker-types';
import { describeError, UserError } from '../../utils/user-error';
import { runBatch, type BatchResults } from '../batch';
import type { TypesExecutorOptions } from './schema';

async function typesOf(project: string | undefined, context: ExecutorContext, log: (line: string) => void): Promise<void> {
  if (!project) throw new UserError('The types executor needs a project: run it as `nx run <project>:types`.');
  const projects = context.projectsConfigurations.projects;
  const { file, boundWorkers, kept } = await generateWorkerTypes(context.root, project, projects[project].root, readWorkspaceWorkers(context.root, projects), createWranglerRunner(context.root));
  log(`${project}: Env written to ${file}${boundWorkers.length ? ` (typed bindings to ${boundWorkers.join(', ')})` : ''}${kept ? ` — your wrangler types output, ${kept}` : ''}`);
}

export default async function typesExecutor(_options: TypesExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    await typesOf(context.projectName, context, (line) => console.log(line));
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}

/** With --batch: every Worker's types at once, so the builds waiting on them form one batch too. */
export async function typesBatch(taskGraph: TaskGraph, _inputs: Record<string, TypesExecutorOptions>, _overrides: TypesExecutorOptions, context: ExecutorContext): Promise<BatchResults> {
  return runBatch(taskGraph, (task, log) => typesOf(task.target.project, context, log), Math.max(2, availableParallelism()));
}
