import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
// Types only: loading @nx/devkit's runtime costs ~300 ms in Nx's plugin worker, on every command.
import type { CreateNodesContextV2, CreateNodesResult, CreateNodesV2, TargetConfiguration } from '@nx/devkit';
import { environmentNames, findWranglerConfig, parseWranglerConfig, WRANGLER_CONFIG_GLOB, type WranglerConfig } from '../config/wrangler-config';
import { orderServices } from '../dev/hub/graph-order';
import { DEV_READY_MARK } from '../dev/client/dev-target';
import { describeError } from '../utils/user-error';
import { normalizePluginOptions, type NormalizedPluginOptions, type NxEdgePluginOptions } from './options';
import { scriptHandOver, shadowingScripts } from './package-scripts';
import { ownsWorkerTypes, WORKER_TYPES_FILE } from '../types/worker-types';
import { typedBindingTargets, upstreamProjects, workerNameIndex, type WorkerProject } from './service-graph';
import { inWorkspaceGlobs, workspaceGlobs, workspacePackages } from './workspace-globs';
import { isIgnoredConfigPath } from '../config/config-file';
import { inferProjectName, readFolderJsons } from '../config/project-name';
import { templatePlaceholder } from '../config/template-config';

const TECHNOLOGIES = ['cloudflare'];


function envConfigurations(envs: string[]): Record<string, { env: string }> {
  return Object.fromEntries(envs.map((env) => [env, { env }]));
}

/**
 * The command of the inferred dev target: nx-edge's CLI run by node, workspace-relative when the
 * plugin is installed in the workspace. Undefined when the CLI is not built (the plugin runs from its
 * TypeScript sources): the target then uses the dev executor.
 */
export function devTaskCommand(workspaceRoot: string, cli = join(__dirname, '..', 'cli', 'nx-edge.js')): string | undefined {
  if (!existsSync(cli)) return undefined;
  // The package's own folder when it is one (pnpm links node_modules/@aero/nx-edge into its store).
  const linked = join(workspaceRoot, 'node_modules', '@aero', 'nx-edge', 'dist', 'src', 'cli', 'nx-edge.js');
  const sameFile = (a: string, b: string) => {
    try {
      return realpathSync(a) === realpathSync(b);
    } catch {
      return false;
    }
  };
  const fromRoot = relative(workspaceRoot, sameFile(linked, cli) ? linked : cli);
  const path = fromRoot.startsWith('..') || isAbsolute(fromRoot) ? cli : fromRoot;
  // `exec`: the task process is Nx's own child (no shell between), so it sees Nx die and leaves.
  return `exec node ${/\s/.test(path) ? JSON.stringify(path) : path} dev`;
}

