import { createServer } from 'node:net';
import { join } from 'node:path';
import { validateWorkers, type WorkerProjectFile } from '../../config/validate-workers';
import { normalizePluginOptions, pluginOptionsOf } from '../../plugins/options';
import { findWranglerConfig } from '../../config/wrangler-config';
import { readHub } from '../../dev/hub-registry';
import { proxyPortFrom } from '../../dev/client/run-attached';
import { SERVICE_EXECUTOR, upstreamOf, type GraphView } from '../../dev/client/service-spec';
import { isDevTarget } from '../../dev/client/dev-target';
import { cycleNotes, validateDevConfig, type DevProjectView } from '../validate';
import { findWorkspaceRoot } from '../../utils/workspace-root';
import { templatePlaceholder } from '../../config/template-config';
import { findWorkerDirs } from '../../onboarding/onboarding';
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { scriptHandOver } from '../../plugins/package-scripts';
import type { Command } from 'commander';
import { parseCommandLine } from '../options';

function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The wrangler configs of the workspace that are templates (no project), each with why. */
function findTemplateConfigs(root: string): { configFile: string; reason: string }[] {
  const found: { configFile: string; reason: string }[] = [];
  for (const dir of findWorkerDirs(root)) {
    const configFile = findWranglerConfig(join(root, dir))!;
    const reason = templatePlaceholder(readFileSync(configFile, 'utf8'), configFile);
    if (reason) found.push({ configFile: relative(root, configFile), reason });
  }
  return found;
}

export const description =
  'Check every Worker and the dev setup without running anything: configs that do not parse, main, duplicate Worker names, env bindings and isolation, service options, graph cycles, port conflicts';
export const usage = '[--json] [--proxyPort <port>]';
export const examples = ['nx-edge validate', 'nx-edge validate --json'];

