import { join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';
import { missingConfiguration, parentArgv } from '../../deploy/requested-configuration';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { applyDestroy, applyImports, applyProvision, boundByDeployedWorkers, destroyList, formatDestroy, formatPlan, parseImports, planProvision, type ProvisionDeps } from '../../provision/provision';
import { readWorkspaceWorkers } from '../../config/workspace-workers';
import { historyFile, readDeploymentRecords } from '../../deploy/deploy-history';
import { describeError, UserError } from '../../utils/user-error';
import type { ProvisionExecutorOptions } from './schema';
import { askLine } from '../../utils/confirm';

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
    const env = options.env || undefined;
    if (options.import && options.destroy) throw new UserError('--import and --destroy do opposite things: run one, then the other.');
    if (options.import) {
      const written = await applyImports(configFile, env, parseImports(options.import), deps, context.root, options.dryRun);
      console.log(options.dryRun ? 'dry run: nothing written.' : `imported: ${written} value${written === 1 ? '' : 's'} written into ${relative(context.root, configFile)}.`);
      return { success: true };
    }
    if (options.destroy) {
      await destroyEnv(project, configFile, env, options, context, deps);
      return { success: true };
    }
    const plan = await planProvision(configFile, env, deps, context.root);
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

/** provision --destroy: the plan, the refusal when a deployed Worker still binds one, the confirmation, then the deletions. */
async function destroyEnv(project: string, configFile: string, env: string | undefined, options: ProvisionExecutorOptions, context: ExecutorContext, deps: ProvisionDeps): Promise<void> {
  const plan = await planProvision(configFile, env, deps, context.root);
  const resources = destroyList(plan);
  for (const line of formatDestroy(plan, resources, context.root)) console.log(line);
  if (resources.length === 0) return;
  const bound = boundByDeployedWorkers(
    { ...plan, resources },
    project,
    readWorkspaceWorkers(context.root, context.projectsConfigurations.projects),
    readDeploymentRecords(historyFile(context.root)),
  );
  if (bound.length) {
    const lines = bound.map(({ resource, by }) => `  - ${resource.name} is bound by ${by.map((b) => `${b.worker} (${b.env ? `env ${b.env}` : 'top level'}, project ${b.project}, deployed ${b.deployedAt})`).join(', ')}`);
    throw new UserError(`refusing to destroy what a deployed Worker still uses; nothing was deleted:\n${lines.join('\n')}\nRemove the binding from that Worker and deploy it, then destroy again.`);
  }
  const what = `${resources.length} resource${resources.length === 1 ? '' : 's'} of ${plan.worker}${env ? ` (env ${env})` : ''}`;
  if (options.dryRun) {
    console.log(`dry run: ${what} would be destroyed; nothing deleted.`);
    return;
  }
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new UserError(`nothing was deleted: destroying deletes their data for good. Confirm with --yes: nx run ${project}:provision${env ? ` -c ${env}` : ''} --destroy --yes`);
    const answer = await askLine(`Delete ${what} and their data? Type ${plan.worker} to confirm: `);
    if (answer.trim() !== plan.worker) throw new UserError('nothing was deleted (not confirmed).');
  }
  const { deleted, removed } = await applyDestroy(plan, resources, deps, context.root);
  console.log(`destroyed: ${deleted} deleted, ${removed} id${removed === 1 ? '' : 's'} removed from ${relative(context.root, configFile)}; provision creates them again.`);
}