export function buildTargets(
  configFile: string,
  config: WranglerConfig,
  options: NormalizedPluginOptions,
  namedInputs: Record<string, unknown> = {},
  // Workspace-relative configs of the Workers this one calls through typed bindings.
  boundConfigFiles: string[] = [],
  // The Worker's Env file is ours to keep fresh (see ownsWorkerTypes): build and test run types first.
  typesFirst = false,
  // `node …/nx-edge.js dev` (see devTaskCommand); without it the dev executor.
  devCommand?: string,
): Record<string, TargetConfiguration> {
  const configInput = `{projectRoot}/${basename(configFile)}`;
  // Named inputs the workspace does not define would fail every run: fall back to Nx's built-ins.
  const production = 'production' in namedInputs ? 'production' : 'default';
  const envs = environmentNames(config);
  const worker = config.name ?? basename(dirname(configFile));
  return {
    [options.typesTargetName]: {
      executor: '@aero/nx-edge:types',
      cache: true,
      // Only what wrangler types reads: the configs (own and bound Workers') and the secret names.
      inputs: [configInput, '{projectRoot}/.dev.vars.example', ...boundConfigFiles.map((f) => `{workspaceRoot}/${f}`)],
      outputs: [`{projectRoot}/${WORKER_TYPES_FILE}`],
      options: {},
      metadata: {
        description: `Generate ${worker}'s Env (${WORKER_TYPES_FILE}) with wrangler types, typed service bindings included`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler types --help', example: {} },
      },
    },
    [options.buildTargetName]: {
      executor: '@aero/nx-edge:build',
      cache: true,
      ...(typesFirst ? { dependsOn: [options.typesTargetName] } : {}),
      inputs: [production, `^${production}`, configInput],
      outputs: ['{workspaceRoot}/dist/{projectRoot}'],
      options: {},
      metadata: {
        description: `Bundle the ${worker} Worker with esbuild and report raw and gzip sizes`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx esbuild --help', example: { options: { sizeBudget: '3MiB', minify: true } } },
      },
    },
    [options.devTargetName]: {
      // A plain Node process through nx:run-commands, which Nx runs without forking a task process of
      // its own (a custom executor's costs ~40 MB and most of a second per Worker, measured).
      ...(devCommand ? { executor: 'nx:run-commands', options: { command: devCommand } } : { executor: '@aero/nx-edge:dev', options: {} }),
      continuous: true,
      // Nx starts the upstream dev tasks with this one, all at once; the dev hub gates each service on
      // its upstream's health (one workerd start for every Worker instead of one per level). Readiness
      // still lets a user's own task `waitFor: 'ready'` on a Worker.
      readyWhen: devCommand ? { logMatches: DEV_READY_MARK } : { signal: true },
      dependsOn: [{ dependencies: true, target: options.devTargetName }],
      metadata: {
        description: `Run ${worker} locally in workerd, after its upstream services are healthy`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler dev --help', example: {} },
      },
    },
    [options.testTargetName]: {
      executor: '@aero/nx-edge:test',
      cache: true,
      ...(typesFirst ? { dependsOn: [options.typesTargetName] } : {}),
      inputs: ['default', `^${production}`],
      outputs: ['{workspaceRoot}/coverage/{projectRoot}'],
      options: {},
      metadata: {
        description: `Run ${worker}'s tests with vitest and real local bindings`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx vitest --help', example: { options: { watch: true } } },
      },
    },
    [options.deployTargetName]: {
      executor: '@aero/nx-edge:deploy',
      // params forward: `nx run a:deploy --dry-run` must not really deploy a's upstream services.
      dependsOn: [{ dependencies: true, target: options.deployTargetName, params: 'forward' }, options.buildTargetName],
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Deploy ${worker} with wrangler${envs.length ? ` (configurations: ${envs.join(', ')})` : ''}`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler deploy --help', example: { options: { dryRun: true } } },
      },
    },
    [options.provisionTargetName]: {
      executor: '@aero/nx-edge:provision',
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Create the KV/D1/R2/queues ${worker}'s config names and write their ids back (--dry-run for the plan)`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler kv namespace create --help', example: { options: { dryRun: true } } },
      },
    },
    [options.backupTargetName]: {
      executor: '@aero/nx-edge:backup',
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Back up the D1 databases and KV namespaces ${worker} binds, with checksums (restore: nx-edge restore <folder> -c <env>)`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler d1 export --help', example: { options: { keep: 7 } } },
      },
    },
    [options.secretsTargetName]: {
      executor: '@aero/nx-edge:secrets',
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Set, list, delete or push ${worker}'s secrets (names only are ever shown)`,
        technologies: TECHNOLOGIES,
        help: { command: 'npx wrangler secret --help', example: { options: { action: 'list' } } },
      },
    },
  };
}

interface ConfigEntry {
  configFile: string;
  projectRoot: string;
  config: WranglerConfig;
  projectJson?: Record<string, unknown>;
  packageJson?: Record<string, unknown>;
  parseError?: string;
  name: string;
  fixed: boolean;
}

/** What createNodes noticed, said in one summary line per Nx command (details: nx-edge validate). */
interface Notes {
  unparsable: number;
  templates: number;
  clashes: string[];
  /** package.json scripts Nx turns into targets that replace inferred ones. */
  shadowing: number;
  /** Scripts that stay their Worker's target (they do more than the inferred one): init keeps them. */
  teamTargets: number;
}

const said = new Set<string>();
function sayOnce(line: string): void {
  if (said.has(line)) return;
  said.add(line);
  console.warn(line);
}