export function define(command: Command): void {
  command.option('--json', 'the report as JSON: problems, notes, skipped').option('--proxyPort <port>', 'the dev proxy port to check for conflicts (default NX_EDGE_PROXY_PORT or 7080)');
}

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once('error', () => resolve(true))
      .listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export async function run(args: string[], ctx: { cwd: string }): Promise<number> {
  const root = findWorkspaceRoot(ctx.cwd);
  const { options } = parseCommandLine<{ json?: boolean; proxyPort?: string }>('validate', { description, usage, define }, args);
  const proxyPort = proxyPortFrom(options.proxyPort !== undefined ? Number(options.proxyPort) : undefined);
  // Nx reads its workspace root from the current directory when it loads.
  process.chdir(root);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Nx's project graph loaded only when validate needs it (startup stays fast)
  const { createProjectGraphAsync } = require('@nx/devkit') as typeof import('@nx/devkit');
  const graph = (await createProjectGraphAsync({ exitOnError: false })) as unknown as GraphView & { nodes: Record<string, { data: { targets?: Record<string, { executor?: string; options?: Record<string, unknown> }> } }> };
  // Every Worker of the workspace (a project whose root holds a wrangler config), whatever its targets.
  const workerFiles: WorkerProjectFile[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const configFile = node.data.root !== undefined ? findWranglerConfig(join(root, node.data.root)) : undefined;
    if (configFile) workerFiles.push({ project: name, configFile });
  }
  const workerProblems = validateWorkers(root, workerFiles);
  // package.json scripts that replaced an inferred target (Nx made it an nx:run-script target): the same
  // rule as init's — a problem when init would hand it over (the target does exactly the same), otherwise a
  // note saying which runs and why it stays (init keeps it too).
  const inferredTargets = Object.values(normalizePluginOptions(pluginOptionsOf(root)));
  const scriptNotes: string[] = [];
  for (const { project, configFile } of workerFiles) {
    const node = graph.nodes[project];
    const pkg = readJsonFile<{ scripts?: Record<string, string> }>(join(root, node.data.root, 'package.json'));
    for (const [target, config] of Object.entries(node.data.targets ?? {})) {
      if (config.executor !== 'nx:run-script' || !inferredTargets.includes(target)) continue;
      const script = (config.options as { script?: string } | undefined)?.script ?? target;
      const command = pkg?.scripts?.[script] ?? script;
      const plan = scriptHandOver(script, command, basename(configFile));
      if (plan.handOver) {
        workerProblems.push({
          kind: 'script-shadows-target',
          project,
          file: `${node.data.root}/package.json`,
          message: `${node.data.root}/package.json: script "${script}" ("${command}") replaces the inferred ${target} target, which does exactly the same${plan.mapped.length ? ` (${plan.mapped.join(', ')})` : ''}: nx g @aero/nx-edge:init hands it over, so --configuration=<env> applies.`,
        });
      } else {
        scriptNotes.push(`${node.data.root}/package.json: script "${script}" ("${command}") is ${project}'s ${target} target: ${plan.reason}, so nx run ${project}:${target} runs your script, not nx-edge's inferred ${target} (init keeps it).`);
      }
    }
  }

  const projects: DevProjectView[] = [];
  for (const [name, node] of Object.entries(graph.nodes)) {
    const entry = Object.entries(node.data.targets ?? {}).find(([, t]) => t.executor === SERVICE_EXECUTOR || isDevTarget(t));
    if (!entry) continue;
    const [targetName, target] = entry;
    const kind = isDevTarget(target) ? 'worker' : 'service';
    const view: DevProjectView = {
      project: name,
      kind,
      file: `${node.data.root}/project.json (target "${targetName}")`,
      upstream: upstreamOf(graph, name).services,
      options: target.options ?? {},
    };
    // Its config's own problems are in workerProblems.
    if (kind === 'worker' && !findWranglerConfig(join(root, node.data.root))) view.configError = `${node.data.root}: no wrangler config for the dev target.`;
    projects.push(view);
  }
  const hub = readHub(root);
  const portsInUse = new Set<number>();
  if (!hub) {
    // With a session running, its own ports are in use by design: check only when nothing runs.
    const candidates = [proxyPort, ...projects.map((p) => p.options.port).filter((p): p is number => typeof p === 'number')];
    for (const port of new Set(candidates)) if (await inUse(port)) portsInUse.add(port);
  }
  const devProblems = validateDevConfig({ projects, proxyPort, portsInUse });
  const problems = [...workerProblems, ...devProblems.map((p) => ({ kind: 'dev', project: p.project, message: p.message }))];
  const notes = [...cycleNotes(projects), ...scriptNotes];
  // Configs that are no project because they are templates: listed, never silently dropped.
  const templates = findTemplateConfigs(root);
  const skipped = templates.map((t) => ({ configFile: t.configFile, reason: `skipped as a template: ${t.reason}; it is no Worker project (no targets, not deployed)` }));
  if (options.json) {
    console.log(JSON.stringify({ ok: problems.length === 0, workers: workerFiles.length, devServices: projects.length, problems, notes, skipped }, null, 2));
    return problems.length ? 1 : 0;
  }
  for (const p of problems) console.log(`✗ ${p.project ? `${p.project}: ` : ''}${p.message}`);
  for (const note of notes) console.log(`ℹ ${note}`);
  for (const s of skipped) console.log(`ℹ ${s.configFile}: ${s.reason}`);
  const skippedNote = skipped.length ? `, ${skipped.length} template config${skipped.length === 1 ? '' : 's'} skipped` : '';
  if (hub) console.log(`(a dev session is running, hub pid ${hub.pid}: port checks skipped)`);
  if (problems.length) {
    console.log(`\n${problems.length} problem${problems.length === 1 ? '' : 's'} in ${workerFiles.length} Workers and ${projects.length} dev services${skippedNote}.`);
    return 1;
  }
  console.log(`✓ ${workerFiles.length} Workers and ${projects.length} dev services, no problems${skippedNote}.`);
  return 0;
}
