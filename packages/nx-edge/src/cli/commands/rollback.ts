import { historyFile } from '../../deploy/deploy-history';
import { rollback as rollbackWorker } from '../../deploy/rollout';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { askLine } from '../../utils/confirm';
import { UserError } from '../../utils/user-error';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import type { Command } from 'commander';
import { defineProjectEnv, parseProjectEnvArgs } from '../options';

export const description =
  'Return a Worker to its previous version: a rollout in progress to its stable version, a full deploy to the version before it; --with-data returns its D1 databases to where they stood before that deploy (D1 Time Travel)';
export const usage = '<project> -c <env> [--with-data] [--yes]';
export const examples = ['nx-edge rollback api -c production', 'nx-edge rollback api -c production --with-data --yes'];

export function define(command: Command): void {
  defineProjectEnv(command);
  command
    .option('--with-data', 'also return each D1 database to the Time Travel bookmark recorded before the version taken out was deployed (everything written since is replaced)')
    .option('-y, --yes', 'with --with-data: apply without asking');
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const definition = { description, usage, define };
  const { project, env, options } = parseProjectEnvArgs<{ withData?: boolean; yes?: boolean }>('rollback', definition, args);
  const root = findWorkspaceRoot(ctx.cwd);
  const confirm = async (): Promise<boolean> => {
    if (options.yes) return true;
    if (!process.stdin.isTTY) throw new UserError(`nothing changed: --with-data replaces the data above. Confirm with --yes: nx-edge rollback ${project}${env ? ` -c ${env}` : ''} --with-data --yes`);
    return (await askLine(`Roll back ${project} and replace this data? Type ${project} to confirm: `)).trim() === project;
  };
  await rollbackWorker(
    { project, env, historyFile: historyFile(root), cwd: root },
    { runWrangler: createWranglerRunner(root), log: (line) => console.log(line) },
    { withData: options.withData, confirm: options.withData ? confirm : undefined },
  );
  return 0;
}