function readEntries(configFiles: readonly string[], context: CreateNodesContextV2, notes: Notes, targetNames: string[]): ConfigEntry[] {
  const globs = workspaceGlobs(context.workspaceRoot);
  const entries: ConfigEntry[] = [];
  for (const configFile of configFiles) {
    if (isIgnoredConfigPath(configFile)) continue;
    const projectRoot = dirname(configFile);
    const absoluteRoot = join(context.workspaceRoot, projectRoot);
    // Several configs in one folder: only the one wrangler itself would pick makes the project.
    const preferred = findWranglerConfig(absoluteRoot);
    if (preferred && basename(preferred) !== basename(configFile)) continue;
    const text = readFileSync(join(context.workspaceRoot, configFile), 'utf8');
    if (templatePlaceholder(text, configFile)) {
      notes.templates++;
      continue;
    }
    let config: WranglerConfig = {};
    let parseError: string | undefined;
    try {
      config = parseWranglerConfig(text, configFile);
    } catch (error) {
      // Still a project: a broken config must fail its build/dev/deploy loudly (each executor reads
      // the config and reports the parse error with file:line), never drop out of a run silently.
      parseError = describeError(error);
      notes.unparsable++;
    }
    const inGlobs = inWorkspaceGlobs(projectRoot === '.' ? '' : projectRoot, globs);
    // Read once: naming, the scripts count and a cycle member's implicit dependencies all use them.
    const jsons = readFolderJsons(absoluteRoot);
    // Nx makes script targets of a package.json inside the workspace globs or next to a project.json.
    if (inGlobs || jsons.projectJson) {
      // The same rule as init's: counted as "init hands them over" only when it would.
      for (const s of shadowingScripts(jsons.packageJson, targetNames)) {
        if (scriptHandOver(s.script, s.command, basename(configFile)).handOver) notes.shadowing++;
        else notes.teamTargets++;
      }
    }
    entries.push({ configFile, projectRoot, config, parseError, projectJson: jsons.projectJson, packageJson: jsons.packageJson, ...inferProjectName(absoluteRoot, config, inGlobs, jsons) });
  }
  // A name two folders would share stops every Nx command: name the derived ones by their path.
  const byName = new Map<string, ConfigEntry[]>();
  for (const e of entries) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
  for (const [name, clash] of byName) {
    if (clash.length < 2) continue;
    const renamed: string[] = [];
    for (const e of clash) {
      if (e.fixed) continue;
      e.name = e.projectRoot.replace(/[\\/]+/g, '-').replace(/^[.-]+/, '') || name;
      renamed.push(`"${e.name}"`);
    }
    notes.clashes.push(
      `[nx-edge] ${clash.length} Workers would be named "${name}" (${clash.map((e) => e.projectRoot).join(', ')})${renamed.length ? `: named ${renamed.join(' and ')} by their folders` : ''} — give each a unique "name" in its project.json (or wrangler config).`,
    );
  }
  return entries;
}

/**
 * Targets that order work (dev start, deploy) follow the service graph's condensation: Workers that
 * call each other (a → b → a) are one component, started together and deployed one after another in
 * name order, so Nx's task graph never has a cycle while the project graph keeps every edge.
 */
function workerProjects(entries: ConfigEntry[]): WorkerProject[] {
  return entries.filter((e) => !e.parseError).map((e) => ({ project: e.name, configFile: e.configFile, config: e.config }));
}

function componentOrder(workers: WorkerProject[]): Map<string, { upstream: string[]; previousInCycle?: string; cycle?: string[] }> {
  const upstream = upstreamProjects(workers);
  const { cycles } = orderServices([...upstream.keys()], (p) => upstream.get(p) ?? []);
  const result = new Map<string, { upstream: string[]; previousInCycle?: string; cycle?: string[] }>();
  for (const cycle of cycles) {
    const members = [...cycle].sort();
    members.forEach((member, i) => {
      result.set(member, {
        upstream: (upstream.get(member) ?? []).filter((u) => !members.includes(u)),
        previousInCycle: i > 0 ? members[i - 1] : undefined,
        cycle: members,
      });
    });
  }
  return result;
}

/** What a Worker's project declares it needs beyond its config (`implicitDependencies`, exclusions left out). */
function implicitDependenciesOf(e: ConfigEntry): string[] {
  const implicit = e.projectJson?.implicitDependencies ?? (e.packageJson?.nx as { implicitDependencies?: unknown } | undefined)?.implicitDependencies;
  return Array.isArray(implicit) ? implicit.filter((d): d is string => typeof d === 'string' && !d.startsWith('!')) : [];
}

/**
 * The non-Worker projects a Worker's dev closure needs: the implicit dependencies that are not Workers, of the
 * Worker and of every Worker upstream of it (through bindings and implicit dependencies, cycles included).
 */
export function closureServices(project: string, upstream: Map<string, string[]>, extras: Map<string, string[]>, workers: Map<string, unknown>): string[] {
  const services = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const dep of [...(upstream.get(name) ?? []), ...(extras.get(name) ?? [])]) {
      if (workers.has(dep)) visit(dep);
      else if (dep !== project) services.add(dep);
    }
  };
  visit(project);
  return [...services].sort();
}

