import { isAbsolute, join, relative } from 'node:path';
import { applyRestore, formatRestorePlan, planRestore } from '../../backup/restore';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { UserError } from '../../utils/user-error';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import type { Command } from 'commander';
import { chosenEnv, defineEnvOption, parseCommandLine } from '../options';
import { askLine } from '../../utils/confirm';

export const description = 'Restore a backup (nx run <project>:backup) into an env: checksums verified first, a plan of what is overwritten, applied with --yes or a confirmation';
export const usage = '<backup folder> -c <env> [--dry-run] [--yes]';
export const examples = ['nx-edge restore backups/staging/api/2026-12-01T10-00-00Z -c staging --dry-run', 'nx-edge restore backups/staging/api/2026-12-01T10-00-00Z -c staging --yes'];

export function define(command: Command): void {
  command.argument('[backup folder]', 'a folder nx run <project>:backup wrote (backups/<env>/<project>/<timestamp>)');
  defineEnvOption(command, 'the env to restore into ("" for the top level); never guessed');
  command.option('--dry-run', 'print the plan, write nothing').option('-y, --yes', 'apply without asking');
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { options, operands } = parseCommandLine<{ configuration?: string; env?: string; dryRun?: boolean; yes?: boolean }>('restore', { description, usage, define }, args);
  const folder = operands[0] ?? '';
  const chosen = chosenEnv(options);
  const env = chosen || undefined;
  const { dryRun = false, yes = false } = options;
  if (!folder) throw new UserError(`name the backup folder (backups/<env>/<project>/<timestamp>). Usage: nx-edge restore ${usage}`);
  // Restoring overwrites data: the env is never guessed.
  if (chosen === undefined) throw new UserError(`say which env to restore into with -c <env> (-c "" for the top level). Usage: nx-edge restore ${usage}`);
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
