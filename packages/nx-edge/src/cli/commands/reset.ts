import type { Command } from 'commander';
import { parseCommandLine } from '../options';
import { describeError } from '../../utils/user-error';
import { relative } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { findWorkerDirs, localStatePaths, removePaths } from '../../onboarding/onboarding';

export const description = 'Wipe local state (each Worker\'s .wrangler/state and .nx-edge/) after confirmation';
export const usage = '[--yes]';
export const examples = ['nx-edge reset', 'nx-edge reset --yes'];

export function define(command: Command): void {
  command.option('-y, --yes', 'remove without asking');
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  let options: { yes?: boolean };
  try {
    ({ options } = parseCommandLine<{ yes?: boolean }>('reset', { description, usage, define }, args));
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return 2;
  }
  const paths = localStatePaths(ctx.cwd, findWorkerDirs(ctx.cwd));
  if (paths.length === 0) {
    process.stdout.write('nothing to reset: no .wrangler/state or .nx-edge/ here.\n');
    return 0;
  }
  process.stdout.write(`This removes local data (KV/D1/R2 contents, dev logs, deployment history):\n${paths.map((p) => `  ${relative(ctx.cwd, p)}`).join('\n')}\n`);
  if (!options.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write('not removed: confirm with --yes when not on a terminal.\n');
      return 1;
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await rl.question('Remove them? [y/N] ')).trim().toLowerCase();
    rl.close();
    if (answer !== 'y' && answer !== 'yes') {
      process.stdout.write('nothing removed.\n');
      return 1;
    }
  }
  removePaths(paths);
  process.stdout.write(`removed ${paths.length} folder${paths.length === 1 ? '' : 's'}. Run \`npx nx-edge setup\` to apply migrations again.\n`);
  return 0;
}