export const createNodesV2: CreateNodesV2<NxEdgePluginOptions> = [
  WRANGLER_CONFIG_GLOB,
  // Never throws (a broken file is a project whose targets fail), so no error aggregation is needed.
  async (configFiles, options, context) => {
    const notes: Notes = { unparsable: 0, templates: 0, clashes: [], shadowing: 0, teamTargets: 0 };
    const normalized = normalizePluginOptions(options);
    const entries = readEntries(configFiles, context, notes, Object.values(normalized));
    const workers = workerProjects(entries);
    const byProject = new Map(workers.map((w) => [w.project, w]));
    const names = workerNameIndex(workers);
    const order = componentOrder(workers);
    const upstream = upstreamProjects(workers);
    // Workspace packages a Worker imports whose entry is built output (exports → dist/): built first, or a
    // fresh clone's bundle cannot resolve them.
    const builtPackages = new Map(workspacePackages(context.workspaceRoot).filter((p) => p.needsBuild).map((p) => [p.name, p]));
    const devCommand = devTaskCommand(context.workspaceRoot);
    const results = new Map<string, CreateNodesResult>();
    const extras = new Map(entries.map((e) => [e.name, implicitDependenciesOf(e)]));
    for (const e of entries) {
      const self = byProject.get(e.name);
      const bound = self ? typedBindingTargets(self, workers, names).map((w) => w.configFile) : [];
      const typesFirst = ownsWorkerTypes(join(context.workspaceRoot, e.projectRoot));
      const targets = buildTargets(e.configFile, e.config, normalized, context.nxJsonConfiguration?.namedInputs, bound, typesFirst, devCommand);
      const inCycle = order.get(e.name);
      // dev runs in closure mode: the task brings up every upstream Worker in the hub itself, so it depends on
      // no Worker's dev task — only on the non-Worker services the closure needs (implicitDependencies that are
      // not Workers: a database, a Node API), which keep their Nx tasks. Never a lib's own `dev` (a watcher that
      // never ends) that a `dependencies: true` would pull in through an import.
      const devServices = closureServices(e.name, upstream, extras, extras);
      targets[normalized.devTargetName].dependsOn = devServices.length ? [{ projects: devServices, target: normalized.devTargetName }] : [];
      // deploy waits for upstream services only (a lib's own `deploy` script — a publish — never runs).
      const devUpstream = [...new Set([...(inCycle ? inCycle.upstream : (upstream.get(e.name) ?? [])), ...(extras.get(e.name) ?? [])])];
      const imported = Object.keys({ ...(e.packageJson?.dependencies as object), ...(e.packageJson?.devDependencies as object) }).filter((name) => builtPackages.has(name) && builtPackages.get(name)!.root !== e.projectRoot);
      if (imported.length) {
        const build = targets[normalized.buildTargetName];
        build.dependsOn = [...(build.dependsOn ?? []), { projects: imported.sort(), target: 'build' }];
      }
      const deployUpstream = [...new Set([...devUpstream, ...(inCycle?.previousInCycle ? [inCycle.previousInCycle] : [])])];
      targets[normalized.deployTargetName].dependsOn = [
        ...(deployUpstream.length ? [{ projects: deployUpstream, target: normalized.deployTargetName, params: 'forward' as const }] : []),
        normalized.buildTargetName,
      ];
      if (inCycle) {
        targets[normalized.deployTargetName].metadata = {
          ...targets[normalized.deployTargetName].metadata,
          serviceCycle: inCycle.cycle,
        };
      }
      results.set(e.configFile, {
        projects: {
          [e.projectRoot]: {
            root: e.projectRoot,
            name: e.name,
            projectType: 'application',
            tags: ['type:function'],
            // What Nx Console's Project Details View shows: a Cloudflare Worker, its targets in one group.
            metadata: {
              description: `Cloudflare Worker ${e.config.name ?? e.name} (${basename(e.configFile)})`,
              technologies: TECHNOLOGIES,
              targetGroups: { 'Cloudflare Worker': Object.keys(targets) },
            },
            targets,
          },
        },
      });
    }
    for (const line of notes.clashes) sayOnce(line);
    const summary = [
      notes.unparsable ? `${notes.unparsable} wrangler config${notes.unparsable === 1 ? '' : 's'} failed to parse (their targets fail until fixed)` : '',
      notes.templates ? `${notes.templates} template folder${notes.templates === 1 ? '' : 's'} skipped` : '',
      notes.shadowing ? `${notes.shadowing} package.json script${notes.shadowing === 1 ? '' : 's'} replace inferred targets (nx g @aero/nx-edge:init hands them over)` : '',
      notes.teamTargets ? `${notes.teamTargets} package.json script${notes.teamTargets === 1 ? '' : 's'} stay${notes.teamTargets === 1 ? 's' : ''} the team's target${notes.teamTargets === 1 ? '' : 's'} (doing more than the inferred one)` : '',
    ].filter(Boolean);
    if (summary.length) sayOnce(`[nx-edge] ${summary.join(', ')} — details: npx nx-edge validate`);
    return configFiles.map((file) => [file, results.get(file) ?? {}] as const);
  },
];

export const createNodes = createNodesV2;
