import { isAbsolute, join, relative } from 'node:path';
import { applyRestore, formatRestorePlan, planRestore } from '../../backup/restore';
import { planBookmarkRestore, restoreD1Bookmark } from '../../backup/time-travel';
import { historyFile } from '../../deploy/deploy-history';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { UserError } from '../../utils/user-error';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import type { Command } from 'commander';
import { chosenEnv, defineEnvOption, parseCommandLine } from '../options';
import { askLine } from '../../utils/confirm';

export const description =
  'Restore a backup (nx run <project>:backup) into an env: checksums verified first, a plan of what is overwritten, applied with --yes or a confirmation; or, with --to-bookmark, return a D1 database to a Time Travel bookmark';
export const usage = '<backup folder> -c <env> [--dry-run] [--yes] | <project> -c <env> --to-bookmark <bookmark> [--database <name>] [--dry-run] [--yes]';
export const examples = [
  'nx-edge restore backups/staging/api/2026-12-01T10-00-00Z -c staging --dry-run',
  'nx-edge restore backups/staging/api/2026-12-01T10-00-00Z -c staging --yes',
  'nx-edge restore api -c production --to-bookmark 00000085-0000024c-00004c6d-8e61117bf38d7adb71b934ebbf891683 --yes',
];

export function define(command: Command): void {
  command.argument('[backup folder | project]', 'a folder nx run <project>:backup wrote (backups/<env>/<project>/<timestamp>); with --to-bookmark, the project');
  defineEnvOption(command, 'the env to restore into ("" for the top level); never guessed');
  command
    .option('--to-bookmark <bookmark>', 'return a D1 database to this Time Travel bookmark (nx-edge history shows the ones recorded with each deploy)')
    .option('--database <name>', 'with --to-bookmark: the D1 database (found from the history when the bookmark is recorded there)')
    .option('--dry-run', 'print the plan, write nothing')
    .option('-y, --yes', 'apply without asking');
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const { options, operands } = parseCommandLine<{ configuration?: string; env?: string; dryRun?: boolean; yes?: boolean; toBookmark?: string; database?: string }>('restore', { description, usage, define }, args);
  const folder = operands[0] ?? '';
  const chosen = chosenEnv(options);
  const env = chosen || undefined;
  const { dryRun = false, yes = false } = options;
  if (!folder) throw new UserError(options.toBookmark !== undefined ? `name the project whose D1 database goes back. Usage: nx-edge restore ${usage}` : `name the backup folder (backups/<env>/<project>/<timestamp>). Usage: nx-edge restore ${usage}`);
  // Restoring overwrites data: the env is never guessed.
  if (chosen === undefined) throw new UserError(`say which env to restore into with -c <env> (-c "" for the top level). Usage: nx-edge restore ${usage}`);
  const root = findWorkspaceRoot(ctx.cwd);
  if (options.toBookmark !== undefined) return restoreToBookmark(folder, chosen, options, root);
  if (options.database) throw new UserError('--database goes with --to-bookmark (a backup folder names its own databases).');
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

/** `nx-edge restore <project> -c <env> --to-bookmark <b>`: D1 Time Travel, planned and confirmed like a backup restore. */
async function restoreToBookmark(project: string, env: string, options: { toBookmark?: string; database?: string; dryRun?: boolean; yes?: boolean }, root: string): Promise<number> {
  const plan = planBookmarkRestore({ project, env, bookmark: options.toBookmark ?? '', database: options.database, historyFile: historyFile(root) });
  for (const line of plan.lines) console.log(line);
  if (options.dryRun) {
    console.log('dry run: nothing was written.');
    return 0;
  }
  const c = env ? ` -c ${env}` : ' -c ""';
  if (!options.yes) {
    if (!process.stdin.isTTY) throw new UserError(`nothing was written: this replaces the data of ${plan.database}. Confirm with --yes: nx-edge restore ${project}${c} --to-bookmark ${plan.bookmark} --yes`);
    const answer = await askLine(`Replace the data of ${plan.database}? Type ${plan.database} to confirm: `);
    if (answer.trim() !== plan.database) throw new UserError('nothing was written (not confirmed).');
  }
  const { previous } = await restoreD1Bookmark(plan.database, plan.bookmark, { runWrangler: createWranglerRunner(root), cwd: root });
  console.log(`✔ D1 ${plan.database} is back at bookmark ${plan.bookmark}; to undo: nx-edge restore ${project}${c} --to-bookmark ${previous} --database ${plan.database}`);
  return 0;
}
