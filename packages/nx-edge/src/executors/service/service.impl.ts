import type { ExecutorContext } from '@nx/devkit';
import { runAttached } from '../../dev/client/run-attached';
import { buildServiceSpec } from '../../dev/client/service-spec';
import { describeError, UserError } from '../../utils/user-error';
import { signalNx } from '../dev/dev.impl';
import type { ServiceExecutorOptions } from './schema';

/** A non-Worker dev service, supervised by the workspace's dev hub like a Worker. */
export default async function* serviceExecutor(options: ServiceExecutorOptions, context: ExecutorContext): AsyncGenerator<{ success: boolean; baseUrl?: string }> {
  const project = context.projectName;
  try {
    if (!project) throw new UserError('The service executor needs a project: run it as `nx run <project>:<target>`.');
    const where = `${context.projectsConfigurations.projects[project].root}/project.json, target "${context.targetName}"`;
    if (!options.command?.trim()) throw new UserError(`${where}: "command" is missing. Set it to the command that runs the service, e.g. "node server.mjs".`);
    if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
      throw new UserError(`${where}: "port" must be a port number (1-65535), got ${JSON.stringify(options.port)}.`);
    }
    const spec = buildServiceSpec({
      workspaceRoot: context.root,
      project,
      graph: context.projectGraph,
      kind: 'service',
      port: options.port,
      health: options.health,
      watch: options.watch,
      command: { command: options.command, cwd: options.cwd, env: options.env },
    });
    yield* runAttached({ workspaceRoot: context.root, spec, proxyPort: options.proxyPort, onReady: signalNx });
  } catch (error) {
    console.error(describeError(error));
    yield { success: false };
  }
}
