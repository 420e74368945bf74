import { join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { findWranglerConfig } from '../../config/wrangler-config';

/** What to run meanwhile, per inferred target whose executor is not in this release yet. */
const MEANWHILE: Record<string, (config: string, env?: string) => string> = {
  dev: (config) => `npx wrangler dev -c ${config}`,
  service: () => 'run the command directly',
  deploy: (config, env) => `npx wrangler deploy -c ${config}${env ? ` --env ${env}` : ''}`,
  secrets: (config, env) => `npx wrangler secret put <KEY> -c ${config}${env ? ` --env ${env}` : ''}`,
  provision: (config, env) => `npx wrangler kv namespace create / d1 create … -c ${config}${env ? ` --env ${env}` : ''}`,
};

export function notYetMessage(executor: string, project: string, config: string, env?: string): string {
  const meanwhile = MEANWHILE[executor]?.(config, env);
  return `@aero/nx-edge:${executor} is not part of this release of nx-edge yet (${project}).${meanwhile ? ` Meanwhile: ${meanwhile}` : ''}`;
}

export default async function notYetExecutor(options: { env?: string }, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = context.projectName ?? '?';
  const root = context.projectsConfigurations.projects[project]?.root ?? '.';
  const executor = (context.target?.executor ?? '').split(':')[1] ?? context.targetName ?? '';
  const config = findWranglerConfig(join(context.root, root));
  console.error(notYetMessage(executor, project, config ? relative(context.root, config) : `${root}/wrangler.jsonc`, options.env));
  return { success: false };
}
