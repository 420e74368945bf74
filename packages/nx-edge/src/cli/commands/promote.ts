import { historyFile } from '../../deploy/deploy-history';
import { promote as promoteWorker } from '../../deploy/rollout';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { defineProjectEnv as define, parseProjectEnvArgs } from '../options';

export { define };

export const description = 'Move a gradual rollout (deploy --percentage) to 100 % of traffic, after checking the split is still the one nx-edge set';
export const usage = '<project> -c <env>';
export const examples = ['nx-edge promote api -c production'];

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { project, env } = parseProjectEnvArgs('promote', { description, usage, define }, args);
  const root = findWorkspaceRoot(ctx.cwd);
  await promoteWorker({ project, env, historyFile: historyFile(root), cwd: root }, { runWrangler: createWranglerRunner(root), log: (line) => console.log(line) });
  return 0;
}
