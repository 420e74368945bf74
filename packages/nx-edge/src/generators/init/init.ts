import {
  addDependenciesToPackageJson,
  installPackagesTask,
  formatFiles,
  logger,
  readJson,
  readNxJson,
  updateJson,
  updateNxJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { nxEdgeVersion, toolchainFor, typescriptVersion, vitestVersion } from '../../utils/versions';
import { detectPackageManager, devInstallCommand } from '../../utils/package-manager';
import { isSupportedWrangler, WRANGLER_PEER_RANGE, wranglerInstallSpec } from '../../wrangler/wrangler-package';
import { rewriteWorkerScripts } from './package-scripts';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = '@aero/nx-edge';
export const GITIGNORE_ENTRIES = ['.dev.vars*', '!.dev.vars.example', '.wrangler/', '.nx-edge/', '.nx/'];

/**
 * The `production` input the inferred build and deploy hash: every file vitest would run as a spec (its
 * default include, `**\/*.{test,spec}.?(c|m)[jt]s?(x)`), local secrets and local state are left out, so
 * editing a test never busts a build or deploy cache.
 */
export const PRODUCTION_INPUT = [
  'default',
  '!{projectRoot}/**/*.{spec,test}.{ts,tsx,mts,cts,js,jsx,mjs,cjs}',
  '!{projectRoot}/.dev.vars*',
  '!{projectRoot}/.wrangler/**/*',
];

/** Registers the plugin in nx.json — creating nx.json when the repo has none (Nx's updateNxJson would silently do nothing). */
function registerPlugin(tree: Tree, say: (line: string) => void): void {
  const exists = tree.exists('nx.json');
  const nxJson = (exists ? readNxJson(tree) : undefined) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME);
  const changes: string[] = [];
  if (!registered) {
    nxJson.plugins = [...plugins, PLUGIN_NAME];
    changes.push(`registers the ${PLUGIN_NAME} plugin`);
  }
  // Nx analyses TS imports (function → lib edges) only when @nx/js is around, unless told to.
  const jsConfig = (nxJson.pluginsConfig?.['@nx/js'] ?? {});
  if (jsConfig.analyzeSourceFiles === undefined) {
    nxJson.pluginsConfig = { ...nxJson.pluginsConfig, '@nx/js': { ...jsConfig, analyzeSourceFiles: true } };
    changes.push('pluginsConfig["@nx/js"].analyzeSourceFiles: true (lib imports become graph edges)');
  }
  // The inferred targets hash `production` inputs: tests and local secrets never bust a build.
  nxJson.namedInputs ??= {};
  for (const [name, value] of [['default', ['{projectRoot}/**/*', 'sharedGlobals']], ['sharedGlobals', []], ['production', PRODUCTION_INPUT]] as const) {
    if (nxJson.namedInputs[name] !== undefined) continue;
    nxJson.namedInputs[name] = [...value];
    changes.push(`namedInputs.${name}`);
  }
  if (changes.length === 0) return;
  if (exists) updateNxJson(tree, nxJson);
  else tree.write('nx.json', `${JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json', ...nxJson }, null, 2)}\n`);
  say(`nx-edge: nx.json ${exists ? 'updated' : 'created (the repo had none)'}: ${changes.join('; ')}`);
}

export function addGitignoreEntries(tree: Tree, say: (line: string) => void = () => undefined): void {
  const existing = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8') ?? '' : '';
  const lines = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !lines.has(entry));
  if (missing.length === 0) return;
  say(`nx-edge: .gitignore: adds ${missing.join(' ')}`);
  const prefix = existing.length === 0 || existing.endsWith('\n') ? existing : `${existing}\n`;
  tree.write('.gitignore', `${prefix}${existing.length ? '\n' : ''}# nx-edge: local secrets and local state\n${missing.join('\n')}\n`);
}

/**
 * Sets up nx-edge in a workspace, all or nothing: every change it makes is printed (so `--dry-run` lists
 * them all), a second run changes nothing, and wrangler configs are never edited.
 */
type PackageJsonDependencies = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };

export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const say = (line: string) => logger.info(line);
  registerPlugin(tree, say);
  addGitignoreEntries(tree, say);
  if (!options.keepScripts) rewriteWorkerScripts(tree);
  let installTask: GeneratorCallback = () => undefined;
  if (!options.skipPackageJson && tree.exists('package.json')) {
    const toolchain = toolchainFor();
    const before = readJson<PackageJsonDependencies>(tree, 'package.json');
    const hadDependencies = 'dependencies' in before;
    // A wrangler the workspace pins outside the supported range would fail every target later: say so now,
    // with the one command that fixes it (the lockfile's package manager), or fix it with --upgrade.
    const pinned = before.devDependencies?.wrangler ?? before.dependencies?.wrangler;
    const pinnedVersion = pinned && /\d+\.\d+\.\d+/.exec(pinned)?.[0];
    if (pinnedVersion && !isSupportedWrangler(pinnedVersion)) {
      const inTree = (f: string) => relative(tree.root, f);
      const manager = detectPackageManager(
        tree.root,
        (f) => (inTree(f).startsWith('..') ? existsSync(f) : tree.exists(inTree(f))),
        (f) => (inTree(f).startsWith('..') ? '' : (tree.read(inTree(f), 'utf-8') ?? '')),
      );
      const command = devInstallCommand(manager, wranglerInstallSpec());
      if (options.upgrade) {
        updateJson<PackageJsonDependencies>(tree, 'package.json', (json) => {
          const section = json.devDependencies?.wrangler !== undefined ? 'devDependencies' : 'dependencies';
          json[section] = { ...json[section], wrangler: toolchainFor().wrangler };
          json.devDependencies = { ...json.devDependencies, '@cloudflare/workers-types': toolchainFor().workersTypes };
          return json;
        });
        say(`nx-edge: package.json: wrangler ${pinned} → ${toolchainFor().wrangler} (--upgrade; @aero/nx-edge supports ${WRANGLER_PEER_RANGE}); install follows`);
      } else {
        logger.warn(`nx-edge: package.json pins wrangler ${pinned}, outside what @aero/nx-edge supports (${WRANGLER_PEER_RANGE}): its targets will refuse to run until you run ${command} (or nx g @aero/nx-edge:init --upgrade).`);
      }
    }
    const workspaceNx = before.devDependencies?.nx ?? before.dependencies?.nx;
    const upgraded = Boolean(pinnedVersion && !isSupportedWrangler(pinnedVersion) && options.upgrade);
    const addTask = addDependenciesToPackageJson(
      tree,
      {},
      {
        '@aero/nx-edge': nxEdgeVersion,
        '@aero/edge-runtime': nxEdgeVersion,
        // A peer dependency: the workspace's own wrangler (and the Miniflare it brings) is what runs.
        wrangler: toolchain.wrangler,
        vitest: vitestVersion,
        '@cloudflare/workers-types': toolchain.workersTypes,
        typescript: typescriptVersion,
        // The workspace's own Nx version: @aero/nx-edge takes any @nx/devkit of Nx 23–24, and one matching
        // nx is the one every Nx package of the workspace shares (no second copy nested under @nx/workspace).
        ...(workspaceNx ? { '@nx/devkit': workspaceNx } : {}),
      },
      undefined,
      options.keepExistingVersions ?? true,
    );
    // addDependenciesToPackageJson installs only what it added itself; an upgraded wrangler must be installed too.
    installTask = upgraded ? () => installPackagesTask(tree, true) : addTask;
    // Only dev dependencies are added: no empty "dependencies" left behind.
    updateJson<PackageJsonDependencies>(tree, 'package.json', (json) => {
      if (!hadDependencies && json.dependencies && Object.keys(json.dependencies).length === 0) delete json.dependencies;
      return json;
    });
    const after = readJson<PackageJsonDependencies>(tree, 'package.json').devDependencies ?? {};
    const added = Object.entries(after).filter(([name, version]) => before.devDependencies?.[name] !== version);
    if (added.length) say(`nx-edge: package.json: devDependencies ${added.map(([name, version]) => `${name}@${version}`).join(', ')}`);
  }
  if (!options.skipFormat) await formatFiles(tree);
  return installTask;
}

export default initGenerator;
