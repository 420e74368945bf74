import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { readSecretValue, runSecrets } from '../../secrets/secrets';
import { describeError, UserError } from '../../utils/user-error';
import type { SecretsExecutorOptions } from './schema';

export default async function secretsExecutor(options: SecretsExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const project = context.projectName;
    if (!project) throw new UserError('The secrets executor needs a project: run it as `nx run <project>:secrets`.');
    const projectRoot = context.projectsConfigurations.projects[project].root;
    if (context.configurationName && !options.env) {
      throw new UserError(`${project} has no [env.${context.configurationName}] in its wrangler config, so it has no "${context.configurationName}" secrets to manage.`);
    }
    const configFile = findWranglerConfig(join(context.root, projectRoot));
    if (!configFile) throw new UserError(`${projectRoot} has no wrangler.jsonc, wrangler.json or wrangler.toml.`);
    await runSecrets(
      { workspaceRoot: context.root, project, projectRoot, configFile, action: options.action, key: options.key, extraArgument: options.extraArgument, env: options.env, file: options.file },
      { runWrangler: createWranglerRunner(context.root), log: (line) => console.log(line), readValue: (prompt) => readSecretValue(prompt) },
    );
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
