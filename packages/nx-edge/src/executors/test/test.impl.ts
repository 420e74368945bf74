import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { describeError, UserError } from '../../utils/user-error';
import { findWranglerConfig } from '../../config/wrangler-config';
import { resolveMiniflare } from '../../wrangler/miniflare';
import type { TestExecutorOptions } from './schema';
import { installCommandFor } from '../../utils/package-manager';
import { vitestVersion } from '../../utils/versions';

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
    args.push(value === true ? `--${key}` : `--${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  const positional = (options._ as string[] | undefined) ?? [];
  args.push(...positional.map(String));
  return args;
}

const SPEC_FILE = /\.(test|spec)\.(c|m)?[jt]sx?$/;
const NOT_SOURCES = new Set(['node_modules', 'dist', '.wrangler', '.nx-edge', 'coverage']);

/** The spec files vitest's default include would find in a project (workspace-relative, sorted). */
export function findSpecFiles(workspaceRoot: string, projectRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!NOT_SOURCES.has(entry.name) && !entry.name.startsWith('.')) walk(join(dir, entry.name));
      } else if (SPEC_FILE.test(entry.name)) found.push(relative(workspaceRoot, join(dir, entry.name)));
    }
  };
  walk(join(workspaceRoot, projectRoot));
  return found.sort();
}

/**
 * "No test files found" is a pass only for a project without specs. A project with spec files of which
 * vitest ran none (an include that misses `tests/`, a config that points elsewhere) fails, naming them.
 */
export function noSpecsRanProblem(project: string, specFiles: string[], filesRun: number): string | undefined {
  if (filesRun > 0 || specFiles.length === 0) return undefined;
  const shown = specFiles.slice(0, 5).join(', ') + (specFiles.length > 5 ? `, and ${specFiles.length - 5} more` : '');
  return `${project}: vitest ran no spec file, but the project has ${specFiles.length} (${shown}). Its vitest config's include does not match them: fix the include (vitest's default is **/*.{test,spec}.?(c|m)[jt]s?(x)), or move the specs.`;
}

function resolveVitest(workspaceRoot: string): string {
  try {
    const pkg = require.resolve('vitest/package.json', { paths: [workspaceRoot] });
    const bin = join(pkg, '..', 'vitest.mjs');
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the hint
  }
  throw new UserError(`vitest is not installed in this workspace. Run: ${installCommandFor(workspaceRoot, `vitest@${vitestVersion}`)}`);
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
    // What ran, read from vitest's own JSON report (its terminal output stays as it is).
    const reportDir = options.watch ? undefined : mkdtempSync(join(tmpdir(), 'nx-edge-test-'));
    const reportFile = reportDir ? join(reportDir, 'report.json') : undefined;
    if (reportFile) args.push('--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`);
    try {
      const code = await new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [vitest, ...args], { cwd: join(context.root, projectRoot), stdio: 'inherit', env: process.env });
        child.on('error', () => resolve(1));
        child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
      });
      if (code !== 0 || !reportFile) return { success: code === 0 };
      let filesRun = 0;
      try {
        filesRun = (JSON.parse(readFileSync(reportFile, 'utf8')) as { testResults?: unknown[] }).testResults?.length ?? 0;
      } catch {
        filesRun = 0; // no report: vitest found nothing to run
      }
      const problem = noSpecsRanProblem(projectName, findSpecFiles(context.root, projectRoot), filesRun);
      if (problem) {
        console.error(problem);
        return { success: false };
      }
      return { success: true };
    } finally {
      if (reportDir) rmSync(reportDir, { recursive: true, force: true });
    }
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}
