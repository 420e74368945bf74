import {
  addDependenciesToPackageJson,
  formatFiles,
  readJson,
  readNxJson,
  updateJson,
  updateNxJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { nxEdgeVersion, toolchainFor, typescriptVersion, vitestVersion } from '../../utils/versions';
import { rewriteWorkerScripts } from './package-scripts';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = '@aero/nx-edge';
export const GITIGNORE_ENTRIES = ['.dev.vars*', '!.dev.vars.example', '.wrangler/', '.nx-edge/', '.nx/'];

function registerPlugin(tree: Tree): void {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME);
  if (!registered) nxJson.plugins = [...plugins, PLUGIN_NAME];
  // Nx analyses TS imports (function → lib edges) only when @nx/js is around, unless told to.
  const jsConfig = (nxJson.pluginsConfig?.['@nx/js'] ?? {}) as Record<string, unknown>;
  if (jsConfig.analyzeSourceFiles === undefined) {
    nxJson.pluginsConfig = { ...nxJson.pluginsConfig, '@nx/js': { ...jsConfig, analyzeSourceFiles: true } };
  }
  // The inferred targets hash `production` inputs: tests and local secrets never bust a build.
  nxJson.namedInputs ??= {};
  nxJson.namedInputs.default ??= ['{projectRoot}/**/*', 'sharedGlobals'];
  nxJson.namedInputs.sharedGlobals ??= [];
  nxJson.namedInputs.production ??= ['default', '!{projectRoot}/**/*.spec.ts', '!{projectRoot}/.dev.vars*', '!{projectRoot}/.wrangler/**/*'];
  updateNxJson(tree, nxJson);
}

export function addGitignoreEntries(tree: Tree): void {
  const existing = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8') ?? '' : '';
  const lines = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_ENTRIES.filter((entry) => !lines.has(entry));
  if (missing.length === 0) return;
  const prefix = existing.length === 0 || existing.endsWith('\n') ? existing : `${existing}\n`;
  tree.write('.gitignore', `${prefix}${existing.length ? '\n' : ''}# nx-edge: local secrets and local state\n${missing.join('\n')}\n`);
}

export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  registerPlugin(tree);
  addGitignoreEntries(tree);
  if (!options.keepScripts) rewriteWorkerScripts(tree);
  let installTask: GeneratorCallback = () => undefined;
  if (!options.skipPackageJson && tree.exists('package.json')) {
    const toolchain = toolchainFor();
    const hadDependencies = 'dependencies' in (readJson(tree, 'package.json') as object);
    installTask = addDependenciesToPackageJson(
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
      },
      undefined,
      options.keepExistingVersions ?? true,
    );
    // Only dev dependencies are added: no empty "dependencies" left behind.
    updateJson(tree, 'package.json', (json) => {
      if (!hadDependencies && json.dependencies && Object.keys(json.dependencies).length === 0) delete json.dependencies;
      return json;
    });
  }
  if (!options.skipFormat) await formatFiles(tree);
  return installTask;
}

export default initGenerator;
