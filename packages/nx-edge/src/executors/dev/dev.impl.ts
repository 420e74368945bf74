import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';
import { runAttached } from '../../dev/client/run-attached';
import { resolveMiniflare } from '../../wrangler/miniflare';
import { upstreamClosure, workerSessionPlan, workerSpecOf, type PlanContext } from '../../dev/client/session-plan';
import { describeError, UserError } from '../../utils/user-error';
import type { DevExecutorOptions } from './schema';

/** `nx run api:dev`: the Worker joins the workspace's dev session (one workerd for all Workers). */
export default async function* devExecutor(options: DevExecutorOptions, context: ExecutorContext): AsyncGenerator<{ success: boolean; baseUrl?: string }> {
  const project = context.projectName;
  try {
    if (!project) throw new UserError('The dev executor needs a project: run it as `nx run <project>:dev`.');
    const root = join(context.root, context.projectsConfigurations.projects[project].root);
    const configPath = findWranglerConfig(root);
    if (!configPath) throw new UserError(`${root} has no wrangler.jsonc, wrangler.json or wrangler.toml; the dev executor runs Workers. For any other command use the @aero/nx-edge:service executor.`);
    // The workspace's wrangler (a peer dependency) brings the Miniflare the session runs in: check it first.
    resolveMiniflare(context.root);
    const planContext = context as unknown as PlanContext;
    const spec = workerSpecOf(planContext, project, options)!;
    const closure = upstreamClosure(context.root, context.projectGraph, project, context.targetName ?? 'dev', context.configurationName);
    yield* runAttached({ workspaceRoot: context.root, spec, plan: [...workerSessionPlan(planContext), ...closure], closure, proxyPort: options.proxyPort, onReady: signalNx });
  } catch (error) {
    console.error(describeError(error));
    yield { success: false };
  }
}

/** Nx 24's readiness signal, for tasks that declare `waitFor: 'ready'` on this one. */
export function signalNx(url: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the workspace's own devkit, read at run time (emitReadySignal is Nx 24+ only)
  const devkit = require('@nx/devkit') as { emitReadySignal?: (server?: string) => boolean };
  devkit.emitReadySignal?.(url);
}
