import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { bundleWorker, copyAssets, DEFAULT_SIZE_BUDGET_BYTES, SIZE_REPORT_FILE, formatBytes, parseSize, sizeTable, totalGzip, writeDeployableConfig } from '../../build';
import { findWranglerConfig, readWranglerConfig } from '../../config/wrangler-config';
import { describeError, UserError } from '../../utils/user-error';
import { runBatch, type BatchResults } from '../batch';
import type { BuildExecutorOptions, NormalizedBuildOptions } from './schema';

export function normalizeBuildOptions(options: BuildExecutorOptions, context: Pick<ExecutorContext, 'root' | 'projectName' | 'projectsConfigurations'>): NormalizedBuildOptions {
  const projectName = context.projectName;
  if (!projectName) throw new UserError('The build executor needs a project: run it as `nx run <project>:build`.');
  const projectRoot = context.projectsConfigurations.projects[projectName].root;
  const configFile = findWranglerConfig(join(context.root, projectRoot));
  if (!configFile) {
    throw new UserError(`${projectRoot} has no wrangler.jsonc, wrangler.json or wrangler.toml. Create one (nx g @aero/nx-edge:function) or remove the build target.`);
  }
  let sizeBudgetBytes = DEFAULT_SIZE_BUDGET_BYTES;
  if (options.sizeBudget !== undefined) {
    try {
      sizeBudgetBytes = parseSize(options.sizeBudget);
    } catch (error) {
      throw new UserError(`Option sizeBudget of ${projectName}:build: ${(error as Error).message}`);
    }
  }
  return {
    projectName,
    projectRoot,
    configFile,
    outDir: join(context.root, options.outputPath ?? join('dist', projectRoot)),
    minify: options.minify ?? false,
    sourcemap: options.sourcemap ?? true,
    sizeBudgetBytes,
  };
}

type Log = (line: string) => void;

/** One Worker's build: bundle, deployable config, size table, budget. Throws UserError on user mistakes. */
async function buildOne(options: BuildExecutorOptions, context: Pick<ExecutorContext, 'root' | 'projectName' | 'projectsConfigurations'>, log: Log): Promise<void> {
  const opts = normalizeBuildOptions(options, context);
  const { config } = readWranglerConfig(opts.configFile);
  const projectDir = join(context.root, opts.projectRoot);
  const result = await bundleWorker({
    workspaceRoot: context.root,
    projectRoot: projectDir,
    configFile: opts.configFile,
    config,
    outDir: opts.outDir,
    minify: opts.minify,
    sourcemap: opts.sourcemap,
  });
  // Static assets ship from the build output too: dist/<project> is deployable on its own.
  const shipped = copyAssets(config, projectDir, opts.outDir, relative(context.root, opts.configFile));
  writeDeployableConfig(shipped, projectDir, opts.outDir, result.files.length > 1);
  const worker = config.name ?? opts.projectName;
  log(sizeTable(`${worker} → ${relative(context.root, opts.outDir)}`, result.files));
  const gzip = totalGzip(result.files);
  // For the run summary Nx cannot fold (plugins/post-tasks.ts); part of the cached output.
  writeFileSync(
    join(opts.outDir, SIZE_REPORT_FILE),
    JSON.stringify({ worker, raw: result.files.reduce((sum, f) => sum + f.bytes, 0), gzip, budget: opts.sizeBudgetBytes }),
  );
  if (gzip > opts.sizeBudgetBytes) {
    throw new UserError(
      `${worker} is ${formatBytes(gzip)} gzipped, over its size budget of ${formatBytes(opts.sizeBudgetBytes)}. Shrink the bundle (see metafile.json for what is in it) or raise sizeBudget.`,
    );
  }
}

export default async function buildExecutor(options: BuildExecutorOptions, context: ExecutorContext): Promise<{ success: boolean }> {
  try {
    await buildOne(options, context, (line) => console.log(line));
    return { success: true };
  } catch (error) {
    console.error(describeError(error));
    return { success: false };
  }
}

/**
 * `nx run-many -t build --batch`: every Worker of the run bundled in this one process, concurrently,
 * instead of one forked Nx process per Worker.
 */
export async function buildBatch(taskGraph: TaskGraph, inputs: Record<string, BuildExecutorOptions>, overrides: BuildExecutorOptions, context: ExecutorContext): Promise<BatchResults> {
  return runBatch(taskGraph, (task, log) => buildOne({ ...inputs[task.id], ...overrides }, { ...context, projectName: task.target.project }, log));
}
