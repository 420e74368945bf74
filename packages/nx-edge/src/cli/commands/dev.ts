import { join } from 'node:path';
import { readCachedGraph } from '../../dev/client/cached-graph';
import { runAttached } from '../../dev/client/run-attached';
import { devTargetOptions, upstreamClosure, workerSpecIn } from '../../dev/client/session-plan';
import type { DevExecutorOptions } from '../../executors/dev/schema';
import { resolveMiniflare } from '../../wrangler/miniflare';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { describeError, UserError } from '../../utils/user-error';
import { Option, type Command } from 'commander';
import { parseCommandLine } from '../options';

export const description = "Run a project's Worker in the workspace's dev session (what the inferred dev target runs)";
export const usage = '[project] [--env <name>] [--port <n>] [--proxyPort <n>]';
export const examples = ['nx-edge dev api', 'nx-edge dev api --env staging --port 8788'];

export function define(command: Command): void {
  command
    .argument('[project]', 'the project (Nx sets it for a dev task)')
    .option('--env <name>', 'the env of the wrangler config to run')
    .option('--port <n>', "the Worker's own port")
    .option('--proxyPort <n>', "the session's proxy port")
    .addOption(new Option('--proxy-port <n>', 'the same as --proxyPort').hideHelp())
    // Nx forwards a target's other options (health, watch: read from the project graph instead).
    .allowUnknownOption()
    .allowExcessArguments();
}

/**
 * `nx-edge dev`: a dev task as a plain Node process (the inferred `dev` target runs it through
 * nx:run-commands, which Nx runs without forking a task process of its own: ~40 MB and most of a
 * second less per Worker than a custom executor). Project, target and configuration come from the
 * task's environment; options from the target as Nx resolved it, then the command line.
 */
export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  try {
    return await runDev(args, ctx);
  } catch (error) {
    // As the executor says it: the messages name nx-edge dev themselves.
    console.error(describeError(error));
    return 1;
  }
}

async function runDev(args: string[], ctx: { cwd: string }): Promise<number> {
  const root = process.env.NX_WORKSPACE_ROOT ?? findWorkspaceRoot(ctx.cwd);
  const flags: DevExecutorOptions = {};
  let project = process.env.NX_TASK_TARGET_PROJECT;
  const number = (flag: string, value: string) => {
    if (!/^\d+$/.test(value)) throw new UserError(`${flag} needs a port number, got "${value}". Usage: nx-edge dev ${usage}`);
    return Number(value);
  };
  const { options: typed, operands } = parseCommandLine<{ env?: string; port?: string; proxyPort?: string }>('dev', { description, usage, define }, args);
  if (typed.env !== undefined) flags.env = typed.env;
  if (typed.port !== undefined) flags.port = number('--port', typed.port);
  if (typed.proxyPort !== undefined) flags.proxyPort = number('--proxyPort', typed.proxyPort);
  if (operands[0]) project = operands[0];
  if (!project) throw new UserError(`Which project? Usage: nx-edge dev ${usage} (Nx sets it for a dev task: nx run <project>:dev).`);
  const target = process.env.NX_TASK_TARGET_TARGET ?? 'dev';
  const configuration = process.env.NX_TASK_TARGET_CONFIGURATION || undefined;
  const graph = readCachedGraph(root);
  if (!graph) throw new UserError(`nx-edge dev found no project graph of this Nx run in ${root}/.nx/workspace-data; run it as a task: nx run ${project}:dev`);
  if (!graph.nodes[project]) throw new UserError(`There is no project "${project}" in this workspace's project graph.`);
  const options = { ...devTargetOptions(graph, project, target, configuration), ...flags };
  const spec = workerSpecIn(root, graph, project, options);
  if (!spec) throw new UserError(`${join(root, graph.nodes[project].data.root)} has no wrangler.jsonc, wrangler.json or wrangler.toml; nx-edge dev runs Workers. For any other command use the @aero/nx-edge:service executor.`);
  // The workspace's wrangler (a peer dependency) brings the Miniflare the session runs in: check it first.
  resolveMiniflare(root);
  const closure = upstreamClosure(root, graph, project, target, configuration);
  for await (const result of runAttached({ workspaceRoot: root, spec, plan: [spec, ...closure], closure, proxyPort: options.proxyPort })) {
    if (!result.success) return 1;
  }
  return 0;
}
