import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
// Types only: loading @nx/devkit's runtime costs ~300 ms in Nx's plugin worker, on every command.
import type { CreateNodesContextV2, CreateNodesResult, CreateNodesV2, TargetConfiguration } from '@nx/devkit';
import { environmentNames, findWranglerConfig, parseWranglerConfig, WRANGLER_CONFIG_GLOB, type WranglerConfig } from '../config/wrangler-config';
import { describeError } from '../utils/user-error';
import { normalizePluginOptions, type NormalizedPluginOptions, type NxEdgePluginOptions } from './options';

/** Folders that hold build output, caches or dependencies: never projects. */
const IGNORED_SEGMENTS = new Set(['node_modules', 'dist', '.wrangler', '.nx-edge', '.nx', 'tmp', 'coverage']);

const TECHNOLOGIES = ['cloudflare'];

export function isIgnoredConfigPath(configFile: string): boolean {
  return configFile.split('/').some((segment) => IGNORED_SEGMENTS.has(segment));
}

function readJsonName(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const name = JSON.parse(readFileSync(file, 'utf8')).name;
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

/** project.json name, then package.json name, then the wrangler name, then the folder name. */
export function inferProjectName(absoluteRoot: string, config: WranglerConfig): string {
  return (
    readJsonName(join(absoluteRoot, 'project.json')) ??
    readJsonName(join(absoluteRoot, 'package.json')) ??
    config.name ??
    basename(absoluteRoot)
  );
}

function envConfigurations(envs: string[]): Record<string, { env: string }> {
  return Object.fromEntries(envs.map((env) => [env, { env }]));
}

export function buildTargets(
  configFile: string,
  config: WranglerConfig,
  options: NormalizedPluginOptions,
  namedInputs: Record<string, unknown> = {},
): Record<string, TargetConfiguration> {
  const configInput = `{projectRoot}/${basename(configFile)}`;
  // Named inputs the workspace does not define would fail every run: fall back to Nx's built-ins.
  const production = 'production' in namedInputs ? 'production' : 'default';
  const envs = environmentNames(config);
  const worker = config.name ?? basename(dirname(configFile));
  return {
    [options.buildTargetName]: {
      executor: '@aero/nx-edge:build',
      cache: true,
      inputs: [production, `^${production}`, configInput],
      outputs: ['{workspaceRoot}/dist/{projectRoot}'],
      options: {},
      metadata: {
        description: `Bundle the ${worker} Worker with esbuild and report raw and gzip sizes`,
        technologies: TECHNOLOGIES,
      },
    },
    [options.devTargetName]: {
      executor: '@aero/nx-edge:dev',
      continuous: true,
      // Nx starts the upstream dev tasks with this one, all at once; the dev hub gates each service on
      // its upstream's health (one workerd start for every Worker instead of one per level). The
      // readiness signal still lets a user's own task `waitFor: 'ready'` on a Worker.
      readyWhen: { signal: true },
      dependsOn: [{ dependencies: true, target: options.devTargetName }],
      options: {},
      metadata: {
        description: `Run ${worker} locally in workerd, after its upstream services are healthy`,
        technologies: TECHNOLOGIES,
      },
    },
    [options.testTargetName]: {
      executor: '@aero/nx-edge:test',
      cache: true,
      inputs: ['default', `^${production}`],
      outputs: ['{workspaceRoot}/coverage/{projectRoot}'],
      options: {},
      metadata: {
        description: `Run ${worker}'s tests with vitest and real local bindings`,
        technologies: TECHNOLOGIES,
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
      },
    },
    [options.provisionTargetName]: {
      executor: '@aero/nx-edge:provision',
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Create the KV/D1/R2/queues ${worker}'s config names and write their ids back (--dry-run for the plan)`,
        technologies: TECHNOLOGIES,
      },
    },
    [options.secretsTargetName]: {
      executor: '@aero/nx-edge:secrets',
      options: {},
      configurations: envConfigurations(envs),
      metadata: {
        description: `Set, list, delete or push ${worker}'s secrets (names only are ever shown)`,
        technologies: TECHNOLOGIES,
      },
    },
  };
}

async function createNodesForConfig(
  configFile: string,
  options: NxEdgePluginOptions | undefined,
  context: CreateNodesContextV2,
): Promise<CreateNodesResult> {
  if (isIgnoredConfigPath(configFile)) return {};
  const projectRoot = dirname(configFile);
  const absoluteRoot = join(context.workspaceRoot, projectRoot);
  // Several configs in one folder: only the one wrangler itself would pick makes the project.
  const preferred = findWranglerConfig(absoluteRoot);
  if (preferred && basename(preferred) !== basename(configFile)) return {};

  let config: WranglerConfig;
  try {
    config = parseWranglerConfig(readFileSync(join(context.workspaceRoot, configFile), 'utf8'), configFile);
  } catch (error) {
    // Still a project: a broken config must fail its build/dev/deploy loudly (each executor reads the
    // config and reports the parse error with file:line), never drop the Worker from a run silently.
    console.warn(`[nx-edge] ${describeError(error)} — its targets fail until it is fixed (nx-edge validate lists every problem)`);
    config = {};
  }
  return {
    projects: {
      [projectRoot]: {
        root: projectRoot,
        name: inferProjectName(absoluteRoot, config),
        projectType: 'application',
        tags: ['type:function'],
        targets: buildTargets(configFile, config, normalizePluginOptions(options), context.nxJsonConfiguration?.namedInputs),
      },
    },
  };
}

export const createNodesV2: CreateNodesV2<NxEdgePluginOptions> = [
  WRANGLER_CONFIG_GLOB,
  // createNodesForConfig never throws (a broken file is a warning), so no error aggregation is needed.
  async (configFiles, options, context) =>
    Promise.all(configFiles.map(async (file) => [file, await createNodesForConfig(file, options, context)] as const)),
];

export const createNodes = createNodesV2;
