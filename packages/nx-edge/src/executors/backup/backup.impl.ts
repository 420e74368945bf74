import { join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { runBackup } from '../../backup/backup';
import { findWranglerConfig } from '../../config/wrangler-config';
import { missingConfiguration, parentArgv } from '../../deploy/requested-configuration';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { describeError, UserError } from '../../utils/user-error';
import { requireWranglerPackage } from '../../wrangler/wrangler-package';
import type { BackupExecutorOptions } from './schema';

export default async function backupExecutor(options: BackupExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const project = context.projectName;
    if (!project) throw new UserError('The backup executor needs a project: run it as `nx run <project>:backup -c <env>`.');
    const projectRoot = context.projectsConfigurations.projects[project].root;
    if (context.configurationName && !options.env) {
      throw new UserError(`${project} has no [env.${context.configurationName}] in its wrangler config; nothing to back up for "${context.configurationName}".`);
    }
    const configFile = findWranglerConfig(join(context.root, projectRoot));
    if (!configFile) throw new UserError(`${projectRoot} has no wrangler.jsonc, wrangler.json or wrangler.toml.`);
    const asked = missingConfiguration({ own: context.configurationName, graph: context.taskGraph, targetName: context.targetName ?? 'backup', argv: parentArgv() });
    if (asked && !options.env) {
      throw new UserError(`${project} has no [env.${asked}] in ${relative(context.root, configFile)}; Nx started its backup target without a configuration, which would back up the top level instead. Nothing was exported.`);
    }
    if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) throw new UserError(`--keep must be a whole number of backups, at least 1 (got ${options.keep}).`);
    await runBackup(
      { workspaceRoot: context.root, project, projectRoot, configFile, env: options.env || undefined, dir: options.dir, keep: options.keep },
      { runWrangler: createWranglerRunner(context.root), log: (line) => console.log(line), wranglerVersion: requireWranglerPackage(context.root).version },
    );
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
