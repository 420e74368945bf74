import { join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';
import { missingConfiguration, parentArgv } from '../../deploy/requested-configuration';
import { createWranglerRunner } from '../../deploy/wrangler-cli';
import { applyProvision, formatPlan, planProvision } from '../../provision/provision';
import { describeError, UserError } from '../../utils/user-error';
import type { ProvisionExecutorOptions } from './schema';

export default async function provisionExecutor(options: ProvisionExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const project = context.projectName;
    if (!project) throw new UserError('The provision executor needs a project: run it as `nx run <project>:provision`.');
    const projectRoot = context.projectsConfigurations.projects[project].root;
    if (context.configurationName && !options.env) {
      throw new UserError(`${project} has no [env.${context.configurationName}] in its wrangler config; nothing to provision for "${context.configurationName}".`);
    }
    const configFile = findWranglerConfig(join(context.root, projectRoot));
    if (!configFile) throw new UserError(`${projectRoot} has no wrangler.jsonc, wrangler.json or wrangler.toml.`);
    const asked = missingConfiguration({ own: context.configurationName, graph: context.taskGraph, targetName: context.targetName ?? 'provision', argv: parentArgv() });
    if (asked && !options.env) {
      throw new UserError(`${project} has no [env.${asked}] in ${relative(context.root, configFile)}; Nx started its provision target without a configuration, which would provision the top level instead. Nothing was created.`);
    }
    const deps = { runWrangler: createWranglerRunner(context.root), log: (line: string) => console.log(line) };
    const plan = await planProvision(configFile, options.env || undefined, deps, context.root);
    for (const line of formatPlan(plan, context.root)) console.log(line);
    const unknown = plan.resources.filter((r) => r.action === 'unknown-id');
    const changes = plan.resources.filter((r) => r.action === 'create' || r.action === 'write');
    if (options.dryRun) {
      console.log(`dry run: ${changes.length} change${changes.length === 1 ? '' : 's'} planned; nothing created, nothing written.`);
    } else if (changes.length === 0) {
      console.log('nothing to do: everything exists and the config has every id.');
    } else {
      const { created, written } = await applyProvision(plan, deps, context.root);
      console.log(`provisioned: ${created} created, ${written} value${written === 1 ? '' : 's'} written.`);
    }
    if (unknown.length) {
      throw new UserError(`${unknown.length} binding${unknown.length > 1 ? 's have ids' : ' has an id'} this account does not know (see "unknown id" above).`);
    }
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
