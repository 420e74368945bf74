import type { Command } from 'commander';
import { parseCommandLine } from '../options';
import { describeError } from '../../utils/user-error';
import { createWranglerRunner } from '../../wrangler/wrangler-cli';
import { detectPackageManager } from '../../utils/package-manager';
import { applyLocalMigrations, checkNode, checkWrangler, createDevVars, findWorkerDirs, installedWranglerVersion, type SetupStep } from '../../onboarding/onboarding';

export const description = 'Prepare a fresh clone: check Node/wrangler, create .dev.vars from .dev.vars.example, apply local D1 migrations';
export const usage = '[--skip-migrations]';
export const examples = ['nx-edge setup'];

export function define(command: Command): void {
  command.option('--skip-migrations', 'do not apply local D1 migrations');
}

const MARK: Record<SetupStep['status'], string> = { ok: '✔', done: '+', warn: '!', fail: '✘' };

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  let options: { skipMigrations?: boolean };
  try {
    ({ options } = parseCommandLine<{ skipMigrations?: boolean }>('setup', { description, usage, define }, args));
  } catch (error) {
    process.stderr.write(`${describeError(error)}\n`);
    return 2;
  }
  const print = (step: SetupStep) => process.stdout.write(`${MARK[step.status]} ${step.message}\n`);
  const steps: SetupStep[] = [];
  const record = (s: SetupStep) => {
    steps.push(s);
    print(s);
  };
  record(checkNode(process.versions.node));
  const wrangler = installedWranglerVersion(ctx.cwd);
  record(checkWrangler(wrangler, detectPackageManager(ctx.cwd)));
  const workers = findWorkerDirs(ctx.cwd);
  record({ status: 'ok', message: `${workers.length} Worker${workers.length === 1 ? '' : 's'} found${workers.length ? `: ${workers.join(', ')}` : ''}` });
  createDevVars(ctx.cwd, workers).forEach(record);
  if (wrangler && !options.skipMigrations) {
    (await applyLocalMigrations(ctx.cwd, workers, createWranglerRunner(ctx.cwd))).forEach(record);
  }
  const done = steps.filter((s) => s.status === 'done').length;
  const failed = steps.filter((s) => s.status === 'fail').length;
  process.stdout.write(failed ? `setup: ${failed} problem${failed > 1 ? 's' : ''} above need fixing.\n` : `setup complete: ${done} change${done === 1 ? '' : 's'} made. Next: npx nx run-many -t dev\n`);
  return failed ? 1 : 0;
}
