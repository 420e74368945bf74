import { unknownOption } from '../options';
import { isAbsolute, join, relative } from 'node:path';
import { applyRestore, formatRestorePlan, planRestore } from '../../backup/restore';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { UserError } from '../../utils/user-error';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { eachOption } from '../options';
import { askLine } from '../../utils/confirm';

export const description = 'Restore a backup (nx run <project>:backup) into an env: checksums verified first, a plan of what is overwritten, applied with --yes or a confirmation';
export const usage = 'nx-edge restore <backup folder> -c <env> [--dry-run] [--yes]';

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  let folder = '';
  let env: string | undefined;
  let envGiven = false;
  let dryRun = false;
  let yes = false;
  eachOption(args, usage, (flag, value, typed) => {
    if (flag === '-c' || flag === '--configuration' || flag === '--env') {
      env = value() || undefined;
      envGiven = true;
    } else if (flag === '--dry-run') dryRun = true;
    else if (flag === '--yes' || flag === '-y') yes = true;
    else if (!flag.startsWith('-') && !folder) folder = typed;
    else throw new UserError(`${unknownOption(typed)} Usage: ${usage}`);
  });
  if (!folder) throw new UserError(`name the backup folder (backups/<env>/<project>/<timestamp>). Usage: ${usage}`);
  // Restoring overwrites data: the env is never guessed.
  if (!envGiven) throw new UserError(`say which env to restore into with -c <env> (-c "" for the top level). Usage: ${usage}`);
  const root = findWorkspaceRoot(ctx.cwd);
  const dir = isAbsolute(folder) ? folder : join(ctx.cwd, folder);
  const deps = { runWrangler: createWranglerRunner(root), log: (line: string) => console.log(line) };
  const plan = await planRestore(dir, env, root, deps);
  for (const line of formatRestorePlan(plan, root)) console.log(line);
  if (dryRun) {
    console.log('dry run: nothing was written.');
    return 0;
  }
  if (!yes) {
    if (!process.stdin.isTTY) throw new UserError(`nothing was written: restoring replaces the data above. Confirm with --yes: nx-edge restore ${relative(ctx.cwd, dir) || dir} -c ${env ?? '""'} --yes`);
    const answer = await askLine(`Replace this data of ${plan.manifest.worker}? Type ${plan.manifest.project} to confirm: `);
    if (answer.trim() !== plan.manifest.project) throw new UserError('nothing was written (not confirmed).');
  }
  await applyRestore(plan, root, deps);
  console.log(`restored ${plan.manifest.project} (${env || 'top level'}) from ${relative(root, dir)}.`);
  return 0;
}
