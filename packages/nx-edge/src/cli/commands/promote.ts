import { historyFile } from '../../deploy/deploy-history';
import { promote as promoteWorker } from '../../deploy/rollout';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { parseProjectEnvArgs } from '../options';

export const description = 'Move a gradual rollout (deploy --percentage) to 100 % of traffic, after checking the split is still the one nx-edge set';
export const usage = 'nx-edge promote <project> -c <env>';

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { project, env } = parseProjectEnvArgs(args, usage);
  const root = findWorkspaceRoot(ctx.cwd);
  await promoteWorker({ project, env, historyFile: historyFile(root), cwd: root }, { runWrangler: createWranglerRunner(root), log: (line) => console.log(line) });
  return 0;
}
