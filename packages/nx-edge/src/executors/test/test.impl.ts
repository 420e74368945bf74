import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { describeError, UserError } from '../../utils/user-error';
import { findWranglerConfig } from '../../config/wrangler-config';
import { resolveMiniflare } from '../../local/miniflare';
import type { TestExecutorOptions } from './schema';

const KNOWN = new Set(['watch', 'coverage', 'testNamePattern', 'config', 'passWithNoTests', '_', '__unparsed__']);

const OWN_CONFIGS = ['vitest.config.ts', 'vitest.config.mts', 'vitest.config.js', 'vitest.config.mjs', 'vite.config.ts', 'vite.config.mts'];

/** The option's config, else the project's own, else ours (never one found further up the tree). */
export function projectVitestConfig(options: TestExecutorOptions, projectRoot: string, workspaceRoot: string): string {
  if (options.config) return join(workspaceRoot, projectRoot, options.config);
  const own = OWN_CONFIGS.map((f) => join(workspaceRoot, projectRoot, f)).find(existsSync);
  return own ?? join(__dirname, 'default-vitest.config.mjs');
}

/** The vitest argv for these options; unknown options pass through as `--key=value`. */
export function buildVitestArgs(options: TestExecutorOptions, projectRoot: string, workspaceRoot: string): string[] {
  const args = [options.watch ? 'watch' : 'run', '--root', join(workspaceRoot, projectRoot)];
  args.push('--config', projectVitestConfig(options, projectRoot, workspaceRoot));
  if (options.passWithNoTests ?? true) args.push('--passWithNoTests');
  if (options.testNamePattern) args.push('--testNamePattern', options.testNamePattern);
  if (options.coverage) {
    args.push('--coverage.enabled', '--coverage.reportsDirectory', join(workspaceRoot, 'coverage', projectRoot));
  }
  for (const [key, value] of Object.entries(options)) {
    if (KNOWN.has(key) || value === undefined || value === false) continue;
    args.push(value === true ? `--${key}` : `--${key}=${String(value)}`);
  }
  const positional = (options._ as string[] | undefined) ?? [];
  args.push(...positional.map(String));
  return args;
}

function resolveVitest(workspaceRoot: string): string {
  try {
    const pkg = require.resolve('vitest/package.json', { paths: [workspaceRoot] });
    const bin = join(pkg, '..', 'vitest.mjs');
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the hint
  }
  throw new UserError('vitest is not installed in this workspace. Run: npm install -D vitest@4.1.12');
}

export default async function testExecutor(options: TestExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    const projectName = context.projectName;
    if (!projectName) throw new UserError('Run the test executor for a project: nx test <project>.');
    const projectRoot = context.projectsConfigurations.projects[projectName].root;
    const vitest = resolveVitest(context.root);
    // A Worker's specs run in the Miniflare of the workspace's wrangler (a peer dependency): check it first.
    if (findWranglerConfig(join(context.root, projectRoot))) resolveMiniflare(context.root);
    const args = buildVitestArgs(options, projectRoot, context.root);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [vitest, ...args], { cwd: join(context.root, projectRoot), stdio: 'inherit', env: process.env });
      child.on('error', () => resolve(1));
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    return { success: code === 0 };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
