import { historyFile } from '../../deploy/deploy-history';
import { rollback as rollbackWorker } from '../../deploy/rollout';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { defineProjectEnv as define, parseProjectEnvArgs } from '../options';

export { define };

export const description = 'Return a Worker to its previous version: a rollout in progress to its stable version, a full deploy to the version before it';
export const usage = '<project> -c <env>';
export const examples = ['nx-edge rollback api -c production'];

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { project, env } = parseProjectEnvArgs('rollback', { description, usage, define }, args);
  const root = findWorkspaceRoot(ctx.cwd);
  await rollbackWorker({ project, env, historyFile: historyFile(root), cwd: root }, { runWrangler: createWranglerRunner(root), log: (line) => console.log(line) });
  return 0;
}
